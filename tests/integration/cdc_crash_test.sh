#!/usr/bin/env bash
# Exactly once through crashes, to a directory in CSV. Under a concurrent write workload
# (pgbench, two clients: inserts, updates, key updates, deletes, a TOASTed value most updates
# leave unchanged, a key-less REPLICA IDENTITY FULL table with duplicate rows; the test adds
# truncates and ADD COLUMN on two tables meanwhile), `cdc run` is killed with SIGKILL at
# moments drawn per run, at least 22 times, and restarted each time (--follow and
# --until-caught-up mixed, one-second batches of a few KiB, so kills land inside batches,
# between change files and their entry, and between an entry and the slot's advance).
# After the workload stops, a last `cdc run --until-caught-up` drains the slot; then:
# - every file the log lists has its size and SHA-256, holds the rows its entry says, and no
#   change (_commit_lsn, _seq) appears twice;
# - the logged changes equal the audit trail the application's triggers wrote (no change lost
#   or doubled, per transaction, table and operation);
# - `materialize`, loaded back with COPY, equals the live tables (EXCEPT ALL both ways), and
#   `pgexport verify` passes on it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cdc_lib.sh"
need_postgres
kills=${PGEXPORT_TEST_CDC_KILLS:-22}
db=pgexport_cdc_crash
fresh_database "$db"
export PGDATABASE=$db
CDC_DEST=$WORK/dest
WORKLOAD_PID=
trap 'stop_processes "$WORKLOAD_PID"' EXIT

cdc_create_workload_tables "$db"
"$PGEXPORT_BIN" cdc init --destination "$CDC_DEST" --run-id base --format csv --compression none \
  --replica-identity-full --exclude public.audit_changes >/dev/null 2>"$WORK/init.err" ||
  fail "cdc init failed: $(cat "$WORK/init.err")"
[[ $(jq -r '.tables[] | select(.name == "events") | .key.kind' "$CDC_DEST/runs/base/_manifest.json") == "full row" ]] ||
  fail "events is not captured as a full-row table"

cdc_start_workload "$db" 40
SECONDS=0
CDC_KILL_ON_ENTRIES=1 cdc_kill_loop "$db" "$kills" cdc_directory_state \
  --destination "$CDC_DEST" --batch-interval 1s --batch-size 4KiB
audit_before_stop=$(sql "$db" -c "SELECT count(*) FROM audit_changes")
loop_seconds=$SECONDS
cdc_stop_workload
(( audit_before_stop > 1000 )) || fail "the workload made only $audit_before_stop changes during the kills"
pass "$kills kills in $CDC_RUNS cdc runs over ${loop_seconds}s ($RUNS_FINISHED runs finished first): $KILLS_IN_BATCH inside a batch, $KILLS_BEFORE_ENTRY between change files and their entry, $KILLS_BEFORE_FLUSH between an entry and the slot's advance"

cdc_slot_released "$db"
"$PGEXPORT_BIN" cdc run --destination "$CDC_DEST" --until-caught-up >"$WORK/drain.out" 2>"$WORK/drain.err" ||
  fail "the last cdc run failed: $(cat "$WORK/drain.err")"
"$PGEXPORT_BIN" cdc run --destination "$CDC_DEST" --until-caught-up >"$WORK/again.out" 2>"$WORK/again.err" ||
  fail "a cdc run after the drain failed: $(cat "$WORK/again.err")"
grep -q "^Shipped 0 batches" "$WORK/again.out" || fail "a run after the drain shipped more: $(cat "$WORK/again.out")"

entries=$(cdc_check_log "$db" "$CDC_DEST")
cdc_check_coverage "$db"
cdc_check_audit "$db"
changes=$(sql "$db" -c "SELECT count(*) FROM cdc_check.changes")
pass "$entries log entries, $changes changes: every listed file intact, no change twice, equal to the $(sql "$db" -c "SELECT count(*) FROM audit_changes") changes the triggers saw"

"$PGEXPORT_BIN" materialize --destination "$CDC_DEST" --output "$WORK/materialized" --run-id now \
  >"$WORK/materialize.out" 2>"$WORK/materialize.err" || fail "materialize failed: $(cat "$WORK/materialize.err")"
tables=$(cdc_check_materialized "$db" "$WORK/materialized")
[[ $tables == 4 ]] || fail "the materialized run holds $tables tables, not 4"
"$PGEXPORT_BIN" verify --destination "$WORK/materialized" >/dev/null 2>"$WORK/verify.err" ||
  fail "pgexport verify fails on the materialized run: $(cat "$WORK/verify.err")"
pass "materialized: all $tables tables equal the live ones (EXCEPT ALL both ways); pgexport verify passes"

"$PGEXPORT_BIN" cdc drop >/dev/null 2>&1 || fail "cdc drop failed"
psql -X -d postgres -qc "DROP DATABASE $db" >/dev/null
