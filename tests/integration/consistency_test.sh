#!/usr/bin/env bash
# One snapshot for all workers: while a concurrent workload moves money between accounts
# (keeping the total constant), an export with --jobs 4 and small ctid chunks still sees the
# constant total, and the manifest's row counts equal the rows in the files.
source "$(dirname "$0")/lib.sh"
need_postgres
db=pgexport_consistency
fresh_database "$db"
accounts=200000
total=$((accounts * 1000))
# Two tables so that a transfer crosses tables as well as ctid ranges.
sql "$db" <<SQL
CREATE TABLE checking (id int PRIMARY KEY, balance bigint NOT NULL, filler text);
CREATE TABLE savings (id int PRIMARY KEY, balance bigint NOT NULL, filler text);
INSERT INTO checking SELECT i, 500, repeat(md5(i::text), 2) FROM generate_series(1, $accounts) i;
INSERT INTO savings SELECT i, 500, repeat(md5(i::text), 2) FROM generate_series(1, $accounts) i;
VACUUM ANALYZE checking; VACUUM ANALYZE savings;
SQL
cat >"$WORK/transfer.sql" <<SQL
\set a random(1, $accounts)
\set b random(1, $accounts)
\set amount random(1, 100)
BEGIN;
UPDATE checking SET balance = balance - :amount WHERE id = :a;
UPDATE savings SET balance = balance + :amount WHERE id = :b;
COMMIT;
SQL
pgbench=/usr/lib/postgresql/15/bin/pgbench
"$pgbench" -n -c 4 -T 120 -f "$WORK/transfer.sql" "$db" >"$WORK/pgbench.log" 2>&1 &
load_pid=$!
trap 'kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true' EXIT
# The export must start while transfers are committing: wait until the first ones are visible.
for _ in $(seq 1 300); do
  (( $(sql "$db" -c "SELECT count(*) FROM checking WHERE balance <> 500") > 0 )) && break
  kill -0 "$load_pid" 2>/dev/null || fail "the workload stopped: $(tail -n 3 "$WORK/pgbench.log")"
  sleep 0.1
done
dest=$WORK/out
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id under-load --jobs 4 \
  --chunk-size 1MiB --compression none >/dev/null
kill "$load_pid" 2>/dev/null || true
wait "$load_pid" 2>/dev/null || true
trap - EXIT
transfers=$(sql "$db" -c "SELECT count(*) FROM checking WHERE balance <> 500")
(( transfers > 0 )) || fail "the workload made no transfers; the test proves nothing"

manifest=$dest/runs/under-load/_manifest.json
files=$(jq '[.tables[].files[]] | length' "$manifest")
(( files >= 8 )) || fail "expected the tables to be split into several ctid ranges, got $files files"
sum_balance() { # total of the balance column over a table's files (column 2 of the CSV)
  jq -r --arg t "$1" '.tables[] | select(.name == $t) | .files[].key' "$manifest" |
    while read -r key; do tail -n +2 "$dest/$key"; done |
    awk -F, '{ s += $2; n++ } END { printf "%d %d\n", s, n }'
}
read -r checking_sum checking_rows < <(sum_balance checking)
read -r savings_sum savings_rows < <(sum_balance savings)
(( checking_sum + savings_sum == total )) ||
  fail "total in the export is $((checking_sum + savings_sum)), expected $total: the workers saw different snapshots"
[[ $(jq '.tables[] | select(.name == "checking") | .rows' "$manifest") == "$checking_rows" ]] ||
  fail "manifest row count for checking differs from the rows in the files"
[[ $(jq '.tables[] | select(.name == "savings") | .rows' "$manifest") == "$savings_rows" ]] ||
  fail "manifest row count for savings differs from the rows in the files"
(( checking_rows == accounts && savings_rows == accounts )) || fail "row counts differ from $accounts"
pass "total $total constant across $files files from 4 workers while $transfers accounts changed"
