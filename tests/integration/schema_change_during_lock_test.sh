#!/usr/bin/env bash
# Tables that appear or vanish while the export waits for its locks make it start over, so
# the tables it exports are exactly those it locked, as the snapshot sees them: a table
# created by the transaction it waited for is exported, a table dropped by it is not (and
# does not fail the export).
source "$(dirname "$0")/lib.sh"
require_postgres
db=pgexport_schema_change
export PGEXPORT_LOG_LEVEL=info
export_pid=
trap 'stop_processes "$export_pid" "${SESSION_PID:-}"' EXIT

# scenario NAME SESSION_SQL: holds SESSION_SQL (which locks public.a) open, starts an export,
# waits until it waits for a's lock, commits; leaves the manifest in $manifest.
scenario() {
  local name=$1 statements=$2 status=0
  fresh_database "$db"
  sql "$db" -c "CREATE TABLE public.a (id int)" -c "INSERT INTO public.a VALUES (1)" \
    -c "CREATE TABLE public.b (id int)" -c "INSERT INTO public.b VALUES (2)"
  session_start "$db"
  session_send "BEGIN; LOCK TABLE public.a IN ACCESS EXCLUSIVE MODE; $statements"
  wait_until "$db" "the session waits, its transaction open" "
    SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$db'
                   AND state = 'idle in transaction' AND pid <> pg_backend_pid())"
  dest=$WORK/$name
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id "$name" \
    --compression none --lock-timeout 300 >"$WORK/stdout" 2>"$WORK/$name.log" &
  export_pid=$!
  wait_until "$db" "the export waits for its lock on a" "$(export_waits_for_lock public.a)"
  session_send "COMMIT;"
  session_end
  wait "$export_pid" || status=$?
  export_pid=
  [[ $status == 0 ]] || { cat "$WORK/$name.log"; fail "$name: the export exited $status"; }
  grep -q "starting over" "$WORK/$name.log" ||
    { cat "$WORK/$name.log"; fail "$name: the export did not notice the change and start over"; }
  manifest=$dest/runs/$name/_manifest.json
}
tables() { jq -r '[.tables[] | .schema + "." + .name] | join(",")' "$manifest"; }

scenario appeared "CREATE TABLE public.c AS SELECT 3 AS id;"
[[ $(tables) == public.a,public.b,public.c ]] || fail "appeared: exported $(tables)"
[[ $(csv_rows "$dest" "$manifest" c) == 1 ]] || fail "appeared: c's row is missing"
grep -q "public.c appeared" "$WORK/appeared.log" || fail "appeared: the log does not name public.c"
pass "a table created meanwhile is locked and exported on the second attempt"

scenario vanished "DROP TABLE public.b;"
[[ $(tables) == public.a ]] || fail "vanished: exported $(tables)"
pass "a table dropped meanwhile is neither exported nor an error"

scenario renamed "ALTER TABLE public.a RENAME TO z;"
[[ $(tables) == public.b,public.z ]] || fail "renamed: exported $(tables)"
[[ $(csv_rows "$dest" "$manifest" z) == 1 ]] || fail "renamed: z's row is missing"
pass "a table renamed meanwhile is exported under its new name"
