#!/usr/bin/env bash
# --layout dms: the sample database and the type zoo exported to a directory and to S3 (Ceph
# RADOS Gateway) as an AWS DMS S3 target writes a full load: <schema>/<table>/LOAD00000001.csv
# numbered in hex without gaps, no header, DMS's CSV defaults, no file for an empty table.
# Every table loads back with COPY in that dialect and equals its source (EXCEPT ALL both
# ways); verify passes and cleanup removes nothing. Also: the timestamp column (first, the
# snapshot's time) with gzip (.csv.gz), Parquet file names, a second export into the same
# destination refused before it writes, a failed export removing every file it wrote, and
# `cdc init --layout dms --format jsonl` refused (change capture: dms_cdc_test.sh).
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
export PGDATABASE=$SAMPLE_DB
# DMS's defaults as COPY options: CsvDelimiter ',', Rfc4180 quoting with '"', CsvNullValue an
# empty unquoted field, AddColumnName false.
dms_copy="FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', NULL ''"

# Checks the file names of a DMS-layout run: every key is <schema>/<table>/LOAD<8 hex>.<ext>
# under the table's folder, each table's numbers are 1..n, and the directory holds exactly the
# files the manifest lists besides pgexport's own keys. Prints the number of files.
check_dms_names() { # $1 = destination directory, $2 = manifest, $3 = extension
  local root=$1 manifest=$2 ext=$3 directory number key expected
  while IFS=$'\t' read -r directory number key; do
    expected=$(printf '%sLOAD%08X.%s' "$directory" "$number" "$ext")
    [[ $key == "$expected" ]] || fail "file $number of $directory is $key, expected $expected"
  done < <(jq -r '.tables[] | .directory as $d | .files | to_entries[] | [$d, .key + 1, .value.key] | @tsv' "$manifest")
  diff <(jq -r '.tables[].files[].key' "$manifest" | sort) \
       <(cd "$root" && find . -type f ! -path './runs/*' ! -name latest.json ! -name dms_load.json | sed 's#^\./##' | sort) ||
    fail "the destination's data files are not exactly the manifest's"
  jq '[.tables[].files[]] | length' "$manifest"
}

# 1. A directory: four jobs and small chunks, so large tables are several LOAD files.
dest=$WORK/dir
"$PGEXPORT_BIN" export --destination "$dest" --layout dms --run-id dms-dir --jobs 4 \
  --chunk-size 512KiB >/dev/null
manifest=$dest/runs/dms-dir/_manifest.json
[[ -f $manifest ]] || fail "no manifest written"
[[ -f $dest/dms_load.json ]] || fail "no dms_load.json claim"
[[ $(jq -r .layout.name "$manifest") == dms ]] || fail "the manifest does not record the dms layout"
[[ $(jq -r '.format_options.dialect + " " + (.format_options.header | tostring)' "$manifest") == "dms false" ]] ||
  fail "the manifest does not record the header-less dms dialect"
[[ $(jq -r .compression "$manifest") == none ]] || fail "csv in the dms layout is not uncompressed by default"
files=$(check_dms_names "$dest" "$manifest" csv)
split=$(jq '[.tables[] | select((.files | length) > 1)] | length' "$manifest")
(( split > 0 )) || fail "no table was split into several LOAD files; the test data is too small"
many=$(jq '[.tables[].files | length] | max' "$manifest")
# An empty table has no file and no folder, as with DMS.
[[ $(jq '.tables[] | select(.schema == "zoo" and .name == "empty_table") | .files | length' "$manifest") == 0 ]] ||
  fail "the empty table has files"
[[ ! -e $dest/zoo/empty_table ]] || fail "the empty table has a folder"
# Names as the database spells them; only '/' is escaped.
[[ -f "$dest/zoo/names%2Fwith.odd \"chars\"/LOAD00000001.csv" ]] || fail "the odd table name is not kept as DMS keeps it"
# No header: the first record of zoo.numbers is data (its first column is an integer id).
first=$(jq -r '.tables[] | select(.schema == "zoo" and .name == "numbers") | .files[0].key' "$manifest")
head -c 200 "$dest/$first" | head -n 1 | grep -Eq '^[0-9]+,' || fail "zoo.numbers' file starts with a header: $(head -n 1 "$dest/$first")"
verify_manifest_objects "$dest" "$manifest"
tables=$(verify_csv_roundtrip "$SAMPLE_DB" "$dest" "$manifest" "$dms_copy")
pass "directory: $tables tables in $files LOAD files (up to $many for one table, $split tables split) load back exactly with COPY ($dms_copy)"

"$PGEXPORT_BIN" verify --destination "$dest" >"$WORK/verify.out" || fail "verify failed on the dms layout: $(cat "$WORK/verify.out")"
grep -q "Verified run dms-dir" "$WORK/verify.out" || fail "verify printed: $(cat "$WORK/verify.out")"
before=$(cd "$dest" && find . -type f | sort | sha256sum)
"$PGEXPORT_BIN" cleanup --destination "$dest" --grace 0 >"$WORK/cleanup.out" || fail "cleanup failed"
[[ $(cd "$dest" && find . -type f | sort | sha256sum) == "$before" ]] || fail "cleanup changed a dms-layout destination"
pass "verify passes ($(grep -o '[0-9]* objects' "$WORK/verify.out")) and cleanup --grace 0 leaves every file"

# A second export into the same destination is refused before it writes anything.
status=0
"$PGEXPORT_BIN" export --destination "$dest" --layout dms --run-id dms-again >/dev/null 2>"$WORK/again.err" || status=$?
[[ $status == 7 ]] || fail "a second dms-layout export exited $status, not 7: $(cat "$WORK/again.err")"
grep -q "run 'dms-dir'" "$WORK/again.err" || fail "the refusal does not name the run: $(cat "$WORK/again.err")"
[[ $(cd "$dest" && find . -type f | sort | sha256sum) == "$before" ]] || fail "the refused export changed the destination"
pass "a second export into the destination exits 7 naming run dms-dir and writes nothing"

# 2. The timestamp column with gzip: first column, the snapshot's time in DMS's format.
dest=$WORK/stamped
"$PGEXPORT_BIN" export --destination "$dest" --layout dms --run-id stamped --include 'zoo.*' \
  --compression gzip --dms-timestamp-column loaded_at >/dev/null
manifest=$dest/runs/stamped/_manifest.json
stamp=$(jq -r .layout.timestamp "$manifest")
[[ $stamp =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$ ]] || fail "timestamp '$stamp' is not yyyy-MM-dd HH:mm:ss.SSSSSS"
[[ ${stamp:0:19} == "$(jq -r .snapshot_at "$manifest" | tr T ' ' | cut -c1-19)" ]] || fail "timestamp $stamp is not the snapshot's time"
[[ $(jq -r .layout.timestamp_column "$manifest") == loaded_at ]] || fail "the manifest does not name the timestamp column"
gz_files=$(check_dms_names "$dest" "$manifest" csv.gz)
sql "$SAMPLE_DB" -c "DROP SCHEMA IF EXISTS roundtrip CASCADE" -c "CREATE SCHEMA roundtrip"
checked=0
while IFS=$'\t' read -r index schema name rows; do
  source=$(sql "$SAMPLE_DB" -v s="$schema" -v n="$name" <<<"SELECT format('%I.%I', :'s', :'n')")
  sql "$SAMPLE_DB" -c "CREATE TABLE roundtrip.s$index (loaded_at text, LIKE $source)"
  while read -r key; do
    ln -sfn "$dest/$key" "$WORK/copy-source"
    sql "$SAMPLE_DB" -c "\\copy roundtrip.s$index FROM PROGRAM 'gzip -dc < $WORK/copy-source' ($dms_copy)"
  done < <(jq -r ".tables[$index].files[].key" "$manifest")
  stamps=$(sql "$SAMPLE_DB" -c "SELECT count(*) FILTER (WHERE loaded_at = '$stamp') || ' ' || count(*) FROM roundtrip.s$index")
  [[ $stamps == "$rows $rows" ]] || fail "$schema.$name: $stamps rows carry the snapshot's timestamp first, expected $rows"
  sql "$SAMPLE_DB" -c "ALTER TABLE roundtrip.s$index DROP COLUMN loaded_at"
  diff=$(sql "$SAMPLE_DB" -c "SELECT (SELECT count(*) FROM (SELECT t::text FROM ONLY $source t EXCEPT ALL SELECT t::text FROM roundtrip.s$index t) a) + (SELECT count(*) FROM (SELECT t::text FROM roundtrip.s$index t EXCEPT ALL SELECT t::text FROM ONLY $source t) b)")
  [[ $diff == 0 ]] || fail "$schema.$name: $diff rows differ after the timestamp column"
  checked=$((checked + 1))
done < <(jq -r '.tables | to_entries[] | select(.value.rows > 0) | [.key, .value.schema, .value.name, .value.rows] | @tsv' "$manifest")
(( checked > 0 )) || fail "no zoo table was checked"
sql "$SAMPLE_DB" -c "DROP SCHEMA roundtrip CASCADE"  # not to be exported below
"$PGEXPORT_BIN" verify --destination "$dest" >/dev/null || fail "verify failed on the gzip dms layout"
pass "timestamp column: $checked zoo tables in $gz_files .csv.gz files start every row with $stamp (the snapshot's time), then the table's columns"

# 3. Parquet: the same names with .parquet.
dest=$WORK/parquet
"$PGEXPORT_BIN" export --destination "$dest" --layout dms --run-id parquet --include 'zoo.texts' \
  --format parquet --dms-timestamp-column loaded_at >/dev/null
manifest=$dest/runs/parquet/_manifest.json
check_dms_names "$dest" "$manifest" parquet >/dev/null
[[ -f $dest/zoo/texts/LOAD00000001.parquet ]] || fail "no zoo/texts/LOAD00000001.parquet"
"$PGEXPORT_BIN" verify --destination "$dest" >/dev/null || fail "verify failed on the parquet dms layout"
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] || fail "no $node_dir/node_modules: the Parquet readers are not installed (npm ci in tests/node)"
file=$dest/zoo/texts/LOAD00000001.parquet
stamp=$(jq -r .layout.timestamp "$manifest")
rows=$(jq '.tables[0].rows' "$manifest")
# DuckDB, an independent reader: the first column is the timestamp, the same in every row.
seen=$(node "$node_dir/parquet/read_parquet.mjs" "$file" --no-schema --query \
  "SELECT (SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('$file')) LIMIT 1),
          count(*) FILTER (WHERE loaded_at = '$stamp'), count(*) FROM read_parquet('$file')" |
  jq -r '.rows[] | map(tostring) | join(" ")')
[[ $seen == "loaded_at $rows $rows" ]] || fail "DuckDB reads '$seen' from $file, expected 'loaded_at $rows $rows'"
pass "parquet: zoo/texts/LOAD00000001.parquet, verified; DuckDB reads loaded_at first, $stamp in all $rows rows"

# 3b. A Parquet column that falls back to text part-way (a NaN after many typed chunks, two
# jobs): the table is written again from LOAD00000001, with no file of the first attempt left
# beside the new ones (DMS readers would read both) and no gap in the numbers.
fallback_db=pgexport_dms_fallback
trap 'psql -X -d postgres -qc "DROP DATABASE IF EXISTS $fallback_db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
fresh_database "$fallback_db"
sql "$fallback_db" <<'SQL'
CREATE TABLE late_nan (id int PRIMARY KEY, n numeric(12, 2));
INSERT INTO late_nan SELECT g, g / 7.0 FROM generate_series(1, 200000) g;
INSERT INTO late_nan VALUES (200001, 'NaN');
CREATE TABLE plain (id int PRIMARY KEY, t text);
INSERT INTO plain SELECT g, repeat('x', 40) || g FROM generate_series(1, 150000) g;
SQL
dest=$WORK/fallback
PGDATABASE=$fallback_db "$PGEXPORT_BIN" export --destination "$dest" --layout dms --run-id fallback \
  --format parquet --jobs 2 --chunk-size 1MiB >/dev/null 2>"$WORK/fallback.err" ||
  fail "the export with a late NaN failed: $(tail -1 "$WORK/fallback.err")"
grep -q 'written as PostgreSQL text' "$WORK/fallback.err" ||
  fail "no fallback warning: the NaN did not make the column fall back, so nothing was redone"
manifest=$dest/runs/fallback/_manifest.json
fallback_files=$(check_dms_names "$dest" "$manifest" parquet)
for table in late_nan plain; do
  # DuckDB over every file of the table: each source row exactly once.
  seen=$(node "$node_dir/parquet/read_parquet.mjs" "$dest/public/$table/LOAD00000001.parquet" --no-schema --query \
    "SELECT count(*), count(DISTINCT id) FROM read_parquet('$dest/public/$table/*.parquet')" |
    jq -r '.rows[] | map(tostring) | join(" ")')
  expected=$(sql "$fallback_db" -c "SELECT count(*) || ' ' || count(DISTINCT id) FROM $table")
  [[ $seen == "$expected" ]] || fail "the LOAD files of $table hold '$seen' rows (all, distinct ids), PostgreSQL '$expected'"
done
nan=$(node "$node_dir/parquet/read_parquet.mjs" "$dest/public/late_nan/LOAD00000001.parquet" --no-schema --query \
  "SELECT n FROM read_parquet('$dest/public/late_nan/*.parquet') WHERE id = 200001" | jq -r '.rows[0][0]')
[[ $nan == NaN ]] || fail "late_nan's NaN reads back as '$nan'"
pass "a late NaN in Parquet: the table is rewritten from LOAD00000001 ($fallback_files files, numbers without gaps, exactly the manifest's), every row once, NaN exact"

# 4. A failed export removes every file it wrote. One job, the largest table first; the small
# table's folder is blocked by a file, so its object cannot be created after the large table's
# files are committed.
dest=$WORK/failed
big=$(sql "$SAMPLE_DB" -c "SELECT format('%s.%s', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog','information_schema','roundtrip','zoo')
  AND n.nspname NOT LIKE 'pg\_%' ORDER BY pg_relation_size(c.oid) DESC LIMIT 1")
mkdir -p "$dest/zoo"
echo blocked >"$dest/zoo/all_null"
status=0
"$PGEXPORT_BIN" export --destination "$dest" --layout dms --run-id failed --jobs 1 \
  --include "$big" --include 'zoo.all_null' --log-level info >/dev/null 2>"$WORK/failed.err" || status=$?
(( status != 0 )) || fail "the export with a blocked folder succeeded"
grep -q "exported.*table=$big" "$WORK/failed.err" || fail "$big was not exported before the failure: $(tail -5 "$WORK/failed.err")"
left=$(cd "$dest" && find . -type f ! -path ./zoo/all_null | wc -l)
[[ $left == 0 ]] || fail "the failed export left $left files: $(cd "$dest" && find . -type f)"
pass "a failed export (exit $status) removed the files of $big it had committed, and its claim"

# 5. S3: the same export to the RADOS Gateway, read back with awscli.
prefix=dms-$$-$RANDOM
s3_url=s3://$PGEXPORT_TEST_BUCKET/$prefix
"$PGEXPORT_BIN" export --destination "$s3_url" --layout dms --run-id dms-s3 --jobs 3 \
  --chunk-size 512KiB --max-file-size 64KiB >/dev/null
"$PGEXPORT_BIN" verify --destination "$s3_url" >/dev/null || fail "verify failed on the S3 dms layout"
aws_s3 s3 cp --recursive --only-show-errors "$s3_url" "$WORK/downloaded"
manifest=$WORK/downloaded/runs/dms-s3/_manifest.json
s3_files=$(check_dms_names "$WORK/downloaded" "$manifest" csv)
s3_many=$(jq '[.tables[].files | length] | max' "$manifest")
(( s3_many >= 16 )) || fail "no table reached LOAD00000010 (at most $s3_many files); --max-file-size too large for the data"
verify_manifest_objects "$WORK/downloaded" "$manifest"
tables=$(verify_csv_roundtrip "$SAMPLE_DB" "$WORK/downloaded" "$manifest" "$dms_copy")
status=0
"$PGEXPORT_BIN" export --destination "$s3_url" --layout dms --run-id dms-s3-again >/dev/null 2>&1 || status=$?
[[ $status == 7 ]] || fail "a second S3 dms-layout export exited $status, not 7"
pass "s3: $tables tables in $s3_files objects (one table up to LOAD$(printf '%08X' "$s3_many")) load back exactly; verify passes; a second export exits 7"

# Change capture in this layout (dms_cdc_test.sh) follows the same format rules: cdc init
# --layout dms --format jsonl refuses before touching anything.
status=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/cdc" --layout dms --format jsonl --slot dms_refused \
  --publication dms_refused >/dev/null 2>"$WORK/cdc.err" || status=$?
[[ $status == 2 ]] || fail "cdc init --layout dms --format jsonl exited $status, not 2: $(cat "$WORK/cdc.err")"
[[ -z $(sql "$SAMPLE_DB" -c "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'dms_refused'") ]] ||
  fail "the refused cdc init created a slot"
pass "cdc init --layout dms --format jsonl exits 2 and creates no slot"
