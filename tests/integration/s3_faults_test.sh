#!/usr/bin/env bash
# Through a proxy that injects 500s, 503 SlowDown, connection resets and stalls into 10% of
# requests, an export to S3 still completes and reads back identical. When the faults never
# stop, the export fails with a clear message, leaves no manifest and no unfinished multipart
# upload.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
trap stop_fault_proxy EXIT
prefix=faults-$$-$RANDOM
db=pgexport_s3_faults
make_big_table_database "$db" 300000

# Reference: the same data exported to a directory.
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$WORK/dir" --run-id same --part-size 5MiB \
  --compression none >/dev/null

start_fault_proxy --rate 0.1 --stall-seconds 2 --seed 7
PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/sample" \
  --s3-endpoint "$PROXY_URL" --run-id sample --jobs 2 >/dev/null 2>"$WORK/sample.log" ||
  { cat "$WORK/sample.log"; fail "the sample database export did not survive 10% faults"; }
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/ok" \
  --s3-endpoint "$PROXY_URL" --run-id same --part-size 5MiB --compression none --jobs 2 \
  --log-level info >/dev/null 2>"$WORK/faulty.log" || { cat "$WORK/faulty.log"; fail "the export did not survive 10% faults"; }
stop_fault_proxy
injected=$(jq '."500" + ."503" + .reset + .stall' "$WORK/proxy.stats")
jq -e '."500" > 0 and ."503" > 0 and .reset > 0 and .stall > 0' "$WORK/proxy.stats" >/dev/null ||
  fail "not every kind of fault was injected ($(cat "$WORK/proxy.stats")); the test proves less than it says"
aws_s3 s3 cp --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix/ok" "$WORK/ok"
diff <(jq -S '.tables' "$WORK/dir/runs/same/_manifest.json" | without_attempt) \
     <(jq -S '.tables' "$WORK/ok/runs/same/_manifest.json" | without_attempt) ||
  fail "the export through faults differs from the reference"
verify_manifest_objects "$WORK/ok" "$WORK/ok/runs/same/_manifest.json"
grep -q "retrying" "$WORK/faulty.log" || fail "no retry was logged"
pass "export completed through $injected injected faults ($(cat "$WORK/proxy.stats")) and reads back identical"

# Faults that never stop, on every part upload: the export must give up cleanly.
start_fault_proxy --rate 1 --match 'partNumber=' --faults 500,503
status=0
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/fail" \
  --s3-endpoint "$PROXY_URL" --run-id doomed --part-size 5MiB --compression none \
  >/dev/null 2>"$WORK/fail.log" || status=$?
stop_fault_proxy
(( status != 0 )) || fail "the export succeeded although every part upload failed"
[[ $status == 10 || $status == 9 ]] || fail "unexpected exit code $status"
tail -n 1 "$WORK/fail.log" | grep -q "attempts" || { cat "$WORK/fail.log"; fail "the last line does not say what failed after how many attempts"; }
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/fail/runs/doomed/_manifest.json") == 0 ]] ||
  fail "a manifest was published by a failed export"
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/fail/runs/") == 0 ]] ||
  fail "objects of the failed run were left behind"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "unfinished multipart uploads: $(pending_uploads "$prefix/")"
assert_no_secrets "$WORK/faulty.log" "$WORK/fail.log" "$WORK/sample.log"
pass "unending faults: exit $status, '$(tail -n 1 "$WORK/fail.log" | cut -c1-160)...', nothing left behind"
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null
