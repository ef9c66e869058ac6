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

export_pid=
trap 'stop_processes "$export_pid" "${SESSION_PID:-}"' EXIT
session_start "$db"
session_send "BEGIN; TRUNCATE public.t; INSERT INTO public.u VALUES ('after');"
wait_until "$db" "the session holds its ACCESS EXCLUSIVE lock on t" "
  SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'public.t'::regclass
                 AND mode = 'AccessExclusiveLock' AND granted)"
wait_until "$db" "the session has run its statements and waits, its transaction open" "
  SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$db'
                 AND state = 'idle in transaction' AND pid <> pg_backend_pid())"

dest=$WORK/out
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id truncate --compression none \
  --lock-timeout 300 >"$WORK/stdout" 2>"$WORK/stderr" &
export_pid=$!
wait_until "$db" "the export waits for its lock on t" "$(export_waits_for_lock public.t)"
session_send "COMMIT;"
session_end
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
