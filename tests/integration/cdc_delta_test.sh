#!/usr/bin/env bash
# Change capture into Delta Lake change tables, against real PostgreSQL, into a directory and
# into the RADOS Gateway. The reader is built from the Delta protocol in this test, not from
# pgexport: DuckDB replays tables/<table>.changes/_delta_log/*.json (newline-delimited JSON) to
# find every version's txn and add actions and reads the added files with read_parquet.
#
# Directory: `cdc init --table-format delta` makes each table a Delta table (version 0) and an
# empty change table next to it; three `cdc run` batches (inserts, updates, a key update,
# deletes, a truncate, a column added) must give each change table exactly one version per log
# entry naming the table, with txn version = the entry's sequence, adding exactly the files the
# entry lists (row counts as listed); the change rows read through the Delta log equal, as a
# multiset of (xid, table, op), what the tables' audit triggers recorded in the changing
# transactions themselves. A column added shows up as a new metaData with the column.
# `materialize --table-format delta` then commits version 1 of each table, which DuckDB (live
# files by log replay) finds equal to PostgreSQL's table, EXCEPT ALL both ways; verify passes on
# it, a plain materialize of the Delta base is refused (exit 2), and `cdc run` goes on from the
# materialized base into the same change tables.
#
# S3: every PUT under a change table's _delta_log/ fails (fault proxy), so `cdc run` logs its
# batch (the commit point) and then fails to publish it: the crash between the log entry and the
# Delta commit. The next `cdc run` (without the proxy) publishes it before anything else, and
# one more batch after it: each batch is in each change table exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/delta_lib.sh"
source "$(dirname "$0")/cdc_lib.sh"
need_postgres
need_s3
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] || fail "no $node_dir/node_modules: npm ci in tests/node"
db=pgexport_cdc_delta
fresh_database "$db"
export PGDATABASE=$db
trap stop_fault_proxy EXIT

sql "$db" <<'SQL'
CREATE TABLE items (id integer PRIMARY KEY, name text, amount numeric(12,2), at timestamptz);
INSERT INTO items SELECT i, 'item ' || i, i * 1.25, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 20) i;
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
INSERT INTO notes SELECT i, 'note ' || i FROM generate_series(1, 5) i;
SQL
cdc_install_audit "$db" items notes


# Per version of the change table at $1: version, txn version, and each added path with the
# numRecords of its stats, from the log alone.
change_versions() { # $1 = change table root
  local any
  any=$(find "$1" -maxdepth 1 -name '*.parquet' -print -quit)
  [[ -n $any ]] || any=$(find "$WORK" -name '*.parquet' -print -quit)
  duck "$any" "
    WITH actions AS (
      SELECT CAST(regexp_extract(filename, '([0-9]{20})\\.json\$', 1) AS BIGINT) AS version,
             \"add\", txn
      FROM read_json('$1/_delta_log/*.json', format = 'newline_delimited', filename = true,
                     columns = {'add': 'STRUCT(path VARCHAR, stats VARCHAR)',
                                'txn': 'STRUCT(appId VARCHAR, version BIGINT)'}))
    SELECT a.version, t.txn.version, a.\"add\".path,
           CAST(json_extract(a.\"add\".stats, '\$.numRecords') AS BIGINT)
    FROM actions a JOIN actions t ON t.version = a.version AND t.txn IS NOT NULL
    WHERE a.\"add\" IS NOT NULL ORDER BY 1, 3"
}

# What pgexport's own commit log lists for table $2 in destination copy $1: sequence, the
# file's name inside the change table, rows.
logged_files() { # $1 = destination copy, $2 = schema.table
  local entry
  for entry in "$1"/changes/_log/*.json; do
    jq -r --arg t "$2" '.sequence as $s | .tables[] | select(.schema + "." + .name == $t)
                         | .files[] | [$s, (.key | sub("^tables/[^/]*/"; "")), .rows] | @tsv' "$entry"
  done | sort -k1,1n -k2,2
}

# Checks that every change table in copy $1 holds each logged batch exactly once, as the log
# lists it, and that its rows (read through the Delta log) equal the audit trail.
check_change_tables() { # $1 = destination copy, $2 = label
  local root=$1 table versions logged rows_file=$WORK/$2-delta-rows.tsv
  : >"$rows_file"
  for table in public.items public.notes; do
    [[ -e $root/tables/$table.changes/_delta_log/00000000000000000000.json ]] ||
      fail "$2: no change table $table.changes"
    versions=$(change_versions "$root/tables/$table.changes")
    logged=$(logged_files "$root" "$table")
    [[ -n $logged ]] || fail "$2: the log lists no change files of $table"
    # Version v adds exactly the files of one entry, and its txn version is that entry's sequence.
    diff <(awk -F'\t' '{print $2 "\t" $3 "\t" $4}' <<<"$versions") <(echo "$logged") >"$WORK/$2-$table.diff" ||
      fail "$2: the change table of $table does not hold exactly the logged batches (< Delta, > log): $(cat "$WORK/$2-$table.diff")"
    [[ $(awk -F'\t' '$1 != prev {n++; prev = $1} END {print n}' <<<"$versions") == \
       $(cut -f1 <<<"$logged" | sort -u | wc -l) ]] || fail "$2: $table has another number of versions than logged batches"
    local list
    list=$(awk -F'\t' -v r="$root/tables/$table.changes" '{printf "%s\x27%s/%s\x27", (NR > 1 ? "," : ""), r, $3}' <<<"$versions")
    duck "$root/tables/$table.changes/$(head -n1 <<<"$versions" | cut -f3)" "
      SELECT _xid, '$table', _op FROM read_parquet([$list], union_by_name = true)" >>"$rows_file"
  done
  sql "$db" -c "DROP TABLE IF EXISTS delta_rows" -c "CREATE TABLE delta_rows (xid bigint, relation text, op text)"
  sql "$db" -c "\\copy delta_rows FROM '$rows_file'"
  local extra missing
  extra=$(sql "$db" -c "SELECT count(*) FROM (SELECT * FROM delta_rows EXCEPT ALL SELECT * FROM audit_changes) d")
  missing=$(sql "$db" -c "SELECT count(*) FROM (SELECT * FROM audit_changes EXCEPT ALL SELECT * FROM delta_rows) d")
  [[ $extra == 0 && $missing == 0 ]] ||
    fail "$2: the change tables hold $extra changes the triggers did not see and miss $missing they saw"
  pass "$2: each change table holds every logged batch once, with txn = log sequence; its $(wc -l <"$rows_file") rows equal the audit trail"
}


cdc_run() { # $1 = label, further arguments to cdc run
  local label=$1
  shift
  "$PGEXPORT_BIN" cdc run --until-caught-up "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" ||
    fail "cdc run ($label) failed: $(cat "$WORK/$label.err")"
}

# --- a directory --------------------------------------------------------------------------------
dest=$WORK/dest
"$PGEXPORT_BIN" cdc init --destination "$dest" --run-id base --format parquet --table-format delta \
  --exclude public.audit_changes >/dev/null 2>"$WORK/init.err" || fail "cdc init --table-format delta failed: $(cat "$WORK/init.err")"
[[ $(jq -r '.tables[] | select(.name == "items") | .delta.version' "$dest/runs/base/_manifest.json") == 0 ]] ||
  fail "the base run's manifest does not record version 0 of items"
jq -e -s 'map(select(.txn))[0].txn == {"appId": "pgexport-changes-public.items", "version": 0, "lastUpdated": .[0].commitInfo.timestamp} and (map(select(.add)) | length == 0)' \
  "$dest/tables/public.items.changes/_delta_log/00000000000000000000.json" >/dev/null ||
  fail "cdc init did not create the empty change table of items (txn version 0, no files)"
pass "cdc init --table-format delta: tables at version 0, empty change tables next to them"

sql "$db" -c "INSERT INTO items VALUES (21, 'new', 9.99, now())" \
  -c "UPDATE items SET name = 'renamed', amount = amount + 1 WHERE id <= 3" \
  -c "DELETE FROM items WHERE id BETWEEN 10 AND 12" -c "UPDATE notes SET body = 'edited' WHERE id = 1"
cdc_run dir-1 --destination "$dest"
sql "$db" -c "BEGIN; TRUNCATE notes; INSERT INTO notes VALUES (100, 'after truncate'); COMMIT" \
  -c "UPDATE items SET id = 1000 WHERE id = 5"
cdc_run dir-2 --destination "$dest"
sql "$db" -c "ALTER TABLE items ADD COLUMN extra integer" -c "UPDATE items SET extra = id WHERE id % 2 = 0" \
  -c "INSERT INTO items (id, name, extra) VALUES (2000, 'with extra', 7)"
cdc_run dir-3 --destination "$dest"
[[ $(find "$dest/changes/_log" -name '*.json' | wc -l) -ge 3 ]] || fail "three batches did not make three log entries"
[[ -z $(find "$dest/changes" -name '*.parquet') ]] || fail "a Delta base's change files went under changes/ instead of the change tables"
check_change_tables "$dest" dir
newest=$(ls "$dest/tables/public.items.changes/_delta_log/" | sort | tail -n1)
jq -e -s 'map(select(.metaData)) | length == 1 and (.[0].metaData.schemaString | fromjson | .fields | map(.name) | .[0] == "_op" and .[-1] == "extra")' \
  "$dest/tables/public.items.changes/_delta_log/$newest" >/dev/null ||
  fail "the batch after ADD COLUMN did not write a new metaData ending with the new column"
pass "a column added: the change table's next version has a new metaData with it"
# A run with nothing new publishes nothing again.
cdc_run dir-4 --destination "$dest"
check_change_tables "$dest" dir-again

# materialize --table-format delta: the next version of each table equals PostgreSQL's table.
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$dest" --run-id now --table-format delta \
  >"$WORK/materialize.out" 2>"$WORK/materialize.err" || fail "materialize --table-format delta failed: $(cat "$WORK/materialize.err")"
check_materialized() { # $1 = table, $2 = DuckDB select list, $3 = PostgreSQL select list, $4 = column definitions
  local root=$dest/tables/public.$1 files list version
  version=$(jq -r --arg t "$1" '.tables[] | select(.name == $t) | .delta.version' "$dest/runs/now/_manifest.json")
  [[ $version == 1 ]] || fail "the materialized run's manifest records version $version of $1, not 1"
  files=$(live_files "$root" "$version")
  [[ -n $files ]] || fail "version $version of $1 has no live files"
  list=$(while read -r path; do printf "'%s/%s'," "$root" "$path"; done <<<"$files")
  node "$node_dir/parquet/read_parquet.mjs" "$root/$(head -n1 <<<"$files")" --no-schema \
    --query "SELECT $2 FROM read_parquet([${list%,}])" |
    jq -r '.rows[] | map(if . == null then "<null>" else tostring end) | @tsv' >"$WORK/materialized-$1.tsv"
  sql "$db" -c "DROP TABLE IF EXISTS materialized_$1" -c "CREATE TABLE materialized_$1 ($4)" \
    -c "\\copy materialized_$1 FROM '$WORK/materialized-$1.tsv' (NULL '<null>')"
  local extra missing
  extra=$(sql "$db" -c "SELECT count(*) FROM (SELECT * FROM materialized_$1 EXCEPT ALL SELECT $3 FROM $1) d")
  missing=$(sql "$db" -c "SELECT count(*) FROM (SELECT $3 FROM $1 EXCEPT ALL SELECT * FROM materialized_$1) d")
  [[ $extra == 0 && $missing == 0 ]] || fail "version $version of $1: $extra rows PostgreSQL does not have, $missing missing"
  pass "materialize --table-format delta: version $version of $1 equals PostgreSQL's $(sql "$db" -c "SELECT count(*) FROM $1") rows (EXCEPT ALL both ways, read by log replay)"
  sql "$db" -c "DROP TABLE materialized_$1"  # not a table of the next cdc init
}
check_materialized items "id, name, CAST(amount AS VARCHAR), epoch_us(\"at\"), extra" \
  "id, name, amount::text, (extract(epoch FROM at) * 1000000)::bigint, extra" \
  "id integer, name text, amount text, at bigint, extra integer"
check_materialized notes "id, body" "id, body" "id bigint, body text"
"$PGEXPORT_BIN" verify --destination "$dest" --run-id now >/dev/null 2>"$WORK/verify.err" ||
  fail "pgexport verify fails on the materialized Delta run: $(cat "$WORK/verify.err")"
pass "pgexport verify passes on the materialized Delta run"
# The table format follows the base: a plain run from a Delta base is refused.
set +e
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/plain" --run-id plain --table-format none \
  >/dev/null 2>"$WORK/plain.err"
code=$?
set -e
[[ $code == 2 ]] || fail "materialize --table-format none from a Delta base exited $code, not 2"
grep -q "a Delta run" "$WORK/plain.err" || fail "the refusal does not say why: $(cat "$WORK/plain.err")"
[[ ! -e $WORK/plain/runs ]] || fail "the refused materialize wrote a run"
pass "materialize --table-format none from a Delta base is refused (exit 2), nothing written"
# The materialized run is the next base: cdc run goes on appending to the change tables.
sql "$db" -c "INSERT INTO notes VALUES (300, 'after materialize')"
cdc_run dir-5 --destination "$dest"
check_change_tables "$dest" dir-after-materialize
"$PGEXPORT_BIN" cdc drop >/dev/null 2>&1 || fail "cdc drop failed"

# --- S3, with the Delta commit failing after the log entry ---------------------------------------
url=s3://$PGEXPORT_TEST_BUCKET/cdc-delta-$$-$RANDOM
sql "$db" -c "TRUNCATE audit_changes"
"$PGEXPORT_BIN" cdc init --destination "$url" --run-id base --format parquet --table-format delta \
  --exclude public.audit_changes --exclude public.delta_rows >/dev/null 2>"$WORK/init-s3.err" ||
  fail "cdc init to S3 failed: $(cat "$WORK/init-s3.err")"
start_fault_proxy --rate 1 --faults 500 --match '^PUT .*\.changes/_delta_log/'
sql "$db" -c "INSERT INTO items (id, name) VALUES (3000, 's3 one')" -c "DELETE FROM notes WHERE id = 100"
set +e
"$PGEXPORT_BIN" cdc run --until-caught-up --destination "$url" --s3-endpoint "$PROXY_URL" >"$WORK/s3-fail.out" 2>"$WORK/s3-fail.err"
code=$?
set -e
[[ $code != 0 ]] || fail "cdc run succeeded although every Delta commit failed"
stop_fault_proxy
s3_copy=$WORK/s3-copy-1
aws_s3 s3 cp --recursive --only-show-errors "$url" "$s3_copy"
[[ -e $s3_copy/changes/_log/00000000000000000001.json ]] || fail "the failed run did not log its batch first: $(tail -n3 "$WORK/s3-fail.err")"
[[ ! -e $s3_copy/tables/public.items.changes/_delta_log/00000000000000000001.json ]] ||
  fail "the fault proxy let a Delta commit through"
pass "S3: the batch is logged and its Delta commits failed (exit $code): the crash between the two"

cdc_run s3-catch-up --destination "$url"
sql "$db" -c "UPDATE items SET name = 's3 two' WHERE id = 3000" -c "INSERT INTO notes VALUES (200, 's3')"
cdc_run s3-next --destination "$url"
s3_copy=$WORK/s3-copy-2
aws_s3 s3 cp --recursive --only-show-errors "$url" "$s3_copy"
[[ $(find "$s3_copy/changes/_log" -name '*.json' | wc -l) == 2 ]] || fail "S3: not exactly two log entries"
check_change_tables "$s3_copy" s3
"$PGEXPORT_BIN" cdc drop >/dev/null 2>&1 || fail "cdc drop failed"
psql -X -d postgres -qc "DROP DATABASE $db" >/dev/null
