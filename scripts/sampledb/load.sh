#!/usr/bin/env bash
# Load pgexport's sample database (a household-goods moving application) into the database
# named by the libpq environment: PGHOST, PGPORT, PGUSER, PGDATABASE (and PGPASSWORD or
# ~/.pgpass if the server asks for one).
#
#   scripts/sampledb/load.sh [--scale N] [--drop]
#
#   --scale N   size factor, default 1 (about 85 MB of COPY text). Fractions work:
#               0.05 gives a database of a few MB for fast tests. Catalog tables keep a
#               fixed size; moves, shipments, service items, payments and the audit trail
#               grow linearly.
#   --drop      replace the sample objects if they already exist. Without it an existing
#               sample schema stops the load, so other data is never dropped by accident.
#
# The load runs in one transaction: it either completes or leaves the database unchanged.
# The same scale always produces the same rows, byte for byte.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scale=1
replace_existing=false

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale)
            [[ $# -ge 2 ]] || { echo "load.sh: --scale needs a value" >&2; exit 2; }
            scale=$2
            shift 2
            ;;
        --scale=*)
            scale=${1#--scale=}
            shift
            ;;
        --drop)
            replace_existing=true
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "load.sh: unknown argument '$1'" >&2
            usage >&2
            exit 2
            ;;
    esac
done

# A plain decimal number only: the value is substituted into SQL.
if ! [[ $scale =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]] || [[ $scale =~ ^[0.]+$ ]]; then
    echo "load.sh: --scale must be a positive decimal number, got '$scale'" >&2
    exit 2
fi

psql_command=(psql --no-psqlrc --quiet --set ON_ERROR_STOP=1)

echo "Loading the sample database into ${PGDATABASE:-<default database>} at scale $scale" \
     "(host ${PGHOST:-<default>}, port ${PGPORT:-<default>})"
started=$(date +%s.%N)

"${psql_command[@]}" --single-transaction \
    --set scale="$scale" \
    --set replace_existing="$replace_existing" \
    --file "$script_dir/schema.sql" \
    --file "$script_dir/data.sql" \
    --file "$script_dir/constraints.sql"

finished=$(date +%s.%N)

# Rows and on-disk size (table + indexes + TOAST; partitions summed into their parent).
"${psql_command[@]}" --pset footer=off <<'SQL'
SELECT 'WITH counted AS (' || string_agg(
           format('SELECT %L AS table_name, count(*) AS row_count, '
                  'coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(%s)), '
                  '         pg_total_relation_size(%s)) AS bytes '
                  'FROM %s',
                  display_name, oid, oid, display_name),
           ' UNION ALL ' ORDER BY display_name)
       || ') SELECT table_name AS "table", row_count AS rows, pg_size_pretty(bytes) AS size '
       || 'FROM (SELECT table_name, row_count, bytes, 0 AS last FROM counted '
       || '      UNION ALL '
       || '      SELECT ''total'', sum(row_count), sum(bytes), 1 FROM counted) AS report '
       || 'ORDER BY last, table_name'
FROM (
    SELECT c.oid::regclass::text AS display_name, c.oid
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('public', 'ghc')
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
) AS sample_tables
\gexec
SQL

awk -v started="$started" -v finished="$finished" \
    'BEGIN { printf "Loaded in %.1f s\n", finished - started }'
