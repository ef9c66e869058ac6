#!/usr/bin/env bash
# Crash anywhere: an S3 export (streaming, then spool) is killed with SIGKILL at 16 points
# spread over its run, each followed by `pgexport cleanup --grace 0`. After each: the killed
# run has no manifest (or, if the kill came after its commit, it verifies), latest.json still
# names a good run, and nothing of an uncommitted run is left (no object, no open multipart
# upload). The next run succeeds and verifies.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
points=${PGEXPORT_TEST_CRASH_POINTS:-16}
prefix=crash-$$-$RANDOM
url=s3://$PGEXPORT_TEST_BUCKET/$prefix
db=pgexport_crash
# ~21 MB of COPY text in 8 MiB chunks with 5 MiB parts: multipart uploads in flight at most kill
# points, yet small enough that 32 killed and 32 completed runs stay well inside the test S3
# server's memory.
make_big_table_database "$db" 200000
export PGDATABASE=$db
common=(--destination "$url" --jobs 2 --chunk-size 8MiB --part-size 5MiB --compression none)
# The killed runs (and the run that times them) go through the fault proxy, which only delays
# each request: the export then lasts seconds, so the kill points spread over all its phases.
start_fault_proxy --rate 0 --delay 0.1
slow=(--s3-endpoint "$PROXY_URL")
trap stop_fault_proxy EXIT

"$PGEXPORT_BIN" export "${common[@]}" --run-id good-0 >/dev/null 2>"$WORK/good.err" ||
  fail "the first export failed: $(cat "$WORK/good.err")"
good=good-0
# How long one export takes here, so the kill points spread over all of it.
SECONDS=0
start_ns=$(date +%s%N)
"$PGEXPORT_BIN" export "${common[@]}" "${slow[@]}" --run-id timing >/dev/null 2>"$WORK/timing.err" ||
  fail "the timing export failed: $(cat "$WORK/timing.err")"
duration_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
good=timing

# Waits until the proxy holds no request it forwarded and has not answered yet, as written
# after the kill: only then can nothing the killed export started still change the bucket.
settle_proxy() {
  rm -f "$WORK/proxy.stats"
  for _ in $(seq 1 100); do
    [[ $(jq -r .in_flight "$WORK/proxy.stats" 2>/dev/null) == 0 ]] && return 0
    sleep 0.1
  done
  fail "requests to the S3 server were still in flight 10 s after the kill"
}

latest_run() { aws_s3 s3 cp --only-show-errors "$url/latest.json" - | jq -r .run_id; }
has_manifest() { [[ $(count_objects "$url/runs/$1/_manifest.json") != 0 ]]; }

# Kills one export at `delay_ms`, cleans up, checks the invariants, then runs a good export.
crash_at() { # $1 = mode (streaming|spool), $2 = point number, $3 = delay in ms
  local mode=$1 point=$2 delay_ms=$3 id="$1-$2" extra=()
  [[ $mode == spool ]] && extra=(--spool "$WORK/spool-$point")
  "$PGEXPORT_BIN" export "${common[@]}" "${slow[@]}" "${extra[@]}" --run-id "$id" >/dev/null 2>"$WORK/$id.err" &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  settle_proxy
  "$PGEXPORT_BIN" cleanup --destination "$url" --grace 0 >"$WORK/$id.cleanup" 2>&1 ||
    fail "$id: cleanup failed: $(cat "$WORK/$id.cleanup")"
  if has_manifest "$id"; then
    # The kill came after the commit point: then the run is whole.
    "$PGEXPORT_BIN" verify --destination "$url" --run-id "$id" >/dev/null 2>"$WORK/$id.verify" ||
      fail "$id: committed before the kill, but it does not verify: $(cat "$WORK/$id.verify")"
    committed_after_kill=$((committed_after_kill + 1))
  else
    [[ $(count_objects "$url/runs/$id/") == 0 ]] || fail "$id: objects of the killed run are left after cleanup"
    local named
    named=$(latest_run)
    [[ $named == "$good" ]] || fail "$id: latest.json names '$named', expected the last good run '$good'"
  fi
  [[ $(pending_uploads "$prefix/") == "[]" ]] || fail "$id: multipart uploads left open after cleanup"
  # The next run succeeds and verifies (a spooled one resumes from its spool).
  local next=$id
  has_manifest "$id" || {
    "$PGEXPORT_BIN" export "${common[@]}" "${extra[@]}" --run-id "$id" >/dev/null 2>"$WORK/$id.rerun" ||
      fail "$id: the run after the crash failed: $(cat "$WORK/$id.rerun")"
  }
  "$PGEXPORT_BIN" verify --destination "$url" --run-id "$next" >/dev/null 2>"$WORK/$id.verify" ||
    fail "$id: the run after the crash does not verify: $(cat "$WORK/$id.verify")"
  good=$(latest_run)
}

committed_after_kill=0
for mode in streaming spool; do
  for point in $(seq 1 "$points"); do
    crash_at "$mode" "$point" $(( duration_ms * point / (points + 1) ))
  done
done
(( committed_after_kill <= points / 2 )) ||
  fail "$committed_after_kill of $((2 * points)) kills came after the commit: the points do not cover the export"
pass "$((2 * points)) kills over a ${duration_ms} ms export (streaming and spool): nothing uncommitted survives cleanup, latest.json stays on a good run, every next run verifies ($committed_after_kill kills landed after a commit)"
aws_s3 s3 rm --recursive --only-show-errors "$url" >/dev/null
