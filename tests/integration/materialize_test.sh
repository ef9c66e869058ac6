#!/usr/bin/env bash
# materialize against real PostgreSQL: a table exported with a manifest, then SQL changes
# (inserts, updates that keep a TOASTed value, a key update, deletes, a REPLICA IDENTITY FULL
# table with duplicate rows) applied to the live tables and written by hand as change files
# and commit log entries, as `cdc run` writes them. Change rows come from the changes
# themselves: row triggers keep each NEW and OLD row, and a query turns them into the change
# table's columns, COPYed out as CSV by PostgreSQL. The materialized run, loaded back with
# COPY, must equal the live tables (EXCEPT ALL both ways), at the newest LSN and at the first
# entry's; `pgexport verify` must pass on it; a damaged change file must fail with exit 14.
source "$(dirname "$0")/lib.sh"
need_postgres

db=pgexport_materialize
dest=$WORK/dest
attempt=0a1b2c3d4e5f
psql -X -d postgres -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
q() { sql "$db" "$@"; }

q <<'SQL'
CREATE TABLE orders (id integer PRIMARY KEY, status text, note text, big text);
CREATE TABLE events (at text, n integer);
ALTER TABLE events REPLICA IDENTITY FULL;
-- big is far beyond the TOAST threshold (2 kB), as the values `_unchanged` stands for.
INSERT INTO orders SELECT i, 'new', CASE WHEN i % 3 = 0 THEN '' WHEN i % 3 = 1 THEN NULL
  ELSE 'note "' || i || '", with a comma' END, repeat(md5(i::text), 200) FROM generate_series(1, 50) i;
INSERT INTO events VALUES ('a', 1), ('a', 1), ('b', 2), ('', NULL);
SQL
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id base --format csv >/dev/null
manifest=$dest/runs/base/_manifest.json
[[ -f $manifest ]] || fail "the export wrote no manifest"
# What cdc init adds: the slot's consistent point. The changes below get commit LSNs above it.
jq '.cdc = {slot: "pgexport", publication: "pgexport", consistent_point: "0/1000"}' "$manifest" \
  >"$WORK/manifest.json"
mv "$WORK/manifest.json" "$manifest"

# Every change, in order, with the transaction it belongs to.
q <<'SQL'
CREATE TABLE captured (change bigserial PRIMARY KEY, xid bigint NOT NULL DEFAULT txid_current(),
  relation text NOT NULL, op text NOT NULL, new_order orders, old_order orders,
  new_event events, old_event events);
CREATE FUNCTION capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'orders' THEN
    INSERT INTO captured (relation, op, new_order, old_order)
    VALUES ('orders', left(TG_OP, 1), CASE WHEN TG_OP <> 'DELETE' THEN NEW END,
            CASE WHEN TG_OP <> 'INSERT' THEN OLD END);
  ELSE
    INSERT INTO captured (relation, op, new_event, old_event)
    VALUES ('events', left(TG_OP, 1), CASE WHEN TG_OP <> 'DELETE' THEN NEW END,
            CASE WHEN TG_OP <> 'INSERT' THEN OLD END);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER capture AFTER INSERT OR UPDATE OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION capture();
CREATE TRIGGER capture AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION capture();
SQL

# Batch 1.
q <<'SQL'
BEGIN; INSERT INTO orders VALUES (51, 'new', 'fifty-one', repeat('z', 5000)), (52, 'new', '', NULL); COMMIT;
BEGIN; UPDATE orders SET status = 'paid' WHERE id BETWEEN 1 AND 10; COMMIT;
BEGIN; DELETE FROM orders WHERE id IN (11, 12); DELETE FROM events WHERE at = 'a' AND n = 1 AND ctid = (SELECT min(ctid) FROM events WHERE at = 'a'); COMMIT;
SQL
q -c "CREATE TABLE orders_after_first AS SELECT * FROM orders" \
  -c "CREATE TABLE events_after_first AS SELECT * FROM events"
first_batch_end=$(q -c "SELECT max(change) FROM captured")
# Batch 2: a key update that keeps big, an update of a row inserted in batch 1, updates that
# change big, full-row duplicates and an update of a full row.
q <<'SQL'
BEGIN; UPDATE orders SET id = 1000 + id, note = 'moved' WHERE id IN (2, 3); COMMIT;
BEGIN; UPDATE orders SET status = 'shipped' WHERE id = 51; UPDATE orders SET big = 'small now' WHERE id = 4; COMMIT;
BEGIN; INSERT INTO events VALUES ('c', 3), ('c', 3); UPDATE events SET n = 5 WHERE at = 'b'; COMMIT;
BEGIN; DELETE FROM orders WHERE id = 52; INSERT INTO orders VALUES (52, 'again', NULL, 'x'); COMMIT;
SQL

# The change rows of one table for changes ($2, $3], as the change table's CSV. Commit LSNs are
# one per transaction, 0/2000, 0/3000, ... in commit order (xids grow in this serial test); an
# update whose big did not change leaves it out and names it in _unchanged, as pgoutput does
# for an untouched TOASTed value.
change_rows() { # $1 = orders|events, $2 $3 = change range
  local select
  if [[ $1 == orders ]]; then
    select="CASE WHEN op = 'U' AND (new_order).big IS NOT DISTINCT FROM (old_order).big THEN '{big}' END::text[] AS _unchanged,
      CASE WHEN op = 'U' AND (new_order).id <> (old_order).id
        THEN jsonb_build_object('id', (old_order).id::text) END AS _old_key,
      CASE WHEN op = 'D' THEN (old_order).id ELSE (new_order).id END AS id,
      CASE WHEN op = 'D' THEN NULL ELSE (new_order).status END AS status,
      CASE WHEN op = 'D' THEN NULL ELSE (new_order).note END AS note,
      CASE WHEN op = 'D' OR (op = 'U' AND (new_order).big IS NOT DISTINCT FROM (old_order).big)
        THEN NULL ELSE (new_order).big END AS big"
  else
    select="NULL::text[] AS _unchanged,
      CASE WHEN op = 'U' THEN jsonb_build_object('at', (old_event).at, 'n', (old_event).n::text) END AS _old_key,
      CASE WHEN op = 'D' THEN (old_event).at ELSE (new_event).at END AS at,
      CASE WHEN op = 'D' THEN (old_event).n ELSE (new_event).n END AS n"
  fi
  q -c "SET TimeZone = 'UTC'" -c "COPY (
    SELECT op AS _op, '0/' || to_hex(4096 * (1 + transaction)) AS _commit_lsn,
      now() AS _commit_time, xid AS _xid, seq AS _seq, $select
    FROM (SELECT *, dense_rank() OVER (ORDER BY xid) AS transaction,
            row_number() OVER (PARTITION BY xid ORDER BY change) AS seq FROM captured) c
    WHERE relation = '$1' AND change > $2 AND change <= $3
    ORDER BY change) TO STDOUT (FORMAT csv, HEADER)"
}

# Writes log entry $1 for changes ($2, $3]: one zstd change file per table, then the entry.
write_entry() {
  local sequence=$1 from=$2 to=$3 tables='[]' table file key rows
  for table in orders events; do
    key=changes/public.$table/$(printf '%020d' "$sequence")-$attempt-000.csv.zst
    file=$dest/$key
    mkdir -p "$(dirname "$file")"
    change_rows "$table" "$from" "$to" | zstd -q >"$file"
    rows=$(($(zstd -dcq "$file" | wc -l) - 1))
    local columns key_json
    if [[ $table == orders ]]; then
      columns='[{"name":"id","pg_type":"integer"},{"name":"status","pg_type":"text"},{"name":"note","pg_type":"text"},{"name":"big","pg_type":"text"}]'
      key_json='{"kind":"primary key","columns":["id"]}'
    else
      columns='[{"name":"at","pg_type":"text"},{"name":"n","pg_type":"integer"}]'
      key_json='{"kind":"full row","columns":["at","n"]}'
    fi
    tables=$(jq -c --arg name "$table" --arg key "$key" --argjson rows "$rows" \
      --argjson bytes "$(stat -c %s "$file")" --arg sha "$(sha256sum "$file" | cut -d' ' -f1)" \
      --argjson columns "$columns" --argjson k "$key_json" \
      '. + [{schema: "public", name: $name, schema_version: 1, key: $k, columns: $columns,
             rows: $rows, files: [{key: $key, rows: $rows, bytes: $bytes, sha256: $sha}]}]' <<<"$tables")
  done
  local lsns
  lsns=$(q -c "SELECT '0/' || to_hex(4096 * (1 + min(r))), '0/' || to_hex(4096 * (1 + max(r))),
      '0/' || to_hex(4096 * (1 + max(r)) + 48), count(DISTINCT xid), count(*)
    FROM (SELECT change, xid, dense_rank() OVER (ORDER BY xid) AS r FROM captured) c
    WHERE change > $from AND change <= $to" -F ' ')
  read -r first last end transactions changes <<<"$lsns"
  mkdir -p "$dest/changes/_log"
  jq -n --argjson seq "$sequence" --arg first "$first" --arg last "$last" --arg end_lsn "$end" \
    --argjson tx "$transactions" --argjson changes "$changes" --arg attempt "$attempt" \
    --argjson tables "$tables" \
    '{log_version: 1, sequence: $seq, slot: "pgexport", attempt: $attempt,
      commit_lsn: {first: $first, last: $last}, end_lsn: $end_lsn,
      commit_time: {first: "2026-12-01T10:00:00.000000Z", last: "2026-12-01T10:00:01.000000Z"},
      transactions: $tx, changes: $changes, format: "csv", compression: "zstd", tables: $tables}' \
    >"$dest/changes/_log/$(printf '%020d' "$sequence").json"
  LAST_LSN=$last
}

all=$(q -c "SELECT max(change) FROM captured")
write_entry 1 0 "$first_batch_end"
first_lsn=$LAST_LSN
write_entry 2 "$first_batch_end" "$all"

# Loads table $2 of the run in $1 into materialized.$2 and compares it with table $3.
compare_table() { # $1 = destination, $2 = table, $3 = the table to equal
  local run_manifest key
  run_manifest=$1/runs/$(jq -r .run_id "$1/latest.json")/_manifest.json
  q -c "CREATE SCHEMA IF NOT EXISTS materialized" -c "DROP TABLE IF EXISTS materialized.$2" \
    -c "CREATE TABLE materialized.$2 (LIKE public.$2)"
  while read -r key; do
    zstd -dcq "$1/$key" | q -c "COPY materialized.$2 FROM STDIN (FORMAT csv, HEADER)"
  done < <(jq -r --arg t "$2" '.tables[] | select(.name == $t) | .files[].key' "$run_manifest")
  local missing extra
  missing=$(q -c "SELECT count(*) FROM (TABLE $3 EXCEPT ALL TABLE materialized.$2) d")
  extra=$(q -c "SELECT count(*) FROM (TABLE materialized.$2 EXCEPT ALL TABLE $3) d")
  [[ $missing == 0 && $extra == 0 ]] ||
    fail "$2 in $1: $missing rows of $3 missing, $extra rows too many"
}

"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/out" --run-id now >"$WORK/summary.txt" ||
  fail "materialize failed"
grep -q "Materialized run now from run base and log entries 1 to 2" "$WORK/summary.txt" ||
  fail "unexpected summary: $(cat "$WORK/summary.txt")"
[[ $(jq -r .cdc.consistent_point "$WORK/out/runs/now/_manifest.json") == "$LAST_LSN" ]] ||
  fail "the run's consistent point is not the newest logged commit $LAST_LSN"
compare_table "$WORK/out" orders public.orders
compare_table "$WORK/out" events public.events
pass "materialized at $LAST_LSN: orders ($(q -c 'SELECT count(*) FROM orders') rows) and events equal the live tables"
"$PGEXPORT_BIN" verify --destination "$WORK/out" >/dev/null || fail "verify fails on the materialized run"
pass "pgexport verify passes on the materialized run"

PGEXPORT_OUTPUT=$WORK/out-first "$PGEXPORT_BIN" materialize --destination "$dest" --lsn "$first_lsn" \
  --run-id first >/dev/null || fail "materialize --lsn $first_lsn failed"
compare_table "$WORK/out-first" orders orders_after_first
compare_table "$WORK/out-first" events events_after_first
pass "materialized at the first entry's LSN $first_lsn: equal to the tables after the first batch"

set +e
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/bad" --lsn 0/zz 2>"$WORK/err.txt"
status=$?
set -e
[[ $status == 2 ]] || fail "a malformed --lsn exited $status, not 2"
set +e
"$PGEXPORT_BIN" materialize --destination "$dest" --output /proc/pgexport-materialize 2>"$WORK/err.txt"
status=$?
set -e
[[ $status == 6 ]] || fail "an output that cannot be written exited $status, not 6"
pass "a malformed --lsn exits 2, an output that cannot be written 6"

damaged=$(jq -r '.tables[0].files[0].key' "$dest/changes/_log/00000000000000000002.json")
printf 'x' >>"$dest/$damaged"
set +e
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/bad" 2>"$WORK/err.txt"
status=$?
set -e
[[ $status == 14 ]] || fail "a damaged change file exited $status, not 14: $(cat "$WORK/err.txt")"
grep -qF "$damaged" "$WORK/err.txt" || fail "the error does not name $damaged: $(cat "$WORK/err.txt")"
[[ ! -e $WORK/bad/runs ]] || [[ -z $(find "$WORK/bad/runs" -name _manifest.json) ]] ||
  fail "a run was committed from a damaged log"
pass "a damaged change file fails with exit 14 naming it, and nothing is committed"

psql -X -d postgres -qc "DROP DATABASE $db" >/dev/null
