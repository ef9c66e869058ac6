#!/usr/bin/env bash
# Database faults in the middle of an export, each a clear failure with nothing published:
# the coordinator's backend terminated (its locks are gone), a worker's backend terminated,
# and PostgreSQL itself restarted. Then SIGTERM mid-export to S3: the documented exit code and
# the run's prefix empty (no object, no open multipart upload) within the cleanup deadline.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
db=pgexport_faults
# ~250 MB of COPY text, so the export is still reading when the fault is injected.
make_big_table_database "$db" 2500000

# Waits (bounded) until the export's workers are streaming a COPY.
wait_for_copy() { # $1 = export pid; uses the current PG* environment
  for _ in $(seq 1 600); do
    (( $(psql -X -d postgres -Atqc "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgexport%worker%' AND query LIKE 'COPY%' AND state = 'active'") > 0 )) && return 0
    kill -0 "$1" 2>/dev/null || fail "the export ended before the fault could be injected"
    sleep 0.05
  done
  fail "the export never started its COPY"
}

# Starts an export to a directory, injects a fault with "$@" once it is copying, and checks
# the export fails with exit $expected, says $message, and leaves nothing under runs/.
fault_case() { # $1 = name, $2 = expected exit code, $3 = message pattern, rest = fault command
  local name=$1 expected=$2 message=$3 status=0; shift 3
  local dest=$WORK/$name
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id "$name" --jobs 2 \
    --chunk-size 16MiB --compression none >/dev/null 2>"$WORK/$name.err" &
  local pid=$!
  wait_for_copy "$pid"
  "$@"
  wait "$pid" || status=$?
  [[ $status == "$expected" ]] || fail "$name: exit $status, expected $expected: $(cat "$WORK/$name.err")"
  grep -q -- "$message" "$WORK/$name.err" || fail "$name: message unclear: $(cat "$WORK/$name.err")"
  [[ ! -e $dest/runs/$name/_manifest.json ]] || fail "$name: a manifest was published"
  [[ -z $(find "$dest/runs" -type f 2>/dev/null) ]] || fail "$name: data files were left: $(find "$dest/runs" -type f | head -3)"
  [[ ! -e $dest/latest.json ]] || fail "$name: latest.json was written"
  pass "$name: exit $status, '$(tail -n 1 "$WORK/$name.err" | cut -c1-150)'"
}

terminate() { # $1 = application_name pattern
  psql -X -d postgres -Atqc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE '$1'" |
    grep -qx '[1-9][0-9]*' || fail "no backend matched $1"
}

# The coordinator dies while the workers still have minutes of work (uploads slowed by the
# fault proxy): its watcher, not the final COMMIT, must stop the export within seconds.
start_fault_proxy --rate 0 --delay 0.5
prefix=faults-$$-$RANDOM
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" \
  --s3-endpoint "$PROXY_URL" --run-id lost --jobs 2 --chunk-size 16MiB --part-size 5MiB \
  --compression none >/dev/null 2>"$WORK/lost.err" &
pid=$!
wait_for_copy "$pid"
SECONDS=0
terminate 'pgexport%coordinator%'
status=0
wait "$pid" || status=$?
took=$SECONDS
stop_fault_proxy
[[ $status == 8 ]] || fail "coordinator terminated: exit $status, expected 8: $(cat "$WORK/lost.err")"
grep -q "coordinator connection, which holds the snapshot and the table locks, was lost" "$WORK/lost.err" ||
  fail "coordinator terminated: not noticed by the watcher: $(cat "$WORK/lost.err")"
(( took <= 15 )) || fail "coordinator terminated: the export took ${took}s to stop"
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/") == 0 ]] || fail "coordinator terminated: objects were left"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "coordinator terminated: multipart uploads were left open"
pass "coordinator terminated mid-export: exit 8 after ${took}s, '$(tail -n 1 "$WORK/lost.err" | cut -c1-150)'"
fault_case worker_terminated 8 "worker" terminate 'pgexport%worker 0%'

# DDL queued on a table no worker has read yet (behind the coordinator's lock): the worker's
# NOWAIT lock fails at once with advice, instead of waiting forever behind the DDL.
dest=$WORK/ddl_queued
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id ddl --jobs 1 \
  --chunk-size 16MiB --compression none >/dev/null 2>"$WORK/ddl.err" &
pid=$!
wait_for_copy "$pid"
psql -X -d "$db" -qc "ALTER TABLE small ADD COLUMN added int" >/dev/null 2>&1 &
alter_pid=$!
status=0
wait "$pid" || status=$?
wait "$alter_pid" || fail "the ALTER TABLE did not complete after the export stopped"
[[ $status == 8 ]] || fail "DDL queued: exit $status, expected 8: $(cat "$WORK/ddl.err")"
grep -q "another session is waiting for an exclusive lock on it" "$WORK/ddl.err" ||
  fail "DDL queued: message unclear: $(cat "$WORK/ddl.err")"
[[ -z $(find "$dest/runs" -type f 2>/dev/null) ]] || fail "DDL queued: data files were left"
pass "DDL queued behind the export: exit 8, '$(tail -n 1 "$WORK/ddl.err" | cut -c1-150)'"

# A restart needs a server of its own: the rest of the suite keeps using the shared one.
restart_dir=$WORK/restart-cluster
restart_env() { PGEXPORT_LOCAL_DIR=$restart_dir PGEXPORT_PG_PORT=54399 "$PGEXPORT_SOURCE_DIR/scripts/pg-local.sh" "$@"; }
restart_env start >/dev/null 2>"$WORK/restart-start.log" || fail "cannot start a private cluster: $(cat "$WORK/restart-start.log")"
trap 'restart_env clean >/dev/null 2>&1 || true' EXIT
(
  eval "$(restart_env env)"
  make_big_table_database "$db" 2500000
  restart_server() { restart_env stop >/dev/null 2>&1; restart_env start >/dev/null 2>&1; }
  fault_case server_restarted 8 "" restart_server
) || exit 1

# SIGTERM mid-export to S3: exit 13 (interrupted), and within the cleanup deadline the run's
# prefix holds nothing: no object and no unfinished multipart upload. The fault proxy delays
# every request by half a second (and injects no fault), so the uploads stay open for seconds
# however fast the machine is, and the check below (an `aws` call, itself slow on a loaded
# machine) finds them open before the export could end.
prefix=faults-$$-$RANDOM
trap 'stop_fault_proxy; restart_env clean >/dev/null 2>&1 || true' EXIT
start_fault_proxy --rate 0 --delay 0.5
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" \
  --s3-endpoint "$PROXY_URL" --run-id stopped --jobs 2 --chunk-size 16MiB --part-size 5MiB \
  >/dev/null 2>"$WORK/sigterm.err" &
pid=$!
wait_for_copy "$pid"
for _ in $(seq 1 600); do  # until the first parts are in flight, so there is something to undo
  [[ $(pending_uploads "$prefix/") != "[]" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    status=0
    wait "$pid" || status=$?
    fail "the export ended (exit $status) before SIGTERM: $(tail -n 3 "$WORK/sigterm.err")"
  fi
  sleep 0.05
done
SECONDS=0
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
took=$SECONDS
[[ $status == 13 ]] || fail "SIGTERM: exit $status, expected 13: $(cat "$WORK/sigterm.err")"
(( took <= 27 )) || fail "SIGTERM: the export took ${took}s to stop, more than the 25 s cleanup deadline"
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/") == 0 ]] || fail "SIGTERM: objects were left under the prefix"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "SIGTERM: multipart uploads were left open"
pass "SIGTERM mid-upload: exit 13 after ${took}s, the prefix is empty and no upload is open"
