#!/usr/bin/env bash
# `pgexport lambda` against a local stand-in of the Lambda Runtime API
# (tests/tools/lambda_runtime_api.mjs), the real PostgreSQL and the S3 server. One runtime
# process takes five scripted invocations in turn, as in a Lambda execution environment:
#   1. an event with an unknown key: an error answer naming the key;
#   2. a deadline closer than --cleanup-timeout + --lambda-margin: refused before connecting;
#   3. an export the catalog estimate says cannot finish (a --lambda-rate of 1 B/s): refused
#      before anything is written;
#   4. an export that fits by the estimate but one of whose two tables' upload a proxy holds
#      longer than the deadline (tests/tools/fault_proxy.py --delay-match, so the duration does
#      not depend on the machine's speed): stopped before the deadline, the other table's
#      object withdrawn, nothing published;
#   5. a normal export: committed, answered with its summary, and `pgexport verify` passes
#      (so the stop of invocation 4 did not outlive it).
# Then the stand-in answers the next poll with HTTP 500 and the runtime exits 18 (runtime_api).
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
command -v node >/dev/null || fail "node is needed for the Runtime API stand-in"

API_PID=
RUNTIME_PID=
cleanup() { stop_processes "$RUNTIME_PID" "$API_PID"; stop_fault_proxy; }
trap cleanup EXIT

db=pgexport_lambda
fresh_database "$db"
sql "$db" -c "CREATE TABLE orders (id int PRIMARY KEY, note text)" \
  -c "INSERT INTO orders SELECT i, 'order ' || i FROM generate_series(1, 2000) i" \
  -c "CREATE TABLE customers (id int PRIMARY KEY, name text)" \
  -c "INSERT INTO customers SELECT i, 'customer ' || i FROM generate_series(1, 300) i"

prefix=lambda-$$-$RANDOM
bucket_url=s3://$PGEXPORT_TEST_BUCKET/$prefix

# The upload of table orders (runs/<id>/data-<attempt>/public.orders/...) waits 600 s in the
# proxy: far beyond the deadline. Table customers is uploaded at once, so the stop finds data
# written that the cleanup must remove; the probe, listings and deletes pass at once too.
start_fault_proxy --rate 0 --delay 600 --delay-match '^PUT .*/data-[0-9a-f]+/public\.orders/'

cat >"$WORK/queue.json" <<JSON
[
  {"id": "unknown-key", "deadline_in_ms": 120000,
   "event": {"destination": "$bucket_url/unknown", "tables": ["orders"]}},
  {"id": "too-close", "deadline_in_ms": 8000,
   "event": {"destination": "$bucket_url/too-close", "run-id": "too-close"}},
  {"id": "too-big", "deadline_in_ms": 120000,
   "event": {"destination": "$bucket_url/too-big", "run-id": "too-big", "lambda_rate": "1"}},
  {"id": "mid-export", "deadline_in_ms": 30000,
   "event": {"destination": "$bucket_url/mid-export", "run-id": "mid-export",
             "s3-endpoint": "$PROXY_URL", "lambda-rate": "1GiB", "jobs": 2}},
  {"id": "normal", "deadline_in_ms": 300000,
   "event": {"destination": "$bucket_url/normal", "run-id": "normal",
             "include": ["public.orders", "public.customers"], "format": "csv"}}
]
JSON

start_lambda_runtime_api "$WORK/queue.json" "$WORK/answers.jsonl"

# Defaults from the environment, as the function's configuration gives them.
status=0
AWS_LAMBDA_RUNTIME_API=$API_ADDRESS PGDATABASE=$db \
  PGEXPORT_CLEANUP_TIMEOUT=5s PGEXPORT_LAMBDA_MARGIN=5s PGEXPORT_LOG_LEVEL=info \
  PGEXPORT_LOG_FORMAT=json \
  timeout 400 "$PGEXPORT_BIN" lambda >"$WORK/runtime.out" 2>"$WORK/runtime.log" &
RUNTIME_PID=$!
wait "$RUNTIME_PID" || status=$?
RUNTIME_PID=
wait "$API_PID" || fail "the Runtime API stand-in failed"
API_PID=
stop_fault_proxy

[[ $status == 18 ]] ||
  { tail -n 20 "$WORK/runtime.log"; fail "pgexport lambda exited $status, not 18 (runtime_api) after the queue ended"; }
tail -n 1 "$WORK/runtime.log" | jq -e '.error == "runtime_api"' >/dev/null ||
  fail "the last line does not name runtime_api: $(tail -n 1 "$WORK/runtime.log")"
[[ $(wc -l <"$WORK/answers.jsonl") == 5 ]] ||
  fail "expected 5 answers, got: $(cat "$WORK/answers.jsonl")"
answer() { jq -c --arg id "$1" 'select(.id == $id)' "$WORK/answers.jsonl"; }
message() { answer "$1" | jq -r '.body | fromjson | .errorMessage'; }
expect_error() { # $1 = id, $2 = error type, $3 = text the message must contain
  local got
  got=$(answer "$1")
  [[ $(jq -r .kind <<<"$got") == error ]] || fail "$1: expected an error answer, got $got"
  [[ $(jq -r .error_type <<<"$got") == "$2" ]] || fail "$1: error type is not $2: $got"
  [[ $(jq -r '.body | fromjson | .errorType' <<<"$got") == "$2" ]] || fail "$1: body's errorType is not $2"
  grep -qF -- "$3" <<<"$(message "$1")" || fail "$1: the message does not say '$3': $(message "$1")"
}
nothing_under() { [[ $(count_objects "$bucket_url/$1/") == 0 ]] || fail "$1: objects were left: $(aws_s3 s3 ls --recursive "$bucket_url/$1/")"; }

expect_error unknown-key pgexport.usage 'event key "tables" is not an option'
nothing_under unknown
pass "an unknown event key is an error answer naming it: $(message unknown-key)"

expect_error too-close pgexport.deadline "no export was started and nothing was written"
nothing_under too-close
pass "a deadline too close is refused before connecting: $(message too-close)"

expect_error too-big pgexport.deadline "it was not started and nothing was written"
grep -qF "run it as an ECS task" <<<"$(message too-big)" || fail "too-big: the message does not point to ECS"
nothing_under too-big
# Slurped: jq -e judges the last input's output, and most lines select nothing.
jq -se 'any(.[]; .message == "deadline estimate" and (.catalog_bytes | tonumber) > 0)' "$WORK/runtime.log" >/dev/null ||
  fail "no estimate from the catalog's sizes was logged"
pass "an export the estimate says cannot finish is refused, nothing written: $(message too-big)"

expect_error mid-export pgexport.deadline "could not finish before the invocation deadline"
grep -qF "nothing was published" <<<"$(message mid-export)" || fail "mid-export: the message does not say nothing was published"
mid=$(answer mid-export)
# Answered after the stop point (deadline - 5 s cleanup - 5 s margin) and before the deadline.
jq -e '.answered_ms >= .deadline_ms - 10000 and .answered_ms < .deadline_ms' <<<"$mid" >/dev/null ||
  fail "mid-export: answered at $(jq '.deadline_ms - .answered_ms' <<<"$mid") ms before the deadline, not between the stop point and the deadline"
jq -se 'any(.[]; .message == "export started" and .run_id == "mid-export")' "$WORK/runtime.log" >/dev/null ||
  fail "mid-export: the export never started, so the test proves nothing about a stop mid-export"
jq -e '.delayed >= 1' "$WORK/proxy.stats" >/dev/null ||
  fail "mid-export: no data upload was held by the proxy ($(cat "$WORK/proxy.stats"))"
# Each table is exported once by the normal invocation; customers once more by mid-export,
# before the stop: so there was an object to withdraw.
exported() { jq -se --arg t "$1" '[.[] | select(.message == "exported" and .table == $t)] | length' "$WORK/runtime.log"; }
[[ $(exported public.customers) == 2 && $(exported public.orders) == 1 ]] ||
  fail "mid-export: expected customers written before the stop and orders held (exported: customers $(exported public.customers), orders $(exported public.orders))"
nothing_under mid-export
[[ $(pending_uploads "$prefix/mid-export/") == "[]" ]] || fail "mid-export: unfinished multipart uploads"
pass "a deadline reached mid-export stops it $(jq '(.deadline_ms - .answered_ms) / 1000' <<<"$mid") s before the deadline, nothing published: $(message mid-export)"

normal=$(answer normal)
[[ $(jq -r .kind <<<"$normal") == response ]] || fail "normal: expected a response, got $normal"
summary=$(jq -r .body <<<"$normal")
jq -e '.run_id == "normal" and .manifest == "runs/normal/_manifest.json" and .tables == 2
       and .rows == 2300 and .files == 2 and .bytes_written > 0 and (.seconds | type) == "number"' \
  <<<"$summary" >/dev/null || fail "normal: the response is not the run's summary: $summary"
[[ $(count_objects "$bucket_url/normal/runs/normal/_manifest.json") == 1 ]] || fail "normal: no manifest"
"$PGEXPORT_BIN" verify --destination "$bucket_url/normal" --run-id normal >/dev/null 2>"$WORK/verify.log" ||
  { cat "$WORK/verify.log"; fail "normal: pgexport verify failed"; }
pass "a normal invocation commits a run, answers with its summary, and verify passes: $summary"

# A bad configuration in the environment is reported as an init error, and the process exits 2.
echo '[]' >"$WORK/empty.json"
node "$PGEXPORT_SOURCE_DIR/tests/tools/lambda_runtime_api.mjs" --queue "$WORK/empty.json" \
  --port-file "$WORK/api2.port" --record "$WORK/init.jsonl" --lifetime 120 &
API_PID=$!
for _ in $(seq 1 100); do [[ -s $WORK/api2.port ]] && break; sleep 0.1; done
[[ -s $WORK/api2.port ]] || fail "the second Runtime API stand-in did not start"
status=0
AWS_LAMBDA_RUNTIME_API=127.0.0.1:$(cat "$WORK/api2.port") PGEXPORT_JOBS=many \
  timeout 60 "$PGEXPORT_BIN" lambda 2>"$WORK/init.log" || status=$?
wait "$API_PID" || fail "the second Runtime API stand-in failed"
API_PID=
[[ $status == 2 ]] || fail "a bad PGEXPORT_JOBS made pgexport lambda exit $status, not 2"
jq -e '.kind == "init_error" and .error_type == "pgexport.usage"
       and (.body | fromjson | .errorMessage | contains("PGEXPORT_JOBS"))' "$WORK/init.jsonl" >/dev/null ||
  fail "no init error naming PGEXPORT_JOBS was reported: $(cat "$WORK/init.jsonl")"
pass "a bad PGEXPORT_JOBS is an init error: $(jq -r '.body | fromjson | .errorMessage' "$WORK/init.jsonl")"

assert_no_secrets "$WORK/runtime.log" "$WORK/runtime.out" "$WORK/answers.jsonl"
aws_s3 s3 rm --recursive --only-show-errors "$bucket_url" >/dev/null || true
