#!/usr/bin/env bash
# The sample database and the type zoo, exported as Parquet through the CLI, and every value of
# every file read back by three independent readers (DuckDB, parquet-wasm and hyparquet) and
# compared with PostgreSQL's own rendering of the source (tests/tools/compare_parquet.py; floats
# bit for bit). Both reader profiles are exported: portable (the default, no UUID, TIME, ENUM or
# JSON annotation anywhere) and exact (those annotations kept), each for the sample schemas and
# for the zoo.
#
# The zoo holds values the typed mapping refuses (2-D arrays, NaN in numeric(12,2), timestamps
# in 294276 AD), so with --strict-types an export of the whole database must fail with data_error
# and publish nothing (without it, those columns fall back to text: parquet_fallback_test.sh);
# the three *-as-text switches export it all, but change every numeric, array and
# timestamp column, so the sample schemas are also exported alone with the typed mapping (and
# the zoo tables the typed mapping keeps, too). Between them, the runs also cover snappy and gzip
# pages, small files (--max-file-size), small row groups (--row-group-size) and ctid-split
# tables.
source "$(dirname "$0")/lib.sh"
need_postgres

node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] ||
  fail "no $node_dir/node_modules: the Parquet readers are not installed (npm ci in tests/node)"
command -v node >/dev/null || fail "no node: the Parquet readers need Node.js"
export PGEXPORT_NODE_DIR=$node_dir
export PGDATABASE=$SAMPLE_DB
dest=$WORK/out
text_flags=(--parquet-numeric-as-text --parquet-arrays-as-text --parquet-timestamps-as-text)

# Compares every value of a run with PostgreSQL (both readers); prints the summary line.
compare_run() { # $1 = run id
  verify_manifest_objects "$dest" "$dest/runs/$1/_manifest.json"
  if ! python3 "$PGEXPORT_SOURCE_DIR/tests/tools/compare_parquet.py" \
      "$dest/runs/$1/_manifest.json" "$dest" "$SAMPLE_DB" >"$WORK/compare-$1.txt" 2>&1; then
    cat "$WORK/compare-$1.txt" >&2
    fail "run $1: the readers disagree with PostgreSQL"
  fi
  tail -n 1 "$WORK/compare-$1.txt"
}

# DuckDB's answer to one query, one tab-separated line per row.
duckdb_rows() { # $1 = SQL
  local any_file
  any_file=$(find "$dest/runs" -name '*.parquet' -print -quit)
  node "$node_dir/parquet/read_parquet.mjs" "$any_file" --no-schema --query "$1" |
    jq -r '.rows[] | map(. // "") | @tsv'
}

# The files of a run as a DuckDB list literal.
files_sql() { # $1 = run id
  jq -r --arg root "$dest" --arg q "'" \
    '[.tables[].files[].key | $q + ($root + "/" + . | gsub($q; $q + $q)) + $q] | join(", ")' \
    "$dest/runs/$1/_manifest.json"
}

tables_in_database=$(sql "$SAMPLE_DB" -c "SELECT count(*) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog','information_schema','roundtrip') AND n.nspname NOT LIKE 'pg\_%'")
zoo_tables=$(sql "$SAMPLE_DB" -c "SELECT count(*) FROM pg_class
  WHERE relnamespace = 'zoo'::regnamespace AND relkind IN ('r','p') AND NOT relispartition")

# --- 1. With --strict-types the typed mapping refuses the zoo: exit 12, one line naming table,
# column and switch, no manifest, nothing left behind. Each refusing table on its own names its
# own switch.
expect_data_error() { # $1 = run id, $2 = table regex, $3 = switch; more export arguments follow
  local run=$1 table=$2 switch=$3 status=0 line
  shift 3
  "$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id "$run" --strict-types \
    "$@" >"$WORK/$run.out" 2>"$WORK/$run.err" || status=$?
  [[ $status == 12 ]] ||
    fail "$run: exit $status, want 12 (data_error): $(tail -n 2 "$WORK/$run.err")"
  [[ ! -e $dest/runs/$run/_manifest.json ]] || fail "$run: a failed run wrote a manifest"
  [[ -z $(find "$dest/runs/$run" -type f 2>/dev/null) ]] ||
    fail "$run: the failed run left files behind"
  [[ $(grep -c 'error=' "$WORK/$run.err") == 1 ]] ||
    fail "$run: want one error line: $(cat "$WORK/$run.err")"
  line=$(tail -n 1 "$WORK/$run.err")
  local pattern="table ($table), column [^ ]+ \(.*\), row [0-9]+ .*\((--parquet-[a-z]+-as-text)\)"
  [[ $line =~ $pattern\ error=data_error$ ]] ||
    fail "$run: the error line does not name table, column and switch: $line"
  # The switch is the last group ($2 may hold groups of its own).
  [[ -z $switch || ${BASH_REMATCH[-1]} == "$switch" ]] ||
    fail "$run: ${BASH_REMATCH[1]} needs $switch, the message names ${BASH_REMATCH[-1]}"
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[-1]}"
}
named=$(expect_data_error typed-all 'zoo\.(arrays|numbers|datetimes)' '')
case $named in
  "zoo.arrays --parquet-arrays-as-text" | "zoo.numbers --parquet-numeric-as-text" | \
    "zoo.datetimes --parquet-timestamps-as-text") ;;
  *) fail "typed-all: the switch named does not fit the table: $named" ;;
esac
[[ ! -e $dest/latest.json ]] || fail "a failed run wrote latest.json"
expect_data_error typed-arrays 'zoo\.arrays' --parquet-arrays-as-text \
  --include zoo.arrays >/dev/null
expect_data_error typed-numbers 'zoo\.numbers' --parquet-numeric-as-text \
  --include zoo.numbers >/dev/null
expect_data_error typed-datetimes 'zoo\.datetimes' --parquet-timestamps-as-text \
  --include zoo.datetimes >/dev/null
pass "--strict-types export of the whole database: exit 12, no manifest, '$named'; each refusing table" \
  "names its switch"

# --- 1a. Without --strict-types the whole database exports: only columns of the three refusing
# tables fall back to text, and every value still comes back exact.
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id fallback-all \
  >/dev/null 2>"$WORK/fallback-all.err" ||
  fail "the default export of the whole database failed: $(tail -n 2 "$WORK/fallback-all.err")"
fallbacks=$(jq -r '[.tables[] | "\(.schema).\(.name)" as $t | .columns[] | select(.output.fallback)
                    | "\($t).\(.name)"] | join(" ")' "$dest/runs/fallback-all/_manifest.json")
[[ -n $fallbacks ]] || fail "fallback-all: no column fell back"
for column in $fallbacks; do
  [[ $column =~ ^zoo\.(arrays|numbers|datetimes)\. ]] ||
    fail "fallback-all: $column fell back, but its table holds no refused value"
done
summary=$(compare_run fallback-all)
pass "default export of the whole database: $(wc -w <<<"$fallbacks") columns fell back ($fallbacks): $summary"

# --- 2. The whole database with the three switches, snappy pages.
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id text-snappy \
  --compression snappy "${text_flags[@]}" >/dev/null || fail "export with the text switches failed"
manifest=$dest/runs/text-snappy/_manifest.json
[[ $(jq -r .compression "$manifest") == snappy ]] ||
  fail "text-snappy: manifest compression is not snappy"
exported=$(jq '.tables | length' "$manifest")
[[ $exported == "$tables_in_database" ]] ||
  fail "text-snappy: $exported tables exported, the database has $tables_in_database"
summary=$(compare_run text-snappy)
codecs=$(duckdb_rows "SELECT string_agg(DISTINCT compression, ',')
                      FROM parquet_metadata([$(files_sql text-snappy)])")
[[ $codecs == SNAPPY ]] || fail "text-snappy: column chunks are compressed with $codecs"
pass "text switches + snappy: $summary"

# --- 3. The sample schemas alone, typed, in small files and row groups, ctid-split tables.
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id typed-sample \
  --exclude 'zoo.*' --max-file-size 64KiB --row-group-size 500 --chunk-size 512KiB --jobs 3 \
  >/dev/null || fail "typed export of the sample schemas failed"
manifest=$dest/runs/typed-sample/_manifest.json
exported=$(jq '.tables | length' "$manifest")
[[ $exported == $((tables_in_database - zoo_tables)) ]] ||
  fail "typed-sample: $exported tables, want $((tables_in_database - zoo_tables))"
summary=$(compare_run typed-sample)
multi_file=$(jq -r '[.tables[] | select((.files | length) > 1) | "\(.schema).\(.name)"] | join(" ")' \
  "$manifest")
[[ -n $multi_file ]] || fail "typed-sample: no table has more than one file"
layout=$(duckdb_rows "
  SELECT max(groups), max(rows), string_agg(DISTINCT codecs, ',')
  FROM (SELECT file_name, count(DISTINCT row_group_id) AS groups, max(row_group_num_rows) AS rows,
               string_agg(DISTINCT compression, ',') AS codecs
        FROM parquet_metadata([$(files_sql typed-sample)]) GROUP BY file_name)")
read -r groups max_group_rows codecs <<<"$layout"
(( groups > 1 )) || fail "typed-sample: no file has more than one row group"
(( max_group_rows <= 500 )) ||
  fail "typed-sample: a row group holds $max_group_rows rows (--row-group-size 500)"
[[ $codecs == ZSTD ]] ||
  fail "typed-sample: column chunks are compressed with $codecs, want ZSTD (the default)"

# The Parquet annotations DuckDB sees for a few typed columns, under the default (portable)
# profile: uuid, enum and json as STRING.
run_schema() { # $1 = run id
  duckdb_rows "SELECT regexp_extract(file_name, '([^/]+)/part-[^/]*$', 1) || '.' || name,
                      type, converted_type, logical_type
               FROM parquet_schema([$(files_sql "$1")])" | sort -u
}
schema_run=typed-sample
schema=$(run_schema typed-sample)
expect_schema() { # $1 = table.column, $2 = physical, $3 = converted, $4 = logical type (a glob)
  local line
  line=$(grep -F -- "$1"$'\t' <<<"$schema" | head -n 1)
  # shellcheck disable=SC2053  # $4 is a glob on purpose
  [[ $line == "$1"$'\t'"$2"$'\t'"$3"$'\t'$4 ]] ||
    fail "$schema_run: $1 is '${line:-absent}', want $2 $3 $4"
}
micros='unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>)'
# The columns whose annotation does not depend on the profile.
expect_common_schema() {
  expect_schema public.payment_service_items.price INT64 DECIMAL \
    'DecimalType(scale=2, precision=12)'
  expect_schema public.payment_service_items.requested_at INT64 TIMESTAMP_MICROS \
    "TimestampType(isAdjustedToUTC=1, $micros)"
  expect_schema public.payment_service_items.created_at INT64 TIMESTAMP_MICROS \
    "TimestampType(isAdjustedToUTC=0, $micros)"
  expect_schema public.tracking_events.latitude DOUBLE '' ''
  expect_schema public.moving_expenses.amount INT64 DECIMAL 'DecimalType(scale=2, precision=10)'
  expect_schema public.mto_service_items.sit_entry_date INT32 DATE 'DateType()'
  expect_schema public.uploads.content_md5 BYTE_ARRAY '' ''
  expect_schema public.duty_locations.aliases '' LIST 'ListType()'
  expect_schema public.addresses.state BYTE_ARRAY UTF8 'StringType()'
}
expect_common_schema
expect_schema public.payment_service_items.id BYTE_ARRAY UTF8 'StringType()'
expect_schema public.payment_service_items.status BYTE_ARRAY UTF8 'StringType()'
expect_schema public.tracking_events.details BYTE_ARRAY UTF8 'StringType()'
expect_schema public.webhook_notifications.payload BYTE_ARRAY UTF8 'StringType()'
pass "typed sample schemas (several files: $multi_file; up to $groups row groups per file): $summary"

# The profile a run was written with, as its manifest and every file's metadata record it.
expect_profile() { # $1 = run id, $2 = profile
  local recorded files
  recorded=$(jq -r '.format_options.profile' "$dest/runs/$1/_manifest.json")
  [[ $recorded == "$2" ]] || fail "$1: the manifest records profile $recorded, want $2"
  files=$(duckdb_rows "SELECT count(*) FILTER (WHERE decode(value) <> '$2'), count(*)
                       FROM parquet_kv_metadata([$(files_sql "$1")])
                       WHERE decode(key) = 'pgexport.parquet_profile'")
  read -r other recorded <<<"$files"
  [[ $other == 0 && $recorded == $(jq '[.tables[].files[]] | length' \
    "$dest/runs/$1/_manifest.json") ]] ||
    fail "$1: $recorded files record a profile, $other of them not $2"
}
# The annotations that only the exact profile writes: none may be in a portable run's files.
rich_annotations() { # $1 = run id; prints "<logical types> <converted types>" found
  duckdb_rows "SELECT count(*) FILTER (WHERE logical_type SIMILAR TO '(UUID|Time|Enum|Json)Type.*'),
                      count(*) FILTER (WHERE converted_type IN ('TIME_MICROS', 'ENUM', 'JSON'))
               FROM parquet_schema([$(files_sql "$1")])"
}
expect_profile typed-sample portable
[[ $(rich_annotations typed-sample) == $'0\t0' ]] ||
  fail "typed-sample: portable files hold UUID/TIME/ENUM/JSON annotations: $(rich_annotations typed-sample)"

# --- 3a. The sample schemas with the exact profile: UUID, ENUM and JSON annotations, the same
# values through all three readers.
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id exact-sample \
  --exclude 'zoo.*' --parquet-profile exact --max-file-size 64KiB --row-group-size 500 \
  >/dev/null || fail "exact-profile export of the sample schemas failed"
summary=$(compare_run exact-sample)
expect_profile exact-sample exact
schema_run=exact-sample
schema=$(run_schema exact-sample)
expect_common_schema
expect_schema public.payment_service_items.id FIXED_LEN_BYTE_ARRAY '' 'UUIDType()'
expect_schema public.payment_service_items.status BYTE_ARRAY ENUM 'EnumType()'
expect_schema public.tracking_events.details BYTE_ARRAY JSON 'JsonType()'
expect_schema public.webhook_notifications.payload BYTE_ARRAY JSON 'JsonType()'
pass "exact profile, sample schemas: $summary"

# --- 3b. gzip pages (the default gzip level is ISA-L's igzip): one RFC 1952 member per page,
# which both readers decompress to the same values.
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id typed-gzip \
  --exclude 'zoo.*' --compression gzip >/dev/null || fail "typed export with gzip pages failed"
summary=$(compare_run typed-gzip)
codecs=$(duckdb_rows "SELECT string_agg(DISTINCT compression, ',')
                      FROM parquet_metadata([$(files_sql typed-gzip)])")
[[ $codecs == GZIP ]] || fail "typed-gzip: column chunks are compressed with $codecs"
pass "typed sample schemas with gzip pages: $summary"

# The two runs differ only where the switches apply: numeric, array and timestamp columns.
text_manifest=$dest/runs/text-snappy/_manifest.json
unexplained=$(jq -rn --slurpfile typed "$manifest" --slurpfile text "$text_manifest" '
  ($text[0].tables | map({key: "\(.schema).\(.name)", value: .}) | from_entries) as $by_name
  | $typed[0].tables[] | . as $t | $by_name["\(.schema).\(.name)"] as $u
  | if $u == null then "\(.schema).\(.name): not in the text run"
    elif $u.rows != $t.rows then "\(.schema).\(.name): \($t.rows) rows typed, \($u.rows) as text"
    else $t.columns | to_entries[] | . as $c | $u.columns[$c.key] as $d
      | select($c.value.output != $d.output)
      | select(($c.value.pg_base_type // $c.value.pg_type) | test("^numeric|\\[\\]$|^timestamp") | not)
      | "\($t.schema).\($t.name).\($c.value.name) (\($c.value.pg_type)):"
        + " \($c.value.output.type) typed, \($d.output.type) as text"
    end')
[[ -z $unexplained ]] || fail "the typed and the text run differ beyond the switches: $unexplained"
switched=$(jq -n --slurpfile typed "$manifest" --slurpfile text "$text_manifest" '
  [$typed[0].tables[] as $t | $text[0].tables[] | select(.schema == $t.schema and .name == $t.name)
   | [.columns, $t.columns] | transpose[] | select(.[0].output.type != .[1].output.type)] | length')
(( switched > 0 )) || fail "the text switches changed no column of the sample schemas"
pass "typed and text runs agree on rows; $switched numeric/array/timestamp columns change" \
  "representation"

# --- 4. The zoo, typed, as far as the typed mapping keeps it: the zoo tables without refused
# values, and copies (in schema roundtrip, the sample database's scratch schema) of the three
# refusing tables without just the refused values, so the typed forms of their edge cases
# (NaN/-0/subnormal floats in lists, infinite and BC dates and timestamps, NULL and empty
# lists, quoted elements, enum and bytea lists, wide decimals) also come back exact.
trap 'sql "$SAMPLE_DB" -c "DROP SCHEMA IF EXISTS roundtrip CASCADE" >/dev/null 2>&1 || true' EXIT
sql "$SAMPLE_DB" <<'SQL'
DROP SCHEMA IF EXISTS roundtrip CASCADE;
CREATE SCHEMA roundtrip;
CREATE TABLE roundtrip.numbers (LIKE zoo.numbers INCLUDING ALL);
INSERT INTO roundtrip.numbers SELECT * FROM zoo.numbers;
UPDATE roundtrip.numbers SET money_like = NULL, decimal_38 = NULL, negative_scale = NULL,
  scale_over_precision = NULL WHERE id = 4;                 -- NaN in numeric(p,s)
CREATE TABLE roundtrip.datetimes (LIKE zoo.datetimes INCLUDING ALL);
INSERT INTO roundtrip.datetimes SELECT * FROM zoo.datetimes;
UPDATE roundtrip.datetimes SET local_time = NULL, instant = NULL, instant_ms = NULL
  WHERE id = 5;                                             -- 294276 AD
CREATE TABLE roundtrip.arrays (LIKE zoo.arrays INCLUDING ALL);
INSERT INTO roundtrip.arrays SELECT * FROM zoo.arrays WHERE id NOT IN (6, 7, 8); -- 2-D, 3-D, bounds
SQL
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id typed-zoo \
  --include 'zoo.*' --include 'roundtrip.*' \
  --exclude zoo.arrays --exclude zoo.numbers --exclude zoo.datetimes >/dev/null ||
  fail "typed export of the zoo without refused values failed"
manifest=$dest/runs/typed-zoo/_manifest.json
exported=$(jq '.tables | length' "$manifest")
[[ $exported == "$zoo_tables" ]] ||  # the zoo tables kept, and copies of the 3 others
  fail "typed-zoo: $exported tables, want $zoo_tables"
lists=$(jq '[.tables[] | select(.schema == "roundtrip") | .columns[] | select(.output.type == "list")]
            | length' "$manifest")
[[ $lists == 12 ]] || fail "typed-zoo: roundtrip.arrays has $lists list columns, want 12"
summary=$(compare_run typed-zoo)
expect_profile typed-zoo portable
[[ $(rich_annotations typed-zoo) == $'0\t0' ]] ||
  fail "typed-zoo: portable files hold UUID/TIME/ENUM/JSON annotations: $(rich_annotations typed-zoo)"
pass "typed zoo, portable profile: $summary"

# --- 5. The same zoo tables with the exact profile: UUID, TIME, ENUM and JSON annotations, every
# value equal through the three readers.
"$PGEXPORT_BIN" export --destination "$dest" --format parquet --run-id exact-zoo \
  --parquet-profile exact --include 'zoo.*' --include 'roundtrip.*' \
  --exclude zoo.arrays --exclude zoo.numbers --exclude zoo.datetimes >/dev/null ||
  fail "exact-profile export of the zoo without refused values failed"
summary=$(compare_run exact-zoo)
expect_profile exact-zoo exact
read -r rich_logical rich_converted <<<"$(rich_annotations exact-zoo)"
(( rich_logical > 0 && rich_converted > 0 )) ||
  fail "exact-zoo: no UUID/TIME/ENUM/JSON annotations ($rich_logical logical, $rich_converted converted)"
pass "typed zoo, exact profile ($rich_logical UUID/TIME/ENUM/JSON columns): $summary"
