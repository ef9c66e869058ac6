#!/usr/bin/env bash
# Change files in Parquet against real PostgreSQL: `cdc init --format parquet`, then changes
# of every kind (inserts of the values that break exporters, an update that leaves a TOASTed
# value alone, a primary key update, a delete, a truncate), then `cdc run --until-caught-up`.
# What PostgreSQL says each change was comes from row and truncate triggers (NEW and OLD rows,
# the transaction id, WAL positions just before and after each commit), built into the change
# table a second database holds; tests/tools/compare_parquet.py then reads every change file
# with DuckDB, parquet-wasm and hyparquet and compares every value with it (floats bit for bit).
# The base run has the default (portable) reader profile, and so do its change files.
#
# Then two more batches and `pgexport materialize`: the Parquet base plus the Parquet change
# files become a Parquet run that all three readers find equal to the live tables, row for row.
#
# The source database's own settings are hostile (DateStyle SQL/DMY, IntervalStyle
# sql_standard, a non-UTC TimeZone, extra_float_digits 0, bytea_output escape): logical
# replication prints values with the replication session's settings, which pgexport must set
# itself, or the change files would hold other texts than the full export.
source "$(dirname "$0")/lib.sh"
need_postgres
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] ||
  fail "no $node_dir/node_modules: the Parquet readers are not installed (npm ci in tests/node)"
export PGEXPORT_NODE_DIR=$node_dir

db=pgexport_cdc_parquet
expected_db=pgexport_cdc_parquet_expected
dest=$WORK/dest
fresh_database "$db"
fresh_database "$expected_db" >/dev/null
# The test's own sessions use the export session's settings, whatever the database says.
q() { PGOPTIONS="${PGOPTIONS:-} -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c TimeZone=UTC -c extra_float_digits=1 -c bytea_output=hex" sql "$db" "$@"; }

q <<'SQL'
CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s "fine", really');
CREATE TABLE items (
  id uuid PRIMARY KEY, small smallint, n12 numeric(12,2), nany numeric, nwide numeric(50,10),
  f8 double precision, f4 real, d date, t time, ts timestamp, tz timestamptz, b bytea,
  flag boolean, m mood, doc jsonb, j json, tags text[], nums integer[], stamps timestamptz[],
  iv interval, ip inet, o oid, c char(3), note varchar(40), big text);
-- Out of line whatever its contents: an update that does not touch it leaves it unsent.
ALTER TABLE items ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE keyed (id integer PRIMARY KEY, v text);
INSERT INTO items (id, small, n12, note, big) VALUES
  ('00000000-0000-0000-0000-000000000001', 1, 1.50, 'one', repeat(md5('1'), 3000)),
  ('00000000-0000-0000-0000-000000000002', 2, 2.50, 'two', repeat(md5('2'), 3000)),
  ('00000000-0000-0000-0000-000000000003', 3, 3.50, 'three', repeat(md5('3'), 3000));
INSERT INTO keyed SELECT i, 'v' || i FROM generate_series(1, 5) i;
SQL
sql "$db" <<SQL
ALTER DATABASE $db SET DateStyle = 'SQL, DMY';
ALTER DATABASE $db SET IntervalStyle = 'sql_standard';
ALTER DATABASE $db SET TimeZone = 'Asia/Kolkata';
ALTER DATABASE $db SET extra_float_digits = 0;
ALTER DATABASE $db SET bytea_output = 'escape';
SQL
[[ $(sql "$db" -c "SELECT current_setting('DateStyle') || ' ' || current_setting('TimeZone') || ' ' || current_setting('extra_float_digits')") == "SQL, DMY Asia/Kolkata 0" ]] ||
  fail "the database's own settings are not the hostile ones this test needs"

PGDATABASE=$db "$PGEXPORT_BIN" cdc init --destination "$dest" --run-id base --format parquet \
  >/dev/null 2>"$WORK/init.err" || fail "cdc init --format parquet failed: $(cat "$WORK/init.err")"
base_manifest=$dest/runs/base/_manifest.json
[[ $(jq -r .format "$base_manifest") == parquet ]] || fail "the base run is not parquet"
jq -e '.format_options == {profile: "portable", numeric_as_text: false, arrays_as_text: false,
                           timestamps_as_text: false}' \
  "$base_manifest" >/dev/null || fail "the base manifest does not record the type rules: $(jq -c .format_options "$base_manifest")"

# Every change, in order, with its transaction; and WAL positions around each commit.
q <<'SQL'
CREATE TABLE captured (change bigserial PRIMARY KEY, xid bigint NOT NULL DEFAULT txid_current(),
  relation text NOT NULL, op text NOT NULL, new_item items, old_item items, new_keyed keyed,
  old_keyed keyed);
CREATE TABLE commits (xid bigint PRIMARY KEY, before_commit pg_lsn NOT NULL, after_commit pg_lsn,
  started timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN  -- TRUNCATE
    INSERT INTO captured (relation, op) VALUES (TG_TABLE_NAME, 'T');
  ELSIF TG_TABLE_NAME = 'items' THEN
    INSERT INTO captured (relation, op, new_item, old_item)
    VALUES ('items', left(TG_OP, 1), CASE WHEN TG_OP <> 'DELETE' THEN NEW END,
            CASE WHEN TG_OP <> 'INSERT' THEN OLD END);
  ELSE
    INSERT INTO captured (relation, op, new_keyed, old_keyed)
    VALUES ('keyed', left(TG_OP, 1), CASE WHEN TG_OP <> 'DELETE' THEN NEW END,
            CASE WHEN TG_OP <> 'INSERT' THEN OLD END);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER capture AFTER INSERT OR UPDATE OR DELETE ON items FOR EACH ROW EXECUTE FUNCTION capture();
CREATE TRIGGER capture AFTER INSERT OR UPDATE OR DELETE ON keyed FOR EACH ROW EXECUTE FUNCTION capture();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON keyed FOR EACH STATEMENT EXECUTE FUNCTION capture();
SQL

# One transaction of changes, its commit bracketed by WAL positions.
transaction() { # $1 = SQL
  q -c "BEGIN; $1; INSERT INTO commits (xid, before_commit) SELECT txid_current(), pg_current_wal_insert_lsn(); COMMIT;" \
    -c "UPDATE commits SET after_commit = pg_current_wal_insert_lsn() WHERE after_commit IS NULL"
}
transaction "INSERT INTO items VALUES
  ('00000000-0000-0000-0000-0000000000aa', -32768, -9999999999.99, 'NaN', 12345678901234567890123456789012345678.0123456789,
   'NaN', '-0', '4713-01-01 BC', '24:00:00', 'infinity', '-infinity', '\\x00ff5c22',
   true, 'it''s \"fine\", really', '{\"a\": [1, 2.50, \"x\\u00e9\"], \"b\": null}', '{\"k\" :  1, \"k\": 2}',
   '{\"with,comma\",\"\",NULL,\"NULL\",\"quote\\\"d\"}', '{1,NULL,-3}', '{\"2024-02-29 12:00:00+05:30\",infinity}',
   '-1 year 2 mons -3 days 04:05:06.000007', '192.168.1.7', 4294967295, 'ab', 'ünïcode, \"q\"', repeat('A', 200000)),
  ('00000000-0000-0000-0000-0000000000bb', 32767, 0.01, '-Infinity', -0.0000000001,
   '1e23', '1.4e-45', '5874897-12-31', '00:00:00.000001', '294246-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '',
   false, 'sad', '[]', 'null', '{}', '{}', '{}', '0', '2001:db8::1/64', 0, NULL, '', NULL),
  ('00000000-0000-0000-0000-0000000000cc', NULL, NULL, 'Infinity', NULL, '4.9e-324', '3.4028235e38', '2000-01-01',
   '12:34:56.789', '4714-11-24 00:00:00 BC', '2024-02-29 23:59:59.999999-09:30', NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
transaction "UPDATE items SET note = 'touched', f8 = 1e-310, tags = '{a,b}' WHERE id = '00000000-0000-0000-0000-000000000001'"
transaction "UPDATE items SET id = '00000000-0000-0000-0000-0000000000dd', note = 'moved' WHERE id = '00000000-0000-0000-0000-000000000002'"
transaction "DELETE FROM items WHERE id = '00000000-0000-0000-0000-000000000003'"
transaction "UPDATE items SET big = repeat('z', 9000), small = 7 WHERE id = '00000000-0000-0000-0000-0000000000aa'"
transaction "UPDATE keyed SET id = id + 1000, v = 'moved' WHERE id = 1; TRUNCATE keyed; INSERT INTO keyed VALUES (5, 'after truncate')"
[[ $(q -c "SELECT count(*) FROM commits WHERE after_commit IS NULL") == 0 ]] || fail "a commit has no WAL bracket"

PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >"$WORK/run.out" 2>"$WORK/run.err" ||
  fail "cdc run failed: $(cat "$WORK/run.err")"
grep -q "^Shipped 1 batches (6 transactions, " "$WORK/run.out" || fail "unexpected summary: $(cat "$WORK/run.out")"
entry=$dest/changes/_log/00000000000000000001.json
[[ $(jq -r '.format + " " + .compression' "$entry") == "parquet zstd" ]] ||
  fail "the log entry says $(jq -r '.format + " " + .compression' "$entry")"
while IFS=$'\t' read -r key bytes sha; do
  [[ $key == changes/public.*/00000000000000000001-*-000.parquet ]] || fail "unexpected change file key $key"
  [[ $(head -c 4 "$dest/$key") == PAR1 && $(stat -c %s "$dest/$key") == "$bytes" ]] ||
    fail "$key is not the Parquet file its entry lists"
  [[ $(sha256sum "$dest/$key" | cut -d' ' -f1) == "$sha" ]] || fail "sha256 of $key differs"
done < <(jq -r '.tables[].files[] | [.key, .bytes, .sha256] | @tsv' "$entry")
pass "cdc run wrote one batch of Parquet change files (no outer compression), listed with size and SHA-256"

# The change files follow the base run's reader profile (portable, the default): uuid and time
# are STRING, as in the base files, and each file records the profile.
items_file=$dest/$(jq -r '.tables[] | select(.name == "items") | .files[0].key' "$entry")
base_items=$dest/$(jq -r '.tables[] | select(.name == "items") | .files[0].key' "$base_manifest")
annotations() { # $1 = file
  (cd "$node_dir" && node parquet/read_parquet.mjs "$1" --no-schema --query \
    "SELECT (SELECT string_agg(name || '=' || coalesce(logical_type, ''), ',' ORDER BY name)
             FROM parquet_schema('$1') WHERE name IN ('id', 't', 'm', 'doc')),
            (SELECT decode(value) FROM parquet_kv_metadata('$1')
             WHERE decode(key) = 'pgexport.parquet_profile')") | jq -r '.rows[0] | @tsv'
}
change_annotations=$(annotations "$items_file")
[[ $change_annotations == "$(annotations "$base_items")" ]] ||
  fail "change files and base files of items differ: $change_annotations vs $(annotations "$base_items")"
[[ $change_annotations == $'doc=StringType(),id=StringType(),m=StringType(),t=StringType()\tportable' ]] ||
  fail "change files of items are not portable: $change_annotations"
pass "change files follow the base run's portable profile: $change_annotations"

# What each change was, as its change table holds it, in the expected database. Commit LSN and
# time come from the files (nothing else knows them) but must lie inside each commit's WAL
# bracket and after the transaction's start.
read_duckdb() { # $1 = file, $2 = SQL over t
  (cd "$node_dir" && node parquet/read_parquet.mjs "$1" --no-schema --query "$2")
}
for table in items keyed; do
  file=$dest/$(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .files[0].key' "$entry")
  read_duckdb "$file" "SELECT DISTINCT _xid, _commit_lsn, epoch_us(_commit_time) FROM t" |
    jq -r '.rows[] | @tsv'
done | sort -u >"$WORK/commit_points.tsv"
q -c "CREATE TABLE logged (xid bigint PRIMARY KEY, commit_lsn pg_lsn NOT NULL, commit_micros bigint NOT NULL)"
q -c "COPY logged FROM STDIN" <"$WORK/commit_points.tsv" || fail "one transaction has two commit LSNs or times"
outside=$(q -c "SELECT count(*) FROM commits c FULL JOIN logged l USING (xid)
  WHERE l.xid IS NULL OR c.xid IS NULL OR NOT (l.commit_lsn > c.before_commit AND l.commit_lsn < c.after_commit)
     OR to_timestamp(l.commit_micros / 1e6) < c.started - interval '1 ms'
     OR to_timestamp(l.commit_micros / 1e6) > now()")
[[ $outside == 0 ]] || fail "$outside transactions have a commit LSN or time outside their commit's bracket"
pass "every transaction's _commit_lsn lies between the WAL positions before and after its COMMIT"

unchanged="op = 'U' AND (old_item).big IS NOT NULL AND (new_item).big = (old_item).big"
columns=$(q -c "SELECT string_agg(format('CASE WHEN op IN (''D'', ''T'') THEN NULL ELSE (new_item).%I END AS %I', attname, attname), ', ' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('id', 'big')")
q <<SQL
-- _old_key as docs/cdc.md writes it: an object of the old key's texts, without white space.
CREATE FUNCTION old_key(id text) RETURNS json LANGUAGE sql AS \$\$ SELECT ('{"id":' || to_json(id) || '}')::json \$\$;
CREATE VIEW change_rows AS
SELECT c.*, row_number() OVER (PARTITION BY c.xid ORDER BY c.change) AS seq, l.commit_lsn::text AS lsn,
  to_timestamp(0) + l.commit_micros * interval '1 microsecond' AS commit_time
FROM captured c JOIN logged l USING (xid);
CREATE TABLE expected_items AS
SELECT op AS _op, lsn AS _commit_lsn, commit_time AS _commit_time, xid AS _xid, seq AS _seq,
  CASE WHEN $unchanged THEN '{big}'::text[] END AS _unchanged,
  CASE WHEN op = 'U' AND (new_item).id <> (old_item).id THEN old_key((old_item).id::text) END AS _old_key,
  CASE WHEN op = 'D' THEN (old_item).id WHEN op <> 'T' THEN (new_item).id END AS id, $columns,
  CASE WHEN op IN ('D', 'T') OR ($unchanged) THEN NULL ELSE (new_item).big END AS big
FROM change_rows WHERE relation = 'items';
CREATE TABLE expected_keyed AS
SELECT op AS _op, lsn AS _commit_lsn, commit_time AS _commit_time, xid AS _xid, seq AS _seq,
  NULL::text[] AS _unchanged,
  CASE WHEN op = 'U' AND (new_keyed).id <> (old_keyed).id THEN old_key((old_keyed).id::text) END AS _old_key,
  CASE WHEN op = 'D' THEN (old_keyed).id WHEN op <> 'T' THEN (new_keyed).id END AS id,
  CASE WHEN op IN ('D', 'T') THEN NULL ELSE (new_keyed).v END AS v
FROM change_rows WHERE relation = 'keyed';
SQL
# The test covers what it claims: each kind of change is there.
[[ $(q -c "SELECT count(*) FILTER (WHERE _unchanged = '{big}') || ' ' || count(*) FILTER (WHERE _old_key IS NOT NULL)
    || ' ' || count(*) FILTER (WHERE _op = 'D') FROM expected_items") == "2 1 1" ]] ||
  fail "the changes lack an unchanged TOASTed value, a key update or a delete"
[[ $(q -c "SELECT string_agg(_op, '' ORDER BY _xid, _seq) FROM expected_keyed") == UTI ]] ||
  fail "keyed's changes are not update, truncate, insert"

# The expected change tables go to the expected database as public.items and public.keyed
# (the names the change files carry), with the change table's column types.
sql "$expected_db" -c "CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s \"fine\", really')"
for table in items keyed; do
  definition=$(q -c "SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
    FROM pg_attribute WHERE attrelid = 'expected_$table'::regclass AND attnum > 0")
  sql "$expected_db" -c "CREATE TABLE public.$table ($definition)"
  q -c "COPY expected_$table TO STDOUT (FORMAT binary)" |
    sql "$expected_db" -c "COPY public.$table FROM STDIN (FORMAT binary)"
done

# A manifest of the change files for compare_parquet.py: each table's columns as the files
# describe them (pgexport.columns), its files as the log entry lists them. In Python: jq reads
# numbers as doubles, and the infinity sentinels are 64-bit integers.
for table in items keyed; do
  key=$(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .files[0].key' "$entry")
  (cd "$node_dir" && node parquet/read_parquet.mjs "$dest/$key" --query "SELECT 1 LIMIT 0") >"$WORK/$table.schema.json"
done
python3 - "$entry" "$WORK" >"$WORK/changes.json" <<'PY'
import json, sys
entry = json.load(open(sys.argv[1]))
tables = []
for logged in entry["tables"]:
    described = json.loads(json.load(open(f"{sys.argv[2]}/{logged['name']}.schema.json"))["kv"]["pgexport.columns"])
    tables.append({"schema": logged["schema"], "name": logged["name"], "kind": "table",
                   "rows": logged["rows"], "files": logged["files"],
                   "columns": [{"name": d["name"], "pg_type": d["postgres_type"],
                                "nullable": not d["not_null"], "output": d["parquet"]} for d in described]})
json.dump({"format": "parquet", "run_id": "changes", "tables": tables}, sys.stdout)
PY
jq -e '.tables[] | select(.name == "items") | .columns[:7] | map(.output.type) ==
    ["string", "string", "timestamptz", "int64", "int64", "list", "json"]' "$WORK/changes.json" >/dev/null ||
  fail "the metadata columns are not typed string, string, timestamptz, int64, int64, list, json"
python3 "$PGEXPORT_SOURCE_DIR/tests/tools/compare_parquet.py" "$WORK/changes.json" "$dest" "$expected_db" \
  >"$WORK/compare.txt" 2>&1 || { cat "$WORK/compare.txt" >&2; fail "the change files differ from the changes"; }
pass "$(tail -n 1 "$WORK/compare.txt")"

# The base run and the change files type each column alike.
base_types=$(jq -c '.tables[] | select(.name == "items") | .columns | map(.output)' "$base_manifest")
change_types=$(jq -c '.tables[] | select(.name == "items") | .columns[7:] | map(.output)' "$WORK/changes.json")
[[ $base_types == "$change_types" ]] || fail "change files type columns otherwise than the base run"
pass "change files use the base run's Parquet types, column for column"

# A second batch: an update of the moved row that leaves its TOASTed value alone again (so it
# comes from the base row of the old key), an insert, a delete of a row the first batch added.
transaction "UPDATE items SET note = 'again', n12 = -0.01 WHERE id = '00000000-0000-0000-0000-0000000000dd'"
transaction "INSERT INTO items (id, note, big, stamps) VALUES ('00000000-0000-0000-0000-0000000000ee', 'late', repeat('q', 5000), '{\"-infinity\"}')"
transaction "DELETE FROM items WHERE id = '00000000-0000-0000-0000-0000000000bb'"
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >"$WORK/run2.out" 2>"$WORK/run2.err" ||
  fail "the second cdc run failed: $(cat "$WORK/run2.err")"
grep -q "^Shipped 1 batches (3 transactions, 3 changes)" "$WORK/run2.out" || fail "unexpected summary: $(cat "$WORK/run2.out")"
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >"$WORK/run3.out" 2>"$WORK/run3.err" ||
  fail "a third cdc run failed: $(cat "$WORK/run3.err")"
grep -q "^Shipped 0 batches" "$WORK/run3.out" || fail "a third run shipped something: $(cat "$WORK/run3.out")"
pass "a second batch is shipped, a third cdc run finds nothing new"

# materialize: the Parquet base and both batches of Parquet change files become a Parquet run
# equal to the live tables, read by DuckDB and parquet-wasm (compare_parquet.py compares the
# rows of each table as multisets, both ways, floats bit for bit).
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/out" --run-id now >"$WORK/materialize.out" 2>"$WORK/materialize.err" ||
  fail "materialize failed: $(cat "$WORK/materialize.err")"
grep -q "from run base and log entries 1 to 2" "$WORK/materialize.out" || fail "unexpected summary: $(cat "$WORK/materialize.out")"
run_manifest=$WORK/out/runs/now/_manifest.json
[[ $(jq -r '.format + " " + .compression' "$run_manifest") == "parquet zstd" ]] || fail "the materialized run is not parquet zstd"
[[ $(jq -c .format_options "$run_manifest") == "$(jq -c .format_options "$base_manifest")" ]] ||
  fail "the materialized run lost the base's format_options"
[[ $(jq -c '[.tables[] | .columns | map(.output)]' "$run_manifest") == "$(jq -c '[.tables[] | .columns | map(.output)]' "$base_manifest")" ]] ||
  fail "the materialized run types its columns otherwise than the base run"
[[ $(q -c "SELECT count(*) FROM items") == $(jq '.tables[] | select(.name == "items") | .rows' "$run_manifest") ]] ||
  fail "the materialized items table has another row count than the live one"
python3 "$PGEXPORT_SOURCE_DIR/tests/tools/compare_parquet.py" "$run_manifest" "$WORK/out" "$db" \
  >"$WORK/compare-run.txt" 2>&1 || { cat "$WORK/compare-run.txt" >&2; fail "the materialized run differs from the live tables"; }
pass "materialize: $(tail -n 1 "$WORK/compare-run.txt")"
"$PGEXPORT_BIN" verify --destination "$WORK/out" >/dev/null || fail "verify fails on the materialized run"
pass "pgexport verify passes on the materialized run"

status=0
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/csv-out" --format csv 2>"$WORK/csv.err" || status=$?
[[ $status == 2 ]] && grep -q "converting between formats is not supported yet" "$WORK/csv.err" ||
  fail "--format csv of a parquet run: exit $status: $(cat "$WORK/csv.err")"
key=$(jq -r '.tables[] | select(.name == "items") | .files[0].key' "$dest/changes/_log/00000000000000000002.json")
printf 'PAR1' >>"$dest/$key"
status=0
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/bad" 2>"$WORK/bad.err" || status=$?
[[ $status == 14 ]] && grep -qF "$key" "$WORK/bad.err" || fail "a damaged change file: exit $status: $(cat "$WORK/bad.err")"
[[ -z $(find "$WORK/bad" -name _manifest.json 2>/dev/null) ]] || fail "a run was committed from a damaged change file"
pass "--format csv of a parquet run exits 2; a damaged Parquet change file exits 14 naming it, nothing committed"

# The same through S3, with snappy pages: change files are uploaded, and materialize reads each
# Parquet file back from the bucket (twice: size, SHA-256 and footer, then row groups).
need_s3
s3=s3://$PGEXPORT_TEST_BUCKET/cdc-parquet-$$-$RANDOM
trap 'aws_s3 s3 rm --recursive --only-show-errors "$s3" >/dev/null 2>&1 || true' EXIT
s3_slot=(--slot pgexport_s3 --publication pgexport_s3)
captured_tables=(--include public.items --include public.keyed)
PGDATABASE=$db "$PGEXPORT_BIN" cdc init --destination "$s3" "${s3_slot[@]}" "${captured_tables[@]}" --run-id base \
  --format parquet --compression snappy >/dev/null 2>"$WORK/s3-init.err" ||
  fail "cdc init to S3 failed: $(cat "$WORK/s3-init.err")"
transaction "UPDATE items SET note = 'in s3' WHERE id = '00000000-0000-0000-0000-0000000000dd'; INSERT INTO keyed VALUES (6, 'six')"
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$s3" --slot pgexport_s3 --until-caught-up \
  >"$WORK/s3-run.out" 2>"$WORK/s3-run.err" || fail "cdc run to S3 failed: $(cat "$WORK/s3-run.err")"
grep -q "^Shipped 1 batches (1 transactions, 2 changes)" "$WORK/s3-run.out" || fail "unexpected summary: $(cat "$WORK/s3-run.out")"
"$PGEXPORT_BIN" materialize --destination "$s3" --output "$WORK/s3-out" --run-id now \
  >/dev/null 2>"$WORK/s3-materialize.err" || fail "materialize from S3 failed: $(cat "$WORK/s3-materialize.err")"
[[ $(jq -r .compression "$WORK/s3-out/runs/now/_manifest.json") == snappy ]] || fail "the materialized run is not snappy"
python3 "$PGEXPORT_SOURCE_DIR/tests/tools/compare_parquet.py" "$WORK/s3-out/runs/now/_manifest.json" "$WORK/s3-out" "$db" \
  >"$WORK/compare-s3.txt" 2>&1 || { cat "$WORK/compare-s3.txt" >&2; fail "the run materialized from S3 differs from the live tables"; }
pass "through S3 with snappy pages: $(tail -n 1 "$WORK/compare-s3.txt")"

PGDATABASE=$db "$PGEXPORT_BIN" cdc drop >/dev/null || fail "cdc drop failed"
PGDATABASE=$db "$PGEXPORT_BIN" cdc drop "${s3_slot[@]}" >/dev/null || fail "cdc drop of the S3 slot failed"
psql -X -d postgres -qc "DROP DATABASE $db" -c "DROP DATABASE $expected_db" >/dev/null
