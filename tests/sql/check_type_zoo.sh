#!/usr/bin/env bash
# Check that every value in the type zoo survives PostgreSQL's own COPY round trip, in each
# COPY format: COPY zoo.<table> TO STDOUT, then COPY FROM STDIN into an empty copy of the
# table (schema zoo_copy), then compare. This proves the zoo itself is sound, so that when
# a pgexport test finds a difference, the difference is pgexport's.
#
#   tests/sql/check_type_zoo.sh [--load]
#
#   --load   (re)create the zoo first: type_zoo.sql, plus type_zoo_citext.sql when the
#            citext extension is available on the server.
#
# Connects with the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE). Exits 1 if any
# table differs when compared as text. The "equality" column shows what EXCEPT ALL with
# "=" says, for information: "not comparable" marks tables with a column type that has
# no equality operator.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
psql_command=(psql --no-psqlrc --quiet --set ON_ERROR_STOP=1)

if [[ ${1:-} == --load ]]; then
    "${psql_command[@]}" --file "$script_dir/type_zoo.sql"
    if [[ $("${psql_command[@]}" --tuples-only --no-align --command \
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'") == 1 ]]; then
        "${psql_command[@]}" --file "$script_dir/type_zoo_citext.sql"
    else
        echo "citext is not available on this server: skipping type_zoo_citext.sql"
    fi
elif [[ $# -gt 0 ]]; then
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

# Round trips run in UTC so timestamptz text is the same on both sides of each pipe;
# NOTICEs (DROP ... IF EXISTS, CASCADE details) are noise here.
export PGTZ=UTC
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

mapfile -t tables < <("${psql_command[@]}" --tuples-only --no-align --command "
    SELECT format('%I', c.relname)
    FROM pg_class AS c
    WHERE c.relnamespace = 'zoo'::regnamespace AND c.relkind = 'r'
    ORDER BY c.relname")

failures=0
printf '%-34s %-7s %6s  %-10s %s\n' table format rows text equality
for table in "${tables[@]}"; do
    for format in csv text binary; do
        "${psql_command[@]}" --command "DROP TABLE IF EXISTS zoo_copy.$table" \
                             --command "CREATE SCHEMA IF NOT EXISTS zoo_copy" \
                             --command "CREATE TABLE zoo_copy.$table (LIKE zoo.$table)"
        "${psql_command[@]}" --command "COPY zoo.$table TO STDOUT (FORMAT $format)" |
            "${psql_command[@]}" --command "COPY zoo_copy.$table FROM STDIN (FORMAT $format)"
        IFS='|' read -r row_count text_differences equality < <(
            "${psql_command[@]}" --tuples-only --no-align --command "
                SELECT (SELECT count(*) FROM zoo.$table),
                       (SELECT count(*) FROM zoo.compare_text('zoo.$table', 'zoo_copy.$table')),
                       zoo.compare_equal('zoo.$table', 'zoo_copy.$table')")
        if [[ $text_differences == 0 ]]; then
            text_result=identical
        else
            text_result="DIFFERS($text_differences)"
            failures=$((failures + 1))
        fi
        equality=${equality/could not identify an equality operator for type/no \"=\" for}
        printf '%-34s %-7s %6s  %-10s %s\n' "$table" "$format" "$row_count" "$text_result" \
               "$equality"
    done
done

"${psql_command[@]}" --command "DROP SCHEMA zoo_copy CASCADE"

if [[ $failures -gt 0 ]]; then
    echo "$failures table/format combinations differ" >&2
    exit 1
fi
echo "every zoo table round-trips through COPY csv, text and binary"
