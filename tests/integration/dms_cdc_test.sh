#!/usr/bin/env bash
# Change capture in the AWS DMS layout: `cdc init --layout dms --dms-timestamp-column dms_ts`,
# in CSV and in Parquet, then batches of inserts (values with quotes, commas, newlines, empty
# strings and NULLs), updates that leave a TOASTed value unsent, key updates, deletes on keyed
# and key-less tables, and a truncate, each shipped by `cdc run --until-caught-up`, to a
# directory and to S3 (with --compression gzip: .csv.gz, as DMS's CompressionType GZIP).
#
# What is checked, as a DMS-built pipeline would see it:
#   - names: every change file is <schema>/<table>/yyyyMMdd-HHmmssffff.csv (DMS's documented
#     20141029-1134010000.csv), one per table and log entry that lists the table;
#   - columns: Op (I, U, D or T) first, then dms_ts (yyyy-MM-dd HH:mm:ss.SSSSSS, the commit
#     time of the change's transaction, as pgexport's own change file records it), then the
#     table's columns; no header; DMS's CSV defaults;
#   - a loader written the way DMS pipelines apply changes (COPY each file into a staging table
#     in name order, then apply I/U/D/T by key in file and row order) on top of the LOAD files
#     reproduces every table of PostgreSQL (sorted row texts compared);
#   - a failure after the log entry and before the DMS files (the table's folder blocked, to a
#     directory; cdc run killed with SIGKILL while the DMS file's upload is held back by a proxy,
#     to S3): the next cdc run publishes the missing files, each change exactly once (the loader
#     inserts into tables with their primary keys and checks every U and D finds its one row).
#   - without --replica-identity-full, cdc init --layout dms refuses tables whose TOASTed values
#     an update could leave unsent (exit 2, no slot); an update that lacks such a value after
#     all (the identity changed later) is refused with exit 12, never written as NULL;
#   - Parquet: DuckDB reads every LOAD and change file, Op and dms_ts first, and what it reads
#     passes the same loader; cleanup and verify leave the DMS files alone, cleanup aborts
#     unfinished uploads of DMS change files only; materialize refuses a DMS-layout base.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3

db=pgexport_dms_cdc
loaded_db=pgexport_dms_cdc_loaded
fresh_database "$db"
schema_sql=$(cat <<'SQL'
CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL, big text);
ALTER TABLE accounts ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE orders (id bigint PRIMARY KEY, status text, amount numeric(12, 2), note text);
CREATE TABLE counters (id integer PRIMARY KEY, n bigint);
CREATE TABLE events (kind text, n integer);
CREATE TABLE scratch (id integer PRIMARY KEY, v text);
CREATE TABLE late (id integer PRIMARY KEY, v text);
CREATE TABLE quiet (id integer PRIMARY KEY, n integer);
SQL
)
sql "$db" <<<"$schema_sql"
sql "$db" <<'SQL'
INSERT INTO accounts SELECT i, 'owner ' || i, 0, repeat(md5(i::text), 200) FROM generate_series(1, 20) i;
INSERT INTO orders SELECT i, 'new', i * 1.25, CASE WHEN i % 3 = 0 THEN 'a "quoted", value' WHEN i % 3 = 1 THEN '' END
  FROM generate_series(1, 50) i;
INSERT INTO counters SELECT i, i FROM generate_series(1, 10) i;
INSERT INTO events SELECT 'k' || (i % 3), i % 2 FROM generate_series(1, 12) i;
INSERT INTO scratch SELECT i, 'v' || i FROM generate_series(1, 10) i;
SQL

# Whole rows or nothing: without --replica-identity-full the TOAST-able tables are refused.
status=0
PGDATABASE=$db "$PGEXPORT_BIN" cdc init --destination "$WORK/refused" --layout dms --exclude public.events \
  --slot dms_refused --publication dms_refused >/dev/null 2>"$WORK/refused.err" || status=$?
[[ $status == 2 ]] || fail "cdc init --layout dms on TOAST-able tables exited $status, not 2: $(cat "$WORK/refused.err")"
grep -q "REPLICA IDENTITY FULL" "$WORK/refused.err" || fail "the refusal does not say what to do: $(cat "$WORK/refused.err")"
grep -q "public.accounts" "$WORK/refused.err" || fail "the refusal does not name the tables: $(cat "$WORK/refused.err")"
[[ -z $(sql "$db" -c "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'dms_refused'") ]] ||
  fail "the refused cdc init created a slot"
pass "cdc init --layout dms without --replica-identity-full exits 2 naming the TOAST-able tables, no slot"

# The changes of one batch, by number.
changes() { # $1 = batch
  case $1 in
    1) sql "$db" <<'SQL' ;;
INSERT INTO orders VALUES (1001, 'new', 10.10, E'two\nlines'), (1002, '', NULL, ''), (1003, NULL, 0, 'comma, "quote"');
UPDATE accounts SET balance = balance + 5 WHERE id <= 5;            -- big left unsent (TOASTed)
UPDATE orders SET status = 'paid' WHERE id IN (1, 2, 3);
UPDATE orders SET id = 2001 WHERE id = 4;                            -- a key update
UPDATE counters SET id = 100 WHERE id = 1;                           -- a key update, default identity
DELETE FROM orders WHERE id IN (5, 6);
DELETE FROM counters WHERE id = 2;
UPDATE events SET n = 7 WHERE kind = 'k1' AND n = 0;                 -- duplicates, no key
SQL
    2) sql "$db" <<'SQL' ;;
BEGIN;
UPDATE accounts SET big = repeat('x', 3000) WHERE id = 6;
UPDATE accounts SET owner = 'renamed' WHERE id = 6;                  -- big unsent again
INSERT INTO accounts VALUES (21, 'new owner', 1, NULL);
COMMIT;
TRUNCATE scratch;
INSERT INTO scratch VALUES (1, 'after truncate');
DELETE FROM events WHERE kind = 'k2';
INSERT INTO events VALUES ('k9', NULL), ('k9', NULL);
UPDATE orders SET amount = amount * 2 WHERE id BETWEEN 10 AND 20;
SQL
    3) sql "$db" <<'SQL' ;;
INSERT INTO late VALUES (1, 'first'), (2, 'second');
UPDATE accounts SET balance = -1 WHERE id BETWEEN 7 AND 9;
UPDATE late SET v = 'changed' WHERE id = 1;
DELETE FROM orders WHERE id = 2001;
SQL
    4) sql "$db" <<'SQL' ;;
UPDATE late SET id = 3 WHERE id = 2;
UPDATE accounts SET balance = balance + 1;
INSERT INTO counters SELECT i, i * i FROM generate_series(200, 230) i;
INSERT INTO quiet VALUES (1, 1), (2, NULL);
SQL
  esac
}

# The DMS change files of destination copy $1 (public/<table>/<name>), in name order.
dms_change_files() {
  (cd "$1" && find public -type f ! -name 'LOAD*' | sort)
}

# Every check of one destination (a local directory, or a local copy of an S3 prefix).
check_destination() { # $1 = directory, $2 = what it is
  local root=$1 what=$2 file name table entries files
  # Names: DMS's pattern, one file per table and entry listing the table (so none twice).
  while read -r file; do
    name=${file##*/}
    [[ $name =~ ^[0-9]{8}-[0-9]{10}\.csv$ ]] || fail "$what: $file is not named as DMS names CDC files (20141029-1134010000.csv)"
  done < <(dms_change_files "$root")
  for table in accounts orders counters events scratch late quiet; do
    entries=$(cat "$root"/changes/_log/*.json | jq -s "[.[] | select(.tables | map(.name) | index(\"$table\"))] | length")
    files=$(dms_change_files "$root" | grep -c "^public/$table/" || true)
    [[ $entries == "$files" ]] || fail "$what: $table has $files DMS change files for $entries log entries"
  done
  # Columns: Op first, then dms_ts in DMS's format; no header line.
  while read -r file; do
    awk -F, -v f="$file" 'NR == 1 && $1 !~ /^[IUDT]$/ { print "header or bad Op in " f ": " $0; exit 1 }' "$root/$file" ||
      fail "$what: $file does not start with a change row"
  done < <(dms_change_files "$root")
  loader_check "$root" "$what"
}

# The DMS pipeline: the LOAD files first, then each table's change files in name order, each
# row applied by key in file order. Tables have their primary keys, so an insert applied twice
# fails; U and D must find exactly one row.
loader_check() { # $1 = directory, $2 = what
  local root=$1 what=$2 table file key
  fresh_database "$loaded_db" >/dev/null
  sql "$loaded_db" <<<"$schema_sql"
  sql "$loaded_db" <<'SQL'
-- A delete's or truncate's row has NULL in the table's NOT NULL columns.
CREATE FUNCTION drop_not_null(stage regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE c text;
BEGIN
  FOR c IN SELECT attname FROM pg_attribute WHERE attrelid = stage AND attnum > 0 AND NOT attisdropped AND attnotnull AND attname <> 'ord' LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', stage, c);
  END LOOP;
END $$;
CREATE FUNCTION dms_apply(target regclass, stage regclass, key text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record; n bigint; applied bigint := 0; cond text; all_cols text[];
BEGIN
  SELECT array_agg(attname::text ORDER BY attnum) INTO all_cols FROM pg_attribute
    WHERE attrelid = target AND attnum > 0 AND NOT attisdropped;
  SELECT string_agg(format('t.%1$I IS NOT DISTINCT FROM x.%1$I', k), ' AND ') INTO cond
    FROM unnest(coalesce(key, all_cols)) k;
  FOR r IN EXECUTE format('SELECT op, to_jsonb(s) - ''ord'' - ''op'' - ''dms_ts'' AS j FROM %s s ORDER BY ord', stage) LOOP
    IF r.op IN ('U', 'D') THEN
      IF key IS NULL AND r.op = 'U' THEN RAISE EXCEPTION 'a U row for key-less table %', target; END IF;
      EXECUTE format('DELETE FROM %1$s t WHERE t.ctid = (SELECT t.ctid FROM %1$s t, jsonb_populate_record(NULL::%1$s, $1) x WHERE %2$s LIMIT 1)', target, cond) USING r.j;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN RAISE EXCEPTION '% row of % found % rows: %', r.op, target, n, r.j; END IF;
    ELSIF r.op = 'T' THEN
      EXECUTE format('DELETE FROM %s', target);
    ELSIF r.op <> 'I' THEN
      RAISE EXCEPTION 'unknown Op %', r.op;
    END IF;
    IF r.op IN ('I', 'U') THEN
      EXECUTE format('INSERT INTO %1$s SELECT * FROM jsonb_populate_record(NULL::%1$s, $1)', target) USING r.j;
    END IF;
    applied := applied + 1;
  END LOOP;
  RETURN applied;
END $$;
SQL
  for table in accounts orders counters events scratch late quiet; do
    sql "$loaded_db" -c "CREATE TABLE load_$table (dms_ts text, LIKE $table)" \
      -c "CREATE TABLE stage_$table (ord bigserial, op text, dms_ts text, LIKE $table)" \
      -c "SELECT drop_not_null('stage_$table')" >/dev/null
    for file in "$root"/public/"$table"/LOAD*.csv; do
      [[ -e $file ]] || continue
      sql "$loaded_db" -c "\\copy load_$table FROM '$file' (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', NULL '')"
    done
    sql "$loaded_db" -c "INSERT INTO $table SELECT (x).* FROM (SELECT (jsonb_populate_record(NULL::$table, to_jsonb(l) - 'dms_ts')) AS x FROM load_$table l) s"
    columns=$(sql "$loaded_db" -c "SELECT string_agg(format('%I', attname), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '$table'::regclass AND attnum > 0 AND NOT attisdropped")
    while read -r file; do
      sql "$loaded_db" -c "\\copy stage_$table (op, dms_ts, $columns) FROM '$root/$file' (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', NULL '')" ||
        fail "$what: $file does not load with COPY in DMS's CSV dialect"
    done < <(dms_change_files "$root" | grep "^public/$table/")
    bad_ts=$(sql "$loaded_db" -c "SELECT count(*) FROM stage_$table WHERE dms_ts !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}\$'")
    [[ $bad_ts == 0 ]] || fail "$what: $bad_ts rows of $table have a dms_ts not in yyyy-MM-dd HH:mm:ss.SSSSSS"
    key="ARRAY['id']"
    [[ $table == events ]] && key=NULL
    sql "$loaded_db" -c "SELECT dms_apply('$table', 'stage_$table', $key)" >/dev/null ||
      fail "$what: applying $table's DMS change files failed"
    diff <(sql "$db" -c "SELECT t::text FROM $table t ORDER BY 1") \
         <(sql "$loaded_db" -c "SELECT t::text FROM $table t ORDER BY 1") >"$WORK/diff" ||
      fail "$what: $table loaded from the DMS files differs from PostgreSQL: $(head -20 "$WORK/diff")"
  done
  # dms_ts is the commit time pgexport's own change files record for the same transactions
  # (CSV change files; a Parquet destination's are checked by DuckDB below).
  local checked_tables="orders accounts"
  [[ -n $(find "$root/changes" -name '*.parquet' -print -quit) ]] && checked_tables=
  for table in $checked_tables; do
    sql "$loaded_db" -c "CREATE TABLE changes_$table (_op text, _commit_lsn text, _commit_time timestamptz, _xid bigint, _seq bigint, _unchanged text[], _old_key jsonb, LIKE $table)"
    for file in $(cat "$root"/changes/_log/*.json | jq -r ".tables[] | select(.name == \"$table\") | .files[].key | sub(\"\\\\.gz$\"; \"\")"); do
      sql "$loaded_db" -c "\\copy changes_$table FROM '$root/$file' (FORMAT csv, HEADER true)"
    done
    missing=$(sql "$loaded_db" -c "SELECT count(*) FROM (SELECT DISTINCT dms_ts FROM stage_$table EXCEPT SELECT to_char(_commit_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM changes_$table) m")
    [[ $missing == 0 ]] || fail "$what: $missing dms_ts values of $table are no commit time of its changes"
  done
  sql "$loaded_db" -c "SELECT string_agg(op || '=' || n, ' ' ORDER BY op) FROM (SELECT op, count(*) n FROM (
    SELECT op FROM stage_accounts UNION ALL SELECT op FROM stage_orders UNION ALL SELECT op FROM stage_counters UNION ALL
    SELECT op FROM stage_events UNION ALL SELECT op FROM stage_scratch UNION ALL SELECT op FROM stage_late UNION ALL
    SELECT op FROM stage_quiet) a GROUP BY op) b"
}

# 1. A directory.
dest=$WORK/dir
PGDATABASE=$db "$PGEXPORT_BIN" cdc init --destination "$dest" --layout dms --run-id base \
  --dms-timestamp-column dms_ts --replica-identity-full >/dev/null 2>"$WORK/init.err" ||
  fail "cdc init --layout dms failed: $(cat "$WORK/init.err")"
[[ $(jq -r '.layout.name + " " + .layout.timestamp_column' "$dest/runs/base/_manifest.json") == "dms dms_ts" ]] ||
  fail "the base run's manifest does not record the DMS layout and its timestamp column"
[[ $(sql "$db" -c "SELECT string_agg(relname || '=' || relreplident::text, ' ' ORDER BY relname) FROM pg_class WHERE relname IN ('accounts','orders','counters','events')") == "accounts=f counters=d events=f orders=f" ]] ||
  fail "cdc init did not set REPLICA IDENTITY FULL on exactly the TOAST-able and key-less tables"
[[ -f $dest/public/accounts/LOAD00000001.csv && ! -e $dest/public/late ]] || fail "the full load's files are not DMS's"
for batch in 1 2 3; do
  changes $batch
  PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >/dev/null 2>"$WORK/run.err" ||
    fail "cdc run $batch failed: $(cat "$WORK/run.err")"
done
# A failure between the log entry and the DMS files: `quiet` has no folder yet (empty at the
# full load, unchanged since), and a file where its folder would be makes its DMS file fail.
changes 4
echo blocked >"$dest/public/quiet"
status=0
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >/dev/null 2>"$WORK/blocked.err" || status=$?
(( status != 0 )) || fail "cdc run with late's folder blocked succeeded"
last=$(ls "$dest/changes/_log" | sort | tail -1)
jq -e '.tables | map(.name) | index("quiet")' "$dest/changes/_log/$last" >/dev/null ||
  fail "the failed cdc run did not log its batch first ($last does not list quiet): $(tail -3 "$WORK/blocked.err")"
last=$((10#${last%.json}))
[[ $(jq -r .sequence "$dest/dms_changes.json") == $((last - 1)) ]] ||
  fail "dms_changes.json records $(jq -r .sequence "$dest/dms_changes.json"), not the entry before $last"
[[ -f $dest/public/late/$(ls "$dest/public/late" | sort | tail -1) && $(ls "$dest/public/late" | wc -l) == 2 ]] ||
  fail "late's DMS file of entry $last, before quiet's in the entry, was not written"
rm "$dest/public/quiet"
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >/dev/null 2>"$WORK/repair.err" ||
  fail "the cdc run after the failure failed: $(cat "$WORK/repair.err")"
(( $(jq -r .sequence "$dest/dms_changes.json") >= last )) || fail "the next cdc run did not publish entry $last"
summary=$(check_destination "$dest" directory)
# Housekeeping leaves what DMS readers read: cleanup removes none of it, verify passes.
before=$(cd "$dest" && find public dms_changes.json -type f | sort | xargs sha256sum)
"$PGEXPORT_BIN" cleanup --destination "$dest" --grace 0 >/dev/null 2>"$WORK/cleanup.err" || fail "cleanup failed: $(cat "$WORK/cleanup.err")"
[[ $(cd "$dest" && find public dms_changes.json -type f | sort | xargs sha256sum) == "$before" ]] ||
  fail "cleanup changed the DMS files or dms_changes.json"
"$PGEXPORT_BIN" verify --destination "$dest" >/dev/null 2>"$WORK/verify.err" || fail "verify failed: $(cat "$WORK/verify.err")"
pass "directory: $(ls "$dest/changes/_log" | wc -l) log entries, $(dms_change_files "$dest" | wc -l) DMS change files ($summary) applied on the LOAD files reproduce all 7 tables, after a failure between log entry $last and its DMS files (exit $status) repaired by the next run"

# 2. S3, with cdc run killed (SIGKILL) after the log entry while its DMS file is on its way.
sql "$db" -c "SELECT pg_drop_replication_slot('pgexport')" -c "DROP PUBLICATION pgexport" >/dev/null
sql "$db" -c "TRUNCATE late, quiet" -c "DELETE FROM counters WHERE id >= 200" >/dev/null
prefix=dms-cdc-$$-$RANDOM
s3_url=s3://$PGEXPORT_TEST_BUCKET/$prefix
PGDATABASE=$db "$PGEXPORT_BIN" cdc init --destination "$s3_url" --layout dms --run-id base \
  --dms-timestamp-column dms_ts --replica-identity-full --compression gzip >/dev/null 2>"$WORK/init-s3.err" ||
  fail "cdc init --layout dms to S3 failed: $(cat "$WORK/init-s3.err")"
changes 3
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$s3_url" --until-caught-up >/dev/null 2>"$WORK/run-s3.err" ||
  fail "cdc run to S3 failed: $(cat "$WORK/run-s3.err")"
changes 4
# The proxy holds back every request for a DMS change file of `late` for a minute.
start_fault_proxy --rate 0 --delay 60 --delay-match 'PUT [^ ]*/public/late/'
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$s3_url" --s3-endpoint "$PROXY_URL" \
  --until-caught-up >/dev/null 2>"$WORK/killed.err" &
run_pid=$!
disown "$run_pid"  # its SIGKILL is the test's doing, not a failure to report
# The batch of changes 4 is the only one that touches counters: wait for its log entry.
logged_counters() {
  rm -rf "$WORK/log-poll"
  aws_s3 s3 cp --recursive --only-show-errors "$s3_url/changes/_log/" "$WORK/log-poll" || return 1
  cat "$WORK/log-poll"/*.json 2>/dev/null | jq -se 'map(.tables[].name) | index("counters")' >/dev/null
}
for _ in $(seq 1 240); do
  logged_counters && break
  kill -0 "$run_pid" 2>/dev/null || fail "cdc run ended before logging its batch: $(cat "$WORK/killed.err")"
  sleep 0.25
done
logged_counters || fail "the batch of changes 4 was never logged"
kill -KILL "$run_pid"
# Gone once it is neither running nor sleeping (a zombie until the shell reaps it).
for _ in $(seq 1 100); do
  [[ $(awk '{print $3}' "/proc/$run_pid/stat" 2>/dev/null) =~ ^[RSD]$ ]] || break
  sleep 0.1
done
stop_fault_proxy
# late has the file of the first S3 batch only: the killed run's was held back.
[[ $(count_objects "$s3_url/public/late/") == 1 ]] || fail "late's DMS file was written although its upload was held back"
[[ $(count_objects "$s3_url/public/quiet/") == 0 ]] || fail "quiet's DMS file, after late's in the entry, was written"
cdc_slot_released() {
  wait_until "$db" "the killed cdc run's WAL sender released its slot" \
    "SELECT NOT active FROM pg_replication_slots WHERE slot_name = 'pgexport'"
}
cdc_slot_released
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$s3_url" --until-caught-up >/dev/null 2>"$WORK/repair-s3.err" ||
  fail "the cdc run after the kill failed: $(cat "$WORK/repair-s3.err")"
# What a run killed mid-upload of a large DMS change file leaves: an unfinished multipart upload
# in the table's folder. cleanup aborts it, and only uploads of DMS change files.
for key in public/late/20990101-0000000000.csv public/late/notes.txt; do
  aws_s3 s3api create-multipart-upload --bucket "$PGEXPORT_TEST_BUCKET" --key "$prefix/$key" >/dev/null
done
"$PGEXPORT_BIN" cleanup --destination "$s3_url" --grace 0 >/dev/null 2>"$WORK/cleanup-s3.err" ||
  fail "cleanup failed: $(cat "$WORK/cleanup-s3.err")"
[[ $(pending_uploads "$prefix/") == "[\"$prefix/public/late/notes.txt\"]" ]] ||
  fail "cleanup left these uploads: $(pending_uploads "$prefix/"), expected only public/late/notes.txt"
aws_s3 s3api abort-multipart-upload --bucket "$PGEXPORT_TEST_BUCKET" --key "$prefix/public/late/notes.txt" \
  --upload-id "$(aws_s3 s3api list-multipart-uploads --bucket "$PGEXPORT_TEST_BUCKET" --prefix "$prefix/" --output json | jq -r '.Uploads[0].UploadId')"
aws_s3 s3 cp --recursive --only-show-errors "$s3_url" "$WORK/s3"
# CompressionType GZIP: every DMS file is .csv.gz, named as DMS names them; unpacked, the same
# checks as the directory's.
while read -r file; do
  [[ ${file##*/} =~ ^([0-9]{8}-[0-9]{10}|LOAD[0-9A-F]{8})\.csv\.gz$ ]] || fail "s3: $file is not a DMS .csv.gz name"
done < <(cd "$WORK/s3" && find public -type f)
[[ -z $(cd "$WORK/s3" && find public -type f ! -name '*.csv.gz') ]] || fail "s3: DMS files that are not .csv.gz"
find "$WORK/s3" -name '*.gz' -exec gzip -d {} +
summary=$(check_destination "$WORK/s3" s3)
pass "s3 (gzip): killed after log entry 2 with late's DMS file held back; the next run published it; cleanup aborted the unfinished upload of a DMS change file and no other: $(dms_change_files "$WORK/s3" | wc -l) DMS change files ($summary) reproduce all 7 tables"

# 3. Parquet: DMS change files typed as the base run's files are. DuckDB (an independent
# reader) reads every file; what it reads, as CSV, goes through the same checks and loader.
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] || fail "no $node_dir/node_modules: the Parquet readers are not installed (npm ci in tests/node)"
sql "$db" -c "SELECT pg_drop_replication_slot('pgexport')" -c "DROP PUBLICATION pgexport" >/dev/null
sql "$db" -c "TRUNCATE late, quiet" -c "DELETE FROM counters WHERE id >= 200" >/dev/null
dest=$WORK/parquet
PGDATABASE=$db "$PGEXPORT_BIN" cdc init --destination "$dest" --layout dms --run-id base --format parquet \
  --dms-timestamp-column dms_ts --replica-identity-full >/dev/null 2>"$WORK/init-parquet.err" ||
  fail "cdc init --layout dms --format parquet failed: $(cat "$WORK/init-parquet.err")"
for batch in 3 4; do
  changes $batch
  PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >/dev/null 2>"$WORK/run-parquet.err" ||
    fail "cdc run $batch (parquet) failed: $(cat "$WORK/run-parquet.err")"
done
converted=$WORK/parquet-as-csv
mkdir -p "$converted"
cp -r "$dest/changes" "$converted/"
parquet_files=0
while read -r file; do
  name=${file##*/}
  [[ $name =~ ^(LOAD[0-9A-F]{8}|[0-9]{8}-[0-9]{10})\.parquet$ ]] || fail "parquet: $file is not named as DMS names its files"
  node "$node_dir/parquet/read_parquet.mjs" "$dest/$file" --no-schema >"$WORK/read.json" ||
    fail "DuckDB cannot read $file"
  expected='["dms_ts"]'
  [[ $name == LOAD* ]] || expected='["Op","dms_ts"]'
  [[ $(jq -c ".columns[0:$(jq length <<<"$expected")]" "$WORK/read.json") == "$expected" ]] ||
    fail "parquet: $file starts with columns $(jq -c '.columns' "$WORK/read.json"), not $expected"
  mkdir -p "$converted/$(dirname "$file")"
  # As DMS writes CSV: the first field unquoted (Op, or the LOAD files' dms_ts), then RFC 4180.
  jq -r '.rows[] | .[0] + "," + (.[1:] | @csv)' "$WORK/read.json" >"$converted/${file%.parquet}.csv"
  parquet_files=$((parquet_files + 1))
done < <(cd "$dest" && find public -type f -name '*.parquet' | sort)
summary=$(check_destination "$converted" parquet)
# A replica identity changed behind cdc init's back: the unsent value is refused, never NULL.
sql "$db" -c "ALTER TABLE accounts REPLICA IDENTITY DEFAULT" -c "UPDATE accounts SET balance = 0 WHERE id = 1"
files_before=$(cd "$dest" && find public -type f | wc -l)
status=0
PGDATABASE=$db "$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >/dev/null 2>"$WORK/unsent.err" || status=$?
[[ $status == 12 ]] || fail "an update with an unsent value and no old row exited $status, not 12: $(tail -2 "$WORK/unsent.err")"
grep -q 'column "big"' "$WORK/unsent.err" || fail "the refusal does not name the column: $(tail -1 "$WORK/unsent.err")"
[[ $(cd "$dest" && find public -type f | wc -l) == "$files_before" ]] || fail "a DMS change file was written for the refused batch"
sql "$db" -c "ALTER TABLE accounts REPLICA IDENTITY FULL"
# materialize does not read a DMS-layout base: refused, not misread.
status=0
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/materialized" >/dev/null 2>"$WORK/materialize.err" || status=$?
[[ $status == 2 ]] && grep -q "DMS-layout full load" "$WORK/materialize.err" ||
  fail "materialize of a DMS-layout base exited $status: $(tail -1 "$WORK/materialize.err")"
pass "parquet: $parquet_files .parquet files DuckDB reads with Op and dms_ts first; as read ($summary) they reproduce all 7 tables; an update whose TOASTed value is unsent without an old row is refused (exit 12) and writes no file; materialize refuses the DMS base (exit 2)"

sql "$db" -c "SELECT pg_drop_replication_slot('pgexport')" -c "DROP PUBLICATION pgexport" >/dev/null
