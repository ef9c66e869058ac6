#!/usr/bin/env bash
# cdc run against a real PostgreSQL, at its operational edges:
# - SIGTERM in --follow while a 200,000-row transaction streams: the run reads it to its end,
#   logs the batch, moves the slot to the entry's end and exits 0; a later run ships nothing
#   twice;
# - --follow --heartbeat on a database whose captured tables are idle (a WAL segment switch,
#   changes of an unpublished table): a position-only log entry moves the slot past that WAL;
# - --until-caught-up past WAL of an unpublished table only leaves the slot at the caught-up
#   point the same way;
# - cdc status --json: slot state, confirmed_flush_lsn, retained WAL, last batch, lag, all as
#   JSON numbers where they are numbers; materialize reads a log with position-only entries;
# - a slot advanced past the log is a loud failure (exit 16) of cdc status and cdc run;
# - cdc run takes the publication from the base run: --publication is refused (exit 2);
# - SIGTERM in --follow to S3 while the open batch's parts are being uploaded (each request
#   slowed down by a proxy, so the signal lands during one): the uploads are finished, not cut
#   off by the signal, and the batch is logged.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
db=pgexport_cdc_follow
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE orders (id bigint PRIMARY KEY, note text);
INSERT INTO orders SELECT i, 'base ' || i FROM generate_series(1, 100) i;
CREATE TABLE noise (id bigserial PRIMARY KEY, payload text);
SQL
export PGDATABASE=$db
dest=$WORK/dest
prefix=cdc-follow-$$-$RANDOM
s3=s3://$PGEXPORT_TEST_BUCKET/$prefix
RUN_PID=
trap 'stop_processes "$RUN_PID"; stop_fault_proxy; aws_s3 s3 rm --recursive --only-show-errors "$s3" >/dev/null 2>&1 || true' EXIT

"$PGEXPORT_BIN" cdc init --destination "$dest" --exclude 'public.noise' >"$WORK/init.out" 2>"$WORK/init.err" ||
  fail "cdc init: $(cat "$WORK/init.err")"

slot_sql() { sql "$db" -c "SELECT $1 FROM pg_replication_slots WHERE slot_name = 'pgexport'"; }
newest_entry() { find "$dest/changes/_log" -name '*.json' | sort | tail -n 1; }
# Polls a shell condition (a file appearing), at most 60 s on a loaded machine; fails early
# when the cdc run in the background has ended.
wait_for() { # $1 = description, rest = command
  local description=$1 i
  shift
  for i in $(seq 1 600); do
    "$@" && return 0
    [[ -z $RUN_PID ]] || kill -0 "$RUN_PID" 2>/dev/null || fail "cdc run ended early: $(tail -n 5 "$WORK/run.err")"
    sleep 0.1
  done
  fail "timed out waiting until $description"
}
partial_change_file() { compgen -G "$dest/changes/public.orders/.*.partial" >/dev/null; }
# Starts `pgexport cdc run "$@"` in the background; waits until it streams from the slot.
start_run() {
  local slot=pgexport
  [[ $1 == --slot ]] && slot=$2
  "$PGEXPORT_BIN" cdc run --destination "$dest" --log-level info "$@" >"$WORK/run.out" 2>"$WORK/run.err" &
  RUN_PID=$!
  wait_until "$db" "cdc run streams from slot $slot" \
    "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot' AND active)"
}
# The slot is free again once the last run's WAL sender has exited (a moment after the run).
wait_slot_free() { # $1 = slot
  wait_until "$db" "slot $1 is released" \
    "SELECT NOT active FROM pg_replication_slots WHERE slot_name = '$1'"
}
# Sends SIGTERM to the run and waits for it and its WAL sender; sets $status.
stop_run() {
  kill -TERM "$RUN_PID"
  status=0
  wait "$RUN_PID" || status=$?
  RUN_PID=
  wait_slot_free "${1:-pgexport}"
}
change_rows() { # rows of every change file an entry lists
  local entry=$1 key total=0
  while read -r key; do
    total=$((total + $(zstd -dcq "$dest/$key" | tail -n +2 | wc -l)))
  done < <(jq -r '.tables[].files[].key' "$entry")
  echo "$total"
}

# --- SIGTERM while a big transaction streams: its batch is finished, logged, flushed.
start_run --follow --batch-interval 1h --cleanup-timeout 120s
rows=200000
sql "$db" -c "INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(1000, 999 + $rows) i"
# The run is reading the transaction once its change file exists (still being written).
wait_for "the run writes the transaction's change file" partial_change_file
stop_run
[[ $status == 0 ]] || fail "SIGTERM in --follow: exit $status, expected 0: $(tail -n 5 "$WORK/run.err")"
grep -q "stop requested; finishing the open batch" "$WORK/run.err" || fail "no stop line: $(cat "$WORK/run.err")"
grep -q "stopped cleanly" "$WORK/run.out" || fail "summary: $(cat "$WORK/run.out")"
entry=$(newest_entry)
[[ $(basename "$entry") == 00000000000000000001.json ]] || fail "expected one log entry, newest is $entry"
[[ $(jq -r '.changes' "$entry") == "$rows" && $(change_rows "$entry") == "$rows" ]] ||
  fail "the batch holds $(jq -r '.changes' "$entry") changes and $(change_rows "$entry") rows, expected $rows"
[[ $(slot_sql confirmed_flush_lsn) == $(jq -r '.end_lsn' "$entry") ]] ||
  fail "slot at $(slot_sql confirmed_flush_lsn), the entry ends at $(jq -r '.end_lsn' "$entry")"
"$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >"$WORK/again.out" 2>"$WORK/again.err" ||
  fail "the next run: $(cat "$WORK/again.err")"
wait_slot_free pgexport
grep -q "^Shipped 0 batches" "$WORK/again.out" || fail "the next run shipped again: $(cat "$WORK/again.out")"
pass "SIGTERM in --follow finished the open $rows-row transaction's batch, logged it, moved the slot to it, exit 0"

# WAL in which no captured table changes: five segment switches (each skips to the next 16 MiB
# segment, as archive_timeout does on RDS), each after a change of the unpublished table.
skip_wal() {
  local i
  for i in 1 2 3 4 5; do
    sql "$db" -c "INSERT INTO noise (payload) VALUES ('$i')" -c "SELECT pg_switch_wal()" >/dev/null
  done
}

# --- An idle database in --follow: heartbeats move the slot through a position-only entry
# once the stream is 64 MiB past the log's end.
start_run --follow --heartbeat 1s --batch-interval 1s
from=$(slot_sql confirmed_flush_lsn)
skip_wal
wait_until "$db" "the slot moves 64 MiB past $from" \
  "SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '$from') >= 64 * 1024 * 1024 FROM pg_replication_slots WHERE slot_name = 'pgexport'"
stop_run
[[ $status == 0 ]] || fail "stop after heartbeats: exit $status: $(tail -n 5 "$WORK/run.err")"
entry=$(newest_entry)
jq -e '.transactions == 0 and .changes == 0 and .tables == [] and
       .commit_lsn.last == $first[0].commit_lsn.last' --slurpfile first "$dest/changes/_log/00000000000000000001.json" \
  "$entry" >/dev/null || fail "not a position-only entry repeating the last commit: $(cat "$entry")"
[[ $(slot_sql confirmed_flush_lsn) == $(jq -r '.end_lsn' "$entry") ]] ||
  fail "slot at $(slot_sql confirmed_flush_lsn), the newest entry ends at $(jq -r '.end_lsn' "$entry")"
grep -q "position-only log entry" "$WORK/run.err" || fail "no log line for the position-only entry"
pass "--follow --heartbeat on idle captured tables moved the slot through a position-only entry"

# --- --until-caught-up past WAL of an unpublished table only.
before=$(newest_entry)
skip_wal
sql "$db" -c "INSERT INTO noise (payload) VALUES ('after the switches')"
target=$(sql "$db" -c "SELECT pg_current_wal_lsn()")
"$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up \
  >"$WORK/caught.out" 2>"$WORK/caught.err" || fail "--until-caught-up: $(cat "$WORK/caught.err")"
wait_slot_free pgexport
grep -q "^Shipped 0 batches (0 transactions, 0 changes) and 1 position-only entries" "$WORK/caught.out" ||
  fail "--until-caught-up: $(cat "$WORK/caught.out")"
entry=$(newest_entry)
[[ $entry != "$before" ]] || fail "no new entry"
[[ $(slot_sql "confirmed_flush_lsn >= '$target'") == t && $(slot_sql confirmed_flush_lsn) == $(jq -r '.end_lsn' "$entry") ]] ||
  fail "slot at $(slot_sql confirmed_flush_lsn): not at the entry's end $(jq -r '.end_lsn' "$entry") past $target"
pass "--until-caught-up past unpublished WAL left the slot at the caught-up point"

# --- cdc status --json: everything, numbers as numbers.
"$PGEXPORT_BIN" cdc status --destination "$dest" --json >"$WORK/status.json" 2>"$WORK/status.err" ||
  fail "cdc status: $(cat "$WORK/status.err")"
jq -e --arg log_end "$(jq -r '.end_lsn' "$entry")" --argjson entries "$(basename "$entry" .json | sed 's/^0*//')" '
  .slot_exists == true and .active == false and .slot_problem == null and
  (.retained_wal_bytes | type) == "number" and .confirmed_flush_lsn == $log_end and
  .log_end_lsn == $log_end and .log_entries == $entries and
  .last_batch.sequence == 1 and .last_batch.changes == 200000 and
  (.last_batch.transactions | type) == "number" and
  (.lag_seconds | type) == "number" and .lag_seconds >= 0 and .lag_seconds < 3600 and
  .base_run.publication == "pgexport"' "$WORK/status.json" >/dev/null ||
  fail "cdc status --json: $(cat "$WORK/status.json")"
"$PGEXPORT_BIN" cdc status --destination "$dest" >"$WORK/status.txt" || fail "cdc status (text)"
grep -q "^last batch: #1 .*(1 transactions, 200000 changes)" "$WORK/status.txt" &&
  grep -q "^lag: [0-9]* s since the newest commit" "$WORK/status.txt" ||
  fail "cdc status: $(cat "$WORK/status.txt")"
"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/materialized" >"$WORK/mat.out" 2>"$WORK/mat.err" ||
  fail "materialize over position-only entries: $(cat "$WORK/mat.err")"
[[ $(jq '.tables[] | select(.name == "orders") | .rows' "$WORK/materialized/runs/"*/_manifest.json) == $((100 + rows)) ]] ||
  fail "materialized orders rows: $(cat "$WORK/mat.out")"
pass "cdc status --json reports slot, retained WAL, last batch and lag; materialize reads the log"

# --- cdc run has no --publication: the base run names it.
status=0
"$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up --publication other >/dev/null 2>"$WORK/pub.err" || status=$?
[[ $status == 2 ]] || fail "--publication: exit $status, expected 2"

# --- A slot moved past the log by someone else: loud, exit 16, nothing shipped.
sql "$db" -c "INSERT INTO orders VALUES (-1, 'lost')" >/dev/null
# Advanced only as far as WAL is flushed (commits may be asynchronous): again until past the log.
wait_until "$db" "the slot is advanced past the log's end" \
  "SELECT end_lsn > '$(jq -r '.end_lsn' "$entry")' FROM pg_replication_slot_advance('pgexport', pg_current_wal_lsn())"
status=0
"$PGEXPORT_BIN" cdc status --destination "$dest" --json >"$WORK/lost.json" 2>"$WORK/lost.err" || status=$?
[[ $status == 16 ]] || fail "cdc status of a slot ahead of the log: exit $status, expected 16"
jq -e '.slot_problem | test("beyond")' "$WORK/lost.json" >/dev/null || fail "status: $(cat "$WORK/lost.json")"
status=0
"$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up >/dev/null 2>"$WORK/lost-run.err" || status=$?
wait_slot_free pgexport
[[ $status == 16 ]] || fail "cdc run with a slot ahead of the log: exit $status, expected 16: $(cat "$WORK/lost-run.err")"
[[ $(newest_entry) == "$entry" ]] || fail "a run with a lost slot wrote an entry"
pass "--publication refused (2); a slot ahead of the log fails status and run with 16"
"$PGEXPORT_BIN" cdc drop >/dev/null

# --- SIGTERM in --follow to S3 while a multipart upload of the open batch is under way.
"$PGEXPORT_BIN" cdc init --destination "$s3" --slot pgexport_s3 --publication pgexport_s3 \
  --exclude 'public.noise' >"$WORK/init-s3.out" 2>"$WORK/init-s3.err" ||
  fail "cdc init to S3: $(cat "$WORK/init-s3.err")"
dest=$s3
start_fault_proxy --rate 0 --delay 2
# Two part buffers only: the stream waits for an upload to finish before it reads on, so when
# the signal comes the run is inside a request, not between messages. (30 MiB: the process's
# 16 MiB, one open file's 3 MiB and two 5 MiB parts, see docs/cdc.md "Memory".)
start_run --slot pgexport_s3 --follow --batch-interval 1h --part-size 5MiB --memory-limit 30MiB \
  --cleanup-timeout 300s --s3-endpoint "$PROXY_URL"
rows=500000
sql "$db" -c "INSERT INTO orders SELECT 1000000 + i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, $rows) i"
multipart_started() { [[ $(pending_uploads "$prefix/changes/") != "[]" ]]; }
wait_for "the run uploads parts of the open batch's change file" multipart_started
stop_run pgexport_s3
stop_fault_proxy
[[ $status == 0 ]] || fail "SIGTERM in --follow to S3: exit $status, expected 0: $(tail -n 5 "$WORK/run.err")"
aws_s3 s3 cp --only-show-errors "$s3/changes/_log/00000000000000000001.json" "$WORK/s3-entry.json" ||
  fail "no log entry in S3: $(tail -n 5 "$WORK/run.err")"
[[ $(jq -r '.changes' "$WORK/s3-entry.json") == "$rows" ]] || fail "S3 entry: $(cat "$WORK/s3-entry.json")"
key=$(jq -r '.tables[0].files[0].key' "$WORK/s3-entry.json")
[[ $(aws_s3 s3api head-object --bucket "$PGEXPORT_TEST_BUCKET" --key "$prefix/$key" --output json | jq .ContentLength) == \
   $(jq '.tables[0].files[0].bytes' "$WORK/s3-entry.json") ]] || fail "the listed change file $key differs in size"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "uploads left open: $(pending_uploads "$prefix/")"
[[ $(sql "$db" -c "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'pgexport_s3'") == \
   $(jq -r '.end_lsn' "$WORK/s3-entry.json") ]] || fail "the S3 slot is not at the entry's end"
"$PGEXPORT_BIN" cdc drop --slot pgexport_s3 --publication pgexport_s3 >/dev/null
pass "SIGTERM in --follow to S3 finished the multipart upload of the open batch and logged it"
