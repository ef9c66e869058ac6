#!/usr/bin/env bash
# Exactly once through crashes and S3 faults, to s3://bucket/prefix in JSON Lines with gzip.
# The workload of cdc_crash_test.sh runs while `cdc run` writes through the fault proxy, which
# fails 8% of requests (500, 503 SlowDown, resets, short stalls, and answers lost after the
# request acted), delays each request and holds each answer a moment (so a kill often comes
# after S3 acted and before pgexport knew: between change files, after an entry and before
# the slot moved). Runs are killed with SIGKILL at a random moment, at least 20 times; runs
# that fail on the faults by themselves are allowed, and the next run must carry on. Killed
# runs' requests may still land after the next run started; that is part of the test. After
# the workload stops, cdc runs through the proxy until one drains the slot; then the checks of
# cdc_crash_test.sh (log intact and exactly once, equal to the audit trail, materialize equal
# to the live tables, verify) run on the bucket's contents.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cdc_lib.sh"
need_postgres
need_s3
kills=${PGEXPORT_TEST_CDC_KILLS:-20}
db=pgexport_cdc_s3_faults
fresh_database "$db"
export PGDATABASE=$db
prefix=cdc-faults-$$-$RANDOM
url=s3://$PGEXPORT_TEST_BUCKET/$prefix
WORKLOAD_PID=
trap 'stop_processes "$WORKLOAD_PID"; stop_fault_proxy' EXIT

cdc_create_workload_tables "$db"
"$PGEXPORT_BIN" cdc init --destination "$url/dest" --run-id base --format jsonl --compression gzip \
  --replica-identity-full --exclude public.audit_changes >/dev/null 2>"$WORK/init.err" ||
  fail "cdc init failed: $(cat "$WORK/init.err")"

# With seed 5 the proxy's first 43 draws hold every kind of fault; the test makes hundreds of
# requests, so each kind is injected whatever the timing.
start_fault_proxy --rate 0.08 --faults 500,503,reset,stall,lost --stall-seconds 1 --delay 0.02 \
  --answer-delay 0.08 --seed 5

# cdc_kill_loop's state, read from the bucket directly (not through the proxy); while a run
# is watched, only the number of entries, from `cdc status` (faster than the aws CLI).
s3_state() {
  if [[ ${1:-} == count ]]; then
    echo "$("$PGEXPORT_BIN" cdc status --destination "$url/dest" --json 2>/dev/null | jq -r '.log_entries // 0') - -"
    return
  fi
  local listing entries newest end=0/0 next
  listing=$({ aws_s3 s3 ls --recursive "$url/dest/changes/" || true; } | awk '{print $4}')
  entries=$(grep -cE "/changes/_log/[0-9]{20}\.json$" <<<"$listing" || true)
  newest=$(grep -E "/changes/_log/[0-9]{20}\.json$" <<<"$listing" | sort | tail -n 1 || true)
  [[ -z $newest ]] || end=$(aws_s3 s3 cp --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$newest" - | jq -r .end_lsn)
  next=$(grep -cE "/changes/[^_/][^/]*/$(printf '%020d' $((entries + 1)))-" <<<"$listing" || true)
  echo "$entries $end $next"
}

cdc_start_workload "$db" 20
SECONDS=0
CDC_RUN_FAILURES_ALLOWED=1 CDC_KILL_ON_ENTRIES=1 CDC_KILL_MAX_MS=4000 cdc_kill_loop "$db" "$kills" s3_state \
  --destination "$url/dest" --s3-endpoint "$PROXY_URL" --batch-interval 1s --batch-size 4KiB
loop_seconds=$SECONDS
cdc_stop_workload
pass "$kills kills in $CDC_RUNS cdc runs through S3 faults over ${loop_seconds}s ($RUNS_FINISHED runs finished, $RUNS_FAILED failed by themselves): $KILLS_IN_BATCH inside a batch, $KILLS_BEFORE_ENTRY between change files and their entry, $KILLS_BEFORE_FLUSH between an entry and the slot's advance"

# Drain through the faults: a run may fail on them, the next one carries on.
drained=
for attempt in $(seq 1 10); do
  cdc_slot_released "$db"
  if "$PGEXPORT_BIN" cdc run --destination "$url/dest" --s3-endpoint "$PROXY_URL" --until-caught-up \
    >"$WORK/drain.out" 2>"$WORK/drain-$attempt.err"; then
    drained=$attempt
    break
  fi
done
[[ -n $drained ]] || fail "10 cdc runs in a row failed to drain the slot: $(tail -n 2 "$WORK/drain-10.err")"
stop_fault_proxy
jq -e '."500" > 0 and ."503" > 0 and .reset > 0 and .stall > 0 and .lost > 0' "$WORK/proxy.stats" >/dev/null ||
  fail "not every kind of fault was injected ($(cat "$WORK/proxy.stats")); the test proves less than it says"
assert_no_secrets "$WORK"/run-*.err "$WORK"/drain-*.err
pass "drained after $drained run(s); faults injected: $(jq -c '{"500", "503", reset, stall, lost}' "$WORK/proxy.stats")"

aws_s3 s3 cp --recursive --only-show-errors "$url/dest" "$WORK/copy"
entries=$(cdc_check_log "$db" "$WORK/copy")
cdc_check_coverage "$db"
cdc_check_audit "$db"
pass "$entries log entries, $(sql "$db" -c "SELECT count(*) FROM cdc_check.changes") changes: every listed file intact, no change twice, equal to the audit trail"

"$PGEXPORT_BIN" materialize --destination "$url/dest" --output "$url/materialized" --run-id now \
  >"$WORK/materialize.out" 2>"$WORK/materialize.err" || fail "materialize failed: $(cat "$WORK/materialize.err")"
"$PGEXPORT_BIN" verify --destination "$url/materialized" >/dev/null 2>"$WORK/verify.err" ||
  fail "pgexport verify fails on the materialized run: $(cat "$WORK/verify.err")"
aws_s3 s3 cp --recursive --only-show-errors "$url/materialized" "$WORK/materialized"
tables=$(cdc_check_materialized "$db" "$WORK/materialized")
[[ $tables == 4 ]] || fail "the materialized run holds $tables tables, not 4"
pass "materialized in S3: all $tables tables equal the live ones (JSON Lines parsed back); pgexport verify passes"

"$PGEXPORT_BIN" cdc drop >/dev/null 2>&1 || fail "cdc drop failed"
aws_s3 s3 rm --recursive --only-show-errors "$url" >/dev/null
psql -X -d postgres -qc "DROP DATABASE $db" >/dev/null
