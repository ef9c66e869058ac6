#!/usr/bin/env bash
# Spool mode survives a crash of the upload phase: kill -9 while objects are being uploaded,
# run the same command again, and the run is published complete and identical, without
# reading the database again (the database is dropped before the second run to prove it).
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
trap 'stop_fault_proxy; [[ -n ${export_pid:-} ]] && kill -9 "$export_pid" 2>/dev/null || true' EXIT
prefix=spool-$$-$RANDOM
db=pgexport_spool
# A copy of the sample database, which this test may drop.
psql -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$db\" TEMPLATE \"$SAMPLE_DB\""

PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$WORK/reference" --run-id spooled >/dev/null

# Uploads slowed to ~4 per second so the kill lands in the middle of the upload phase.
start_fault_proxy --rate 0 --delay 0.25
spool=$WORK/spool
command=("$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" --run-id spooled
         --spool "$spool" --jobs 1)
PGDATABASE=$db "${command[@]}" --s3-endpoint "$PROXY_URL" >/dev/null 2>"$WORK/first.log" &
export_pid=$!
for _ in $(seq 1 600); do
  uploaded=$(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/runs/spooled/")
  [[ -f $spool/runs/spooled/_manifest.json ]] && (( uploaded >= 3 )) && break
  kill -0 "$export_pid" 2>/dev/null || break
  sleep 0.1
done
kill -9 "$export_pid" 2>/dev/null || fail "the export ended before it could be killed mid-upload"
wait "$export_pid" 2>/dev/null || true
export_pid=
stop_fault_proxy
total=$(jq '[.tables[].files[]] | length' "$spool/runs/spooled/_manifest.json")
uploaded=$(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/runs/spooled/")
(( uploaded > 0 && uploaded < total )) || fail "killed with $uploaded of $total objects uploaded; expected a partial upload"
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/runs/spooled/_manifest.json") == 0 ]] ||
  fail "a manifest was published before the upload finished"

psql -d postgres -qc "DROP DATABASE \"$db\" WITH (FORCE)"
PGDATABASE=$db "${command[@]}" --log-level info >/dev/null 2>"$WORK/second.log" ||
  { cat "$WORK/second.log"; fail "the re-run did not publish the spooled run"; }
grep -q "resuming the upload" "$WORK/second.log" || fail "the re-run did not resume from the spool"
aws_s3 s3 cp --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" "$WORK/published"
verify_manifest_objects "$WORK/published" "$WORK/published/runs/spooled/_manifest.json"
diff <(jq -S '.tables' "$WORK/reference/runs/spooled/_manifest.json" | without_attempt) \
     <(jq -S '.tables' "$WORK/published/runs/spooled/_manifest.json" | without_attempt) ||
  fail "the published run differs from a direct export of the same data"
[[ -z $(find "$spool" -type f) ]] || fail "the spool was not emptied after publishing"
pass "killed after $uploaded/$total uploads; the re-run published all $total objects, identical, with the database gone"
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null
