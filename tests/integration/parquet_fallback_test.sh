#!/usr/bin/env bash
# Values the typed Parquet mapping cannot hold (timestamps after 294247-01-10, numeric NaN in
# numeric(p,s), which itself rejects ±Infinity; two-dimensional arrays, arrays with another
# lower bound, such elements inside arrays) sit in the LAST ctid chunk of a table that several workers export at
# once. By default the export still succeeds: each such column of that table, and only it,
# becomes PostgreSQL's exact text in every file of the table, the parts written before the
# fallback was found are written again, and the manifest and every file's key-value metadata
# say which columns fell back and why. Every value is read back by DuckDB, parquet-wasm and
# hyparquet (tests/tools/compare_parquet.py) and compared with PostgreSQL's text, for a
# directory, a spool and an S3 destination. --strict-types refuses the same data with exit 12
# and leaves no manifest, no object and no pending multipart upload.
#
# Then `cdc init` falls back the same way, `cdc run` writes a changed value of a fallen-back
# column as text, and a change whose value the base run's typed column cannot hold stops
# `cdc run` with exit 12 naming the table, the column and what to do.
#
# And a table with no columns (CREATE TABLE z ()) with rows is read by DuckDB and parquet-wasm.
source "$(dirname "$0")/lib.sh"
need_postgres
need_parquet_readers

db=pgexport_fallback
fresh_database "$db" >/dev/null
export PGDATABASE=$db
sql "$db" <<'SQL'
CREATE SCHEMA edge;
-- Every column type the typed mapping can refuse, next to columns it never refuses. The filler
-- makes the table span many 64 KiB ctid chunks; the odd values come last, in the last pages.
CREATE TABLE edge.zoo (
  id integer PRIMARY KEY,
  ts timestamp, tstz timestamptz, ts_inf timestamp, tstz_inf timestamptz,
  d date, n numeric(10,2), n38 numeric(38,10), n20 numeric(20,4), n_ok numeric(10,2),
  n_wide numeric(40,2), n_free numeric,
  matrix integer[], shifted text[], stamps timestamp[], amounts numeric(6,2)[], ints integer[],
  filler text NOT NULL);
INSERT INTO edge.zoo
SELECT i, '2024-01-01'::timestamp + i * interval '1 minute', '2024-01-01 00:00+00'::timestamptz + i * interval '1 second',
       (CASE i % 3 WHEN 0 THEN 'infinity' WHEN 1 THEN '-infinity' ELSE '1999-12-31 23:59:59.999999' END)::timestamp,
       (CASE i % 3 WHEN 0 THEN 'infinity' WHEN 1 THEN '-infinity' ELSE '4714-11-24 00:00:00+00 BC' END)::timestamptz,
       (CASE i % 4 WHEN 0 THEN 'infinity' WHEN 1 THEN '-infinity' WHEN 2 THEN '5874897-12-31' ELSE '4713-01-01 BC' END)::date,
       i / 100.0, -i / 7.0, i * 1.0001, 99999999.99, 1e37 + i, 1.5e-30 * i,
       ARRAY[i, -i], ARRAY['a' || i, NULL], ARRAY['2000-01-01 00:00'::timestamp + i * interval '1 day'],
       ARRAY[i % 10000 / 100.0], ARRAY[i, NULL],
       repeat(md5(i::text), 4)
FROM generate_series(1, 6000) i;
INSERT INTO edge.zoo VALUES
  (100001, '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', 'infinity', '-infinity',
   '5874897-12-31', 'NaN', 'NaN', 1.5, 1.25, 'NaN', 'Infinity',
   '{{1,2},{3,4}}', '[0:1]={x,y}', '{"294270-01-01 00:00:00",NULL}', '{NaN,1.5}', '{7}', 'odd'),
  (100002, '294247-01-10 04:00:54.775807', NULL, NULL, NULL, NULL, 'NaN', NULL, 'NaN', NULL, NULL, '-Infinity',
   '{{{1}},{{2}}}', '[-3:-2]={"a b",NULL}', NULL, '{NaN}', '{}', 'odd too');
-- The same types, no odd value: this table keeps every typed column.
CREATE TABLE edge.clean (LIKE edge.zoo INCLUDING ALL);
INSERT INTO edge.clean SELECT * FROM edge.zoo WHERE id < 100;
-- A table without columns, with rows.
CREATE TABLE edge.z ();
INSERT INTO edge.z DEFAULT VALUES;
INSERT INTO edge.z DEFAULT VALUES;
INSERT INTO edge.z DEFAULT VALUES;
SQL
# The odd rows are in the table's last block, so in the last ctid chunk, read after others.
read -r odd_block last_block blocks <<<"$(sql "$db" -F ' ' -c "
  SELECT min((ctid::text::point)[0]) FILTER (WHERE id > 100000), max((ctid::text::point)[0]),
         pg_relation_size('edge.zoo') / current_setting('block_size')::int FROM edge.zoo")"
[[ $odd_block == "$last_block" ]] || fail "the odd rows are in block $odd_block, the last block is $last_block"
(( blocks >= 32 )) || fail "edge.zoo has $blocks blocks: too few for several 64 KiB chunks"

fallen_back='["amounts","matrix","n","n20","n38","shifted","stamps","ts","tstz"]'
export_flags=(--format parquet --include 'edge.*' --chunk-size 64KiB --jobs 2)

# Checks a committed fallback run whose destination tree is in $1 (a directory or a download).
check_fallback_run() { # $1 = root, $2 = run id, $3 = export log
  local root=$1 run=$2 log=$3 manifest=$1/runs/$2/_manifest.json zoo
  [[ -f $manifest ]] || fail "$run: no manifest"
  verify_manifest_objects "$root" "$manifest"
  zoo=$(jq -c '.tables[] | select(.name == "zoo")' "$manifest")
  (( $(jq '.files | length' <<<"$zoo") > 1 )) || fail "$run: edge.zoo is one file; the test needs several chunks"
  [[ $(jq .rows <<<"$zoo") == 6002 ]] || fail "$run: edge.zoo has $(jq .rows <<<"$zoo") rows, want 6002"
  # Only the data files the manifest lists exist: the parts written before the fallback are gone.
  local stored listed
  stored=$(find "$root/runs/$run" -name '*.parquet' | wc -l)
  listed=$(jq '[.tables[].files[]] | length' "$manifest")
  [[ $stored == "$listed" ]] || fail "$run: $stored data files stored, the manifest lists $listed"
  # Exactly the columns with odd values fell back, to exact text, each with its reason.
  [[ $(jq -c '[.columns[] | select(.output.fallback) | .name] | sort' <<<"$zoo") == "$fallen_back" ]] ||
    fail "$run: fallen-back columns are $(jq -c '[.columns[] | select(.output.fallback) | .name]' <<<"$zoo")"
  jq -e '[.columns[] | select(.output.fallback) | .output | .type == "string" and .exact_text] | all' \
    <<<"$zoo" >/dev/null || fail "$run: a fallen-back column is not exact text"
  [[ $(jq -r '.columns[] | select(.name == "n") | .output.fallback' <<<"$zoo") == \
     "value 'NaN' has no decimal(10,2) form" &&
     $(jq -r '.columns[] | select(.name == "n38") | .output.fallback' <<<"$zoo") == \
     "value 'NaN' has no decimal(38,10) form" ]] ||
    fail "$run: the reason for n is $(jq -r '.columns[] | select(.name == "n") | .output.fallback' <<<"$zoo")"
  jq -r '.columns[] | select(.name == "ts") | .output.fallback' <<<"$zoo" |
    grep -q "after 294247-01-10" || fail "$run: the reason for ts does not name the limit"
  jq -r '.columns[] | select(.name == "matrix") | .output.fallback' <<<"$zoo" |
    grep -Eq "^an array of [23] dimension\(s\) with lower bound 1 has no LIST form$" ||
    fail "$run: the reason for matrix is $(jq -r '.columns[] | select(.name == "matrix") | .output.fallback' <<<"$zoo")"
  # Every other column keeps its typed form, in this table and in the clean one.
  local typed
  typed=$(jq -c '[.columns[] | select(.output.fallback | not) | "\(.name)=\(.output.type)"]' <<<"$zoo")
  [[ $typed == '["id=int32","ts_inf=timestamp","tstz_inf=timestamptz","d=date","n_ok=decimal(10,2)","n_wide=string","n_free=string","ints=list","filler=string"]' ]] ||
    fail "$run: the columns without odd values are $typed"
  [[ $(jq '[.tables[] | select(.name == "clean") | .columns[] | select(.output.fallback)] | length' "$manifest") == 0 ]] ||
    fail "$run: a column of edge.clean fell back"
  # One warning per fallen-back column.
  local warned
  warned=$(grep 'the column is written as PostgreSQL' "$log" | grep -o 'column=[a-z_0-9]*' | sort | uniq -c |
    awk '{print $1}' | sort -u | tr '\n' ' ')
  [[ $warned == "1 " && $(grep -c 'the column is written as PostgreSQL' "$log") == 9 ]] ||
    fail "$run: want one warning for each of 9 columns: $(grep 'the column is written as PostgreSQL' "$log")"
  # Every value equal to PostgreSQL's through DuckDB, parquet-wasm and hyparquet; the readers
  # also check that each file's pgexport.columns metadata is the manifest's description.
  python3 "$PGEXPORT_SOURCE_DIR/tests/tools/compare_parquet.py" "$manifest" "$root" "$db" \
    >"$WORK/compare-$run.txt" 2>&1 || { cat "$WORK/compare-$run.txt" >&2; fail "$run: the readers disagree with PostgreSQL"; }
  # What DuckDB itself sees: text for the fallen-back columns, types for the others, and every
  # file of edge.zoo records each fallback's reason.
  local files
  files=$(jq -r --arg root "$root" '[.files[].key | "'"'"'" + $root + "/" + . + "'"'"'"] | join(", ")' <<<"$zoo")
  local seen
  seen=$(cd "$node_dir" && node parquet/read_parquet.mjs "$root/$(jq -r '.files[0].key' <<<"$zoo")" --no-schema --query "
    SELECT (SELECT count(DISTINCT file_name) FROM parquet_kv_metadata([$files])
             WHERE decode(key) = 'pgexport.columns'
               AND (length(decode(value)) - length(replace(decode(value), '\"fallback\"', ''))) = 9 * 10),
           (SELECT string_agg(name || ':' || type, ',' ORDER BY name) FROM parquet_schema([$files])
             WHERE name IN ('n', 'n_ok', 'ts', 'ts_inf') AND file_name = (SELECT min(file_name) FROM parquet_schema([$files]))),
           (SELECT n::VARCHAR || '|' || ts::VARCHAR || '|' || matrix || '|' || shifted FROM read_parquet([$files]) WHERE id = 100001)" |
    jq -r '.rows[0] | map(tostring) | join(" ")')
  [[ $seen == "$(jq '.files | length' <<<"$zoo") n:BYTE_ARRAY,n_ok:INT64,ts:BYTE_ARRAY,ts_inf:INT64 NaN|294276-12-31 23:59:59.999999|{{1,2},{3,4}}|[0:1]={x,y}" ]] ||
    fail "$run: DuckDB sees '$seen'"
}

# --- 1. To a directory, by default: the export succeeds with per-column fallbacks.
dest=$WORK/dir
"$PGEXPORT_BIN" export --destination "$dest" --run-id auto "${export_flags[@]}" >/dev/null \
  2>"$WORK/auto.err" || fail "the default export failed: $(tail -n 3 "$WORK/auto.err")"
check_fallback_run "$dest" auto "$WORK/auto.err"
pass "directory: 9 columns of edge.zoo fell back to text, the rest stay typed: $(tail -n 1 "$WORK/compare-auto.txt")"

# --- 2. --strict-types: exit 12 naming the table, the column and the switch; nothing left.
status=0
"$PGEXPORT_BIN" export --destination "$dest" --run-id strict "${export_flags[@]}" --strict-types \
  >/dev/null 2>"$WORK/strict.err" || status=$?
[[ $status == 12 ]] || fail "--strict-types: exit $status, want 12: $(tail -n 2 "$WORK/strict.err")"
tail -n 1 "$WORK/strict.err" | grep -Eq 'table edge\.zoo, column [a-z_]+ \(.*\), row [0-9]+ .*\(--parquet-[a-z]+-as-text\).* error=data_error$' ||
  fail "--strict-types: the error line does not name table, column and switch: $(tail -n 1 "$WORK/strict.err")"
[[ ! -e $dest/runs/strict ]] || [[ -z $(find "$dest/runs/strict" -type f) ]] ||
  fail "--strict-types left files: $(find "$dest/runs/strict" -type f | head -3)"
pass "--strict-types: exit 12, one line naming table, column and switch, no manifest, no file"

# --- 3. Through a spool into a directory: the spool is written the same way, then uploaded.
"$PGEXPORT_BIN" export --destination "$WORK/spooled" --spool "$WORK/spool" --run-id spooled \
  "${export_flags[@]}" >/dev/null 2>"$WORK/spooled.err" || fail "the spooled export failed: $(tail -n 3 "$WORK/spooled.err")"
check_fallback_run "$WORK/spooled" spooled "$WORK/spooled.err"
pass "spool: the same fallbacks, every value exact: $(tail -n 1 "$WORK/compare-spooled.txt")"

# --- 4. A table with no columns: DuckDB and parquet-wasm read its rows.
z_key=$(jq -r '.tables[] | select(.name == "z") | .files[0].key' "$dest/runs/auto/_manifest.json")
[[ $(jq '.tables[] | select(.name == "z") | [.rows, (.columns | length)]' -c "$dest/runs/auto/_manifest.json") == "[3,0]" ]] ||
  fail "edge.z: the manifest says $(jq -c '.tables[] | select(.name == "z") | [.rows, (.columns | length)]' "$dest/runs/auto/_manifest.json")"
z_duckdb=$(cd "$node_dir" && node parquet/read_parquet.mjs "$dest/$z_key" --no-schema --query \
  "SELECT count(*) FROM read_parquet('$dest/$z_key')" | jq -r '.rows[0][0]')
[[ $z_duckdb == 3 ]] || fail "DuckDB reads $z_duckdb rows of the zero-column table, want 3"
z_wasm=$(cd "$node_dir" && node parquet/read_parquet_wasm.mjs "$dest/$z_key" |
  jq -r '"\(.num_rows) \(.rows | length) \([.fields[].name] | join(",")) \(.metadata["pgexport.columns"])"')
[[ $z_wasm == "3 3 _pgexport_no_columns []" ]] ||
  fail "parquet-wasm reads '$z_wasm' of the zero-column table, want 3 rows of the placeholder"
pass "a table without columns: DuckDB and parquet-wasm read its 3 rows (one placeholder column)"

# --- 5. To S3: the same, with multipart uploads aborted for the parts redone.
need_s3
prefix=fallback-$$-$RANDOM
s3=s3://$PGEXPORT_TEST_BUCKET/$prefix
trap 'aws_s3 s3 rm --recursive --only-show-errors "$s3" >/dev/null 2>&1 || true' EXIT
"$PGEXPORT_BIN" export --destination "$s3" --run-id auto "${export_flags[@]}" >/dev/null \
  2>"$WORK/s3.err" || fail "the default export to S3 failed: $(tail -n 3 "$WORK/s3.err")"
aws_s3 s3 cp --recursive --only-show-errors "$s3" "$WORK/downloaded"
check_fallback_run "$WORK/downloaded" auto "$WORK/s3.err"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "S3: unfinished uploads remain: $(pending_uploads "$prefix/")"
pass "S3: the same fallbacks, no unfinished upload: $(tail -n 1 "$WORK/compare-auto.txt")"

status=0
"$PGEXPORT_BIN" export --destination "$s3" --run-id strict "${export_flags[@]}" --strict-types \
  >/dev/null 2>"$WORK/s3-strict.err" || status=$?
[[ $status == 12 ]] || fail "S3 --strict-types: exit $status, want 12: $(tail -n 2 "$WORK/s3-strict.err")"
left=$(aws_s3 s3 ls --recursive "$s3/runs/strict/" || true)
[[ -z $left ]] || fail "S3 --strict-types left objects: $left"
[[ $(pending_uploads "$prefix/runs/strict/") == "[]" ]] ||
  fail "S3 --strict-types left unfinished uploads: $(pending_uploads "$prefix/runs/strict/")"
pass "S3 --strict-types: exit 12, no manifest, no object, no unfinished upload"

# --- 6. cdc init falls back the same way; cdc run follows the base run's columns.
cdc=$WORK/cdc
"$PGEXPORT_BIN" cdc init --destination "$cdc" --run-id base --format parquet --include edge.zoo \
  --chunk-size 64KiB --jobs 2 \
  >/dev/null 2>"$WORK/init.err" || fail "cdc init failed: $(tail -n 3 "$WORK/init.err")"
base=$cdc/runs/base/_manifest.json
[[ $(jq -c '[.tables[] | select(.name == "zoo") | .columns[] | select(.output.fallback) | .name] | sort' "$base") == "$fallen_back" ]] ||
  fail "cdc init: fallen-back columns are $(jq -c '[.tables[].columns[] | select(.output.fallback) | .name]' "$base")"
sql "$db" -c "UPDATE edge.zoo SET n = 'NaN', ts = '294276-01-01 00:00:00' WHERE id = 1"
"$PGEXPORT_BIN" cdc run --destination "$cdc" --until-caught-up >/dev/null 2>"$WORK/run.err" ||
  fail "cdc run of a change to fallen-back columns failed: $(tail -n 3 "$WORK/run.err")"
change=$cdc/$(jq -r '.tables[0].files[0].key' "$cdc/changes/_log/00000000000000000001.json")
changed=$(cd "$node_dir" && node parquet/read_parquet.mjs "$change" --no-schema --query \
  "SELECT n || '|' || ts FROM read_parquet('$change') WHERE id = 1" | jq -r '.rows[0][0]')
[[ $changed == "NaN|294276-01-01 00:00:00" ]] || fail "the change file holds '$changed' for the fallen-back columns"
sql "$db" -c "UPDATE edge.zoo SET n_ok = 'NaN' WHERE id = 2"
status=0
"$PGEXPORT_BIN" cdc run --destination "$cdc" --until-caught-up >/dev/null 2>"$WORK/run2.err" || status=$?
[[ $status == 12 ]] || fail "cdc run of NaN in a typed column: exit $status, want 12: $(tail -n 2 "$WORK/run2.err")"
tail -n 1 "$WORK/run2.err" | grep -q "column n_ok (numeric(10,2)).*cdc init" ||
  fail "cdc run: the error does not name the column and what to do: $(tail -n 1 "$WORK/run2.err")"
[[ ! -e $cdc/changes/_log/00000000000000000002.json ]] || fail "cdc run logged the refused change"
"$PGEXPORT_BIN" cdc drop >/dev/null || fail "cdc drop failed"
pass "cdc: init falls back, run writes fallen-back columns as text, a value a typed column cannot hold exits 12"
