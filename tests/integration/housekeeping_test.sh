#!/usr/bin/env bash
# ls, verify and cleanup against real exports of the sample database, in RADOS Gateway (S3) and
# in a directory: ls lists runs newest first (text and JSON); verify passes on each format and
# fails with exit 14, naming the object, after a flipped byte, a deleted object and a manifest
# whose row count lies; cleanup --dry-run changes nothing; cleanup removes an uncommitted run
# and an open multipart upload, keeps latest.json's run, applies --keep-last, and never
# touches keys outside runs/ and latest.json.
source "$(dirname "$0")/lib.sh"
# Both servers are required: a missing one is a failure, not a skip.
psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 ||
  fail "no PostgreSQL reachable through PGHOST/PGPORT (scripts/test.sh starts one)"
[[ -n ${PGEXPORT_TEST_S3_ENDPOINT:-} && -n ${PGEXPORT_TEST_BUCKET:-} ]] ||
  fail "no S3 server (PGEXPORT_TEST_S3_ENDPOINT/PGEXPORT_TEST_BUCKET; scripts/test.sh starts one)"
aws_s3 s3api head-bucket --bucket "$PGEXPORT_TEST_BUCKET" >/dev/null ||
  fail "the test bucket $PGEXPORT_TEST_BUCKET is not reachable at $PGEXPORT_TEST_S3_ENDPOINT"

prefix=housekeeping-$$-$RANDOM
s3=s3://$PGEXPORT_TEST_BUCKET/$prefix
dir=$WORK/dir
export PGDATABASE=$SAMPLE_DB
trap 'aws_s3 s3 rm --recursive --only-show-errors "$s3" >/dev/null 2>&1 || true' EXIT

# Runs `pgexport "$@"`, keeping stdout and stderr in $WORK/out and $WORK/err; sets $status.
run() {
  status=0
  "$PGEXPORT_BIN" "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
}
# Fails unless the last run() exited with $1.
expect_status() {
  [[ $status == "$1" ]] || fail "$2: exit $status, want $1: $(tail -n 3 "$WORK/err")"
}

# Unfinished multipart uploads under a key prefix, one key a line. awscli v1 prints a JSON
# object (with or without "Uploads"); Debian's v2 prints nothing at all when there are none.
open_uploads() {
  { aws_s3 s3api list-multipart-uploads --bucket "$PGEXPORT_TEST_BUCKET" --prefix "$1" \
      --output json || fail "list-multipart-uploads failed"; } |
    jq -rs '[.[] | .Uploads // [] | .[].Key] | sort | .[]'
}
# Every key under the S3 prefix with its size and ETag, sorted: changes show up as a diff.
s3_listing() {
  aws_s3 s3api list-objects-v2 --bucket "$PGEXPORT_TEST_BUCKET" --prefix "$prefix/" \
    --output json | jq -rs '[.[] | .Contents // [] | .[] | "\(.Key) \(.Size) \(.ETag)"] | sort | .[]'
}
dir_listing() { (cd "$dir" && find . -type f -exec sha256sum {} + | sort -k2); }

# --- three runs in each destination: csv+zstd, jsonl+gzip, parquet (many files, row groups).
for dest in "$s3" "$dir"; do
  run export --destination "$dest" --run-id r1-csv --format csv --compression zstd --jobs 2
  expect_status 0 "export r1-csv to $dest"
  run export --destination "$dest" --run-id r2-jsonl --format jsonl --compression gzip --jobs 2
  expect_status 0 "export r2-jsonl to $dest"
  run export --destination "$dest" --run-id r3-parquet --format parquet --exclude 'zoo.*' \
    --row-group-size 500 --max-file-size 256KiB --chunk-size 512KiB --jobs 2
  expect_status 0 "export r3-parquet to $dest"
done

# --- ls: newest first, as text and as JSON.
for dest in "$s3" "$dir"; do
  run ls --destination "$dest" --json
  expect_status 0 "ls --json $dest"
  [[ $(jq -r '[.runs[].run_id] | join(" ")' "$WORK/out") == "r3-parquet r2-jsonl r1-csv" ]] ||
    fail "ls --json $dest: runs not newest first: $(cat "$WORK/out")"
  [[ $(jq -r '.latest_run_id' "$WORK/out") == r3-parquet ]] || fail "ls --json: wrong latest run"
  [[ $(jq -r '.runs[] | select(.run_id == "r3-parquet") | .latest' "$WORK/out") == true ]] ||
    fail "ls --json: latest run not marked"
  # The counts are the manifests' own.
  manifest_rows=$(jq '[.tables[].rows] | add' "$dir/runs/r2-jsonl/_manifest.json")
  [[ $(jq '.runs[] | select(.run_id == "r2-jsonl") | .rows' "$WORK/out") == "$manifest_rows" ]] ||
    fail "ls --json: rows of r2-jsonl differ from its manifest ($manifest_rows)"
  [[ $(jq '.runs[] | select(.run_id == "r2-jsonl") | .tables' "$WORK/out") == \
     $(jq '.tables | length' "$dir/runs/r2-jsonl/_manifest.json") ]] || fail "ls --json: table count"
  run ls --destination "$dest"
  expect_status 0 "ls $dest"
  [[ $(awk 'NR > 1 {print $1}' "$WORK/out" | paste -sd' ') == "r3-parquet r2-jsonl r1-csv" ]] ||
    fail "ls $dest: $(cat "$WORK/out")"
  grep -q '^r3-parquet .* latest$' "$WORK/out" || fail "ls $dest: latest not marked"
done
pass "ls lists the three runs newest first, in text and JSON, with the manifests' counts"

# --- verify passes on every run, and by default on the run latest.json names.
for dest in "$s3" "$dir"; do
  for id in r1-csv r2-jsonl r3-parquet; do
    run verify --destination "$dest" --run-id "$id"
    expect_status 0 "verify $id in $dest"
    files=$(jq '[.tables[].files[]] | length' "$dir/runs/$id/_manifest.json")
    grep -q "^Verified run $id in .*: $files objects, " "$WORK/out" ||
      fail "verify $id: unexpected summary: $(cat "$WORK/out")"
  done
  run verify --destination "$dest"
  expect_status 0 "verify (latest) in $dest"
  grep -q "^Verified run r3-parquet " "$WORK/out" || fail "verify without --run-id: $(cat "$WORK/out")"
done
pass "verify passes on csv+zstd, jsonl+gzip and parquet runs in S3 and in a directory"

# --- damage in S3, each kind in its own run; verify fails with 14 and names the object.
# Each export writes under its own attempt prefix, so the S3 runs' keys come from their own
# manifests.
s3_manifest() { aws_s3 s3 cp --only-show-errors "$s3/runs/$1/_manifest.json" -; }
# 1. One byte flipped in the middle of an object, uploaded again with awscli.
key=$(s3_manifest r1-csv | jq -r '[.tables[].files[] | select(.bytes > 1000)][0].key')
aws_s3 s3 cp --only-show-errors "$s3/$key" "$WORK/object"
python3 - "$WORK/object" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0x01
open(path, "wb").write(bytes(data))
EOF
aws_s3 s3 cp --only-show-errors "$WORK/object" "$s3/$key"
run verify --destination "$s3" --run-id r1-csv
expect_status 14 "verify after a flipped byte"
grep -qF "$key: SHA-256 is " "$WORK/err" || fail "verify does not name $key: $(cat "$WORK/err")"
grep -q "error=verification_failed" "$WORK/err" || fail "the error kind is not named"
# 2. One object deleted.
key=$(s3_manifest r2-jsonl | jq -r '.tables[0].files[0].key')
aws_s3 s3 rm --only-show-errors "$s3/$key"
run verify --destination "$s3" --run-id r2-jsonl
expect_status 14 "verify after a deleted object"
grep -qF "$key: is missing" "$WORK/err" || fail "verify does not name $key: $(cat "$WORK/err")"
# 3. A manifest whose row count lies (file and table counts agree with each other).
key=$(s3_manifest r3-parquet | jq -r '[.tables[].files[] | select(.rows > 0)][0].key')
aws_s3 s3 cp --only-show-errors "$s3/runs/r3-parquet/_manifest.json" "$WORK/manifest.json"
jq --arg key "$key" '(.tables[] | select(any(.files[]; .key == $key))) |= (.rows += 1 |
    (.files[] | select(.key == $key) | .rows) += 1)' "$WORK/manifest.json" >"$WORK/lying.json"
aws_s3 s3 cp --only-show-errors "$WORK/lying.json" "$s3/runs/r3-parquet/_manifest.json"
run verify --destination "$s3" --run-id r3-parquet
expect_status 14 "verify of a manifest whose row count lies"
grep -qF "$key: holds " "$WORK/err" || fail "verify does not name $key: $(cat "$WORK/err")"
pass "verify exits 14 naming the object after a flipped byte, a deleted object, a lying manifest"

# The same in the directory: a flipped byte and an unparsable manifest.
key=$(jq -r '[.tables[].files[] | select(.bytes > 1000)][0].key' "$dir/runs/r2-jsonl/_manifest.json")
python3 - "$dir/$key" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0x01
open(path, "wb").write(bytes(data))
EOF
run verify --destination "$dir" --run-id r2-jsonl
expect_status 14 "verify after a flipped byte (directory)"
grep -qF "$key: SHA-256 is " "$WORK/err" || fail "verify does not name $key: $(cat "$WORK/err")"
cp "$dir/runs/r1-csv/_manifest.json" "$WORK/r1-manifest.json"
printf '{"manifest_version": 1, ' >"$dir/runs/r1-csv/_manifest.json"
run verify --destination "$dir" --run-id r1-csv
expect_status 14 "verify of an unparsable manifest"
grep -qF "runs/r1-csv/_manifest.json: is not a valid manifest" "$WORK/err" ||
  fail "verify does not name the manifest: $(cat "$WORK/err")"
cp "$WORK/r1-manifest.json" "$dir/runs/r1-csv/_manifest.json"
pass "verify exits 14 in a directory too (flipped byte, unparsable manifest)"

# --- cleanup in S3: an uncommitted run, an open multipart upload, a key outside runs/.
aws_s3 s3 cp --only-show-errors "$WORK/object" "$s3/runs/u-dead/a1/public.t/part-00000-000.csv.zst"
echo '{"kept": true}' | aws_s3 s3 cp --only-show-errors - "$s3/changes/log/000001.json"
upload_id=$(aws_s3 s3api create-multipart-upload --bucket "$PGEXPORT_TEST_BUCKET" \
  --key "$prefix/runs/u-dead/a2/public.t/part-00000-000.csv.zst" --output json | jq -r .UploadId)
[[ -n $upload_id && $upload_id != null ]] || fail "create-multipart-upload gave no upload id"
[[ $(open_uploads "$prefix/") == "$prefix/runs/u-dead/a2/public.t/part-00000-000.csv.zst" ]] ||
  fail "the multipart upload is not listed: $(open_uploads "$prefix/")"

before=$(s3_listing)
run cleanup --destination "$s3" --grace 0 --keep-last 1 --dry-run --log-level info
expect_status 0 "cleanup --dry-run"
[[ $(s3_listing) == "$before" ]] || fail "cleanup --dry-run changed objects"
[[ -n $(open_uploads "$prefix/") ]] || fail "cleanup --dry-run aborted the upload"
grep -q "would remove uncommitted run" "$WORK/err" || fail "dry run: no plan line: $(cat "$WORK/err")"
grep -q "would abort pending upload" "$WORK/err" || fail "dry run: no abort line"
grep -q "^Dry run of cleanup .*Nothing was changed" "$WORK/out" || fail "dry run: $(cat "$WORK/out")"
pass "cleanup --dry-run lists its plan and changes nothing"

run cleanup --destination "$s3" --grace 0 --log-level info
expect_status 0 "cleanup --grace 0"
# Listed once into a variable: `grep -q` on a pipe would end it early (SIGPIPE under pipefail).
after=$(s3_listing)
[[ -z $(open_uploads "$prefix/") ]] || fail "the multipart upload is still open"
! grep -q "^$prefix/runs/u-dead/" <<<"$after" || fail "the uncommitted run is still there"
grep -q "^$prefix/changes/log/000001.json " <<<"$after" || fail "cleanup touched changes/"
grep -q "^$prefix/latest.json " <<<"$after" || fail "cleanup touched latest.json"
for id in r1-csv r2-jsonl r3-parquet; do
  grep -q "^$prefix/runs/$id/_manifest.json " <<<"$after" ||
    fail "cleanup without retention removed committed run $id"
done
grep -q "^Cleanup of .*: 1 pending uploads aborted, 1 uncommitted runs" "$WORK/out" ||
  fail "cleanup summary: $(cat "$WORK/out")"
pass "cleanup --grace 0 aborted the upload, removed the uncommitted run, kept every committed run"

# latest.json names the oldest run: --keep-last 1 keeps the newest and that one.
aws_s3 s3 cp --only-show-errors "$s3/latest.json" "$WORK/latest.json"
jq '.run_id = "r1-csv" | .manifest = "runs/r1-csv/_manifest.json"' "$WORK/latest.json" |
  aws_s3 s3 cp --only-show-errors - "$s3/latest.json"
run cleanup --destination "$s3" --grace 0 --keep-last 1 --log-level info
expect_status 0 "cleanup --keep-last 1"
run ls --destination "$s3" --json
[[ $(jq -r '[.runs[].run_id] | join(" ")' "$WORK/out") == "r3-parquet r1-csv" ]] ||
  fail "after --keep-last 1: $(cat "$WORK/out")"
after=$(s3_listing)
! grep -q "^$prefix/runs/r2-jsonl/" <<<"$after" || fail "r2-jsonl left objects behind"
grep -q "^$prefix/changes/log/000001.json " <<<"$after" || fail "cleanup touched changes/"
pass "cleanup --keep-last 1 keeps the newest run and latest.json's, removes the other entirely"

# --- cleanup in a directory: an uncommitted run goes, retention applies, nothing else moves.
mkdir -p "$dir/runs/u-dead/a1" "$dir/changes"
echo partial >"$dir/runs/u-dead/a1/part-00000-000.csv"
echo '{}' >"$dir/changes/000001.json"
before=$(dir_listing)
run cleanup --destination "$dir" --grace 0 --keep-last 1 --dry-run
expect_status 0 "cleanup --dry-run (directory)"
[[ $(dir_listing) == "$before" ]] || fail "cleanup --dry-run changed the directory"
run cleanup --destination "$dir" --grace 1h
expect_status 0 "cleanup --grace 1h (directory)"
[[ -e $dir/runs/u-dead/a1/part-00000-000.csv ]] || fail "a young uncommitted run was removed"
run cleanup --destination "$dir" --grace 0 --keep-last 1
expect_status 0 "cleanup --keep-last 1 (directory)"
[[ ! -e $dir/runs/u-dead ]] || [[ -z $(find "$dir/runs/u-dead" -type f) ]] ||
  fail "the uncommitted run is still there"
[[ -e $dir/changes/000001.json ]] || fail "cleanup touched changes/"
run ls --destination "$dir" --json
[[ $(jq -r '[.runs[].run_id] | join(" ")' "$WORK/out") == "r3-parquet" ]] ||
  fail "directory after --keep-last 1: $(cat "$WORK/out")"
run verify --destination "$dir"
expect_status 0 "verify of the run left in the directory"
pass "cleanup in a directory: young runs stay within --grace, old ones and retention go"

# --- bad input.
run cleanup --destination "$dir" --grace 5x
expect_status 2 "cleanup --grace 5x"
grep -qF -- "--grace: '5x' is not a duration; use e.g. 500ms, 90s, 30m, 24h, 7d" "$WORK/err" ||
  fail "bad duration message: $(cat "$WORK/err")"
run verify --destination "$WORK/empty"
expect_status 14 "verify of an empty destination"
pass "a bad duration is a usage error; verifying an empty destination fails"
