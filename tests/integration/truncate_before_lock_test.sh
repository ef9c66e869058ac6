#!/usr/bin/env bash
# Locks before the snapshot: a transaction that truncates t and inserts 'after' into u is open
# when the export starts. The export must wait for t's lock and then see that transaction
# entirely (t empty and u with 'after'). Snapshot first and lock second would see t emptied by
# the TRUNCATE (its new, empty file) but u without 'after': a state that never existed.
source "$(dirname "$0")/lib.sh"
require_postgres
db=pgexport_truncate_lock
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE public.t (id int PRIMARY KEY, payload text);
INSERT INTO public.t SELECT i, md5(i::text) FROM generate_series(1, 1000) i;
CREATE TABLE public.u (note text);
INSERT INTO public.u VALUES ('before');
SQL

# A session that holds the transaction open until we send COMMIT through its input.
mkfifo "$WORK/session.in"
psql -X -d "$db" -v ON_ERROR_STOP=1 -Atq <"$WORK/session.in" >"$WORK/session.out" 2>&1 &
session_pid=$!
exec 3>"$WORK/session.in"
export_pid=
cleanup() {
  exec 3>&- 2>/dev/null || true
  [[ -n $export_pid ]] && kill "$export_pid" 2>/dev/null
  kill "$session_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
echo "BEGIN; TRUNCATE public.t; INSERT INTO public.u VALUES ('after'); " >&3

# wait_for DESCRIPTION SQL: polls until SQL returns t, for at most 60 s (a loaded machine).
wait_for() {
  local i
  for i in $(seq 1 600); do
    [[ $(sql "$db" -c "$2") == t ]] && return 0
    kill -0 "$session_pid" 2>/dev/null || fail "the session ended early: $(cat "$WORK/session.out")"
    sleep 0.1
  done
  fail "timed out waiting until $1"
}
wait_for "the session holds its ACCESS EXCLUSIVE lock on t" "
  SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'public.t'::regclass
                 AND mode = 'AccessExclusiveLock' AND granted)"
wait_for "the session has run its statements and waits, its transaction open" "
  SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$db'
                 AND state = 'idle in transaction' AND pid <> pg_backend_pid())"

dest=$WORK/out
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id truncate --compression none \
  --lock-timeout 300 >"$WORK/stdout" 2>"$WORK/stderr" &
export_pid=$!
wait_for "the export waits for its lock on t" "
  SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.relation = 'public.t'::regclass AND NOT l.granted
                   AND a.application_name LIKE 'pgexport % coordinator')"
echo "COMMIT;" >&3
exec 3>&-
wait "$session_pid" || fail "the session failed: $(cat "$WORK/session.out")"
status=0
wait "$export_pid" || status=$?
export_pid=
[[ $status == 0 ]] || { cat "$WORK/stderr"; fail "the export exited $status"; }

manifest=$dest/runs/truncate/_manifest.json
t_rows=$(csv_rows "$dest" "$manifest" t)
u_notes=$(jq -r '.tables[] | select(.name == "u") | .files[].key' "$manifest" |
  while read -r key; do tail -n +2 "$dest/$key"; done | sort | paste -sd, -)
[[ $t_rows == 0 ]] || fail "t has $t_rows rows in the export, expected 0 (truncated before the snapshot)"
[[ $u_notes == "after,before" ]] ||
  fail "u holds '$u_notes', expected 'after,before': the export saw the TRUNCATE without the INSERT of the same transaction"
[[ $(jq '.tables[] | select(.name == "t") | .rows' "$manifest") == 0 ]] || fail "manifest rows for t"
pass "the export waited for the TRUNCATE's transaction and saw all of it (t empty, u has 'after')"
