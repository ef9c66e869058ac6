#!/usr/bin/env bash
# Bad S3 destinations get one clear error line and their documented exit code, and leave no
# object and no unfinished upload behind: a bucket that does not exist, a wrong secret key, a
# bucket policy that denies the prefix (at the start, and only for the manifest, at the end),
# a clock an hour slow (RequestTimeTooSkewed, through libfaketime). A prefix with spaces,
# '+', '%', '&', '?', '#', '=' and non-ASCII letters is no error: it exports and verifies.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
command -v faketime >/dev/null || fail "faketime is not installed (scripts/install-deps.sh installs it)"
export PGDATABASE=$SAMPLE_DB
s3=(--s3-endpoint "$PGEXPORT_TEST_S3_ENDPOINT" --s3-path-style)

# expect_s3 CODE PATTERN URL [ARGS...]: the export to URL fails with CODE, its last stderr line
# is the only error line and matches PATTERN, and nothing is left under URL.
expect_s3() {
  local code=$1 pattern=$2 url=$3 status=0; shift 3
  "$PGEXPORT_BIN" export --destination "$url" "${s3[@]}" --run-id bad --include 'zoo.*' "$@" \
    >/dev/null 2>"$WORK/stderr" || status=$?
  [[ $status == "$code" ]] || { cat "$WORK/stderr"; fail "exit $status, expected $code for $url $*"; }
  [[ $(grep -c ' error ' "$WORK/stderr") == 1 ]] || { cat "$WORK/stderr"; fail "expected one error line for $url"; }
  tail -1 "$WORK/stderr" | grep -qE -- "$pattern" || { cat "$WORK/stderr"; fail "message does not match '$pattern'"; }
  pass "exit $code: $(tail -1 "$WORK/stderr" | cut -d' ' -f3- | cut -c1-170)"
}

expect_s3 6 "404 NoSuchBucket \(the bucket does not exist: check the bucket name" \
  "s3://pgexport-no-such-bucket-$$/prefix"

secret=wrong-secret-key-$$-$RANDOM
AWS_SECRET_ACCESS_KEY=$secret expect_s3 6 "403 SignatureDoesNotMatch \(the secret key does not belong" \
  "s3://$PGEXPORT_TEST_BUCKET/bad-secret-$$"
grep -qF -- "$secret" "$WORK/stderr" && fail "the wrong secret key was printed"

# A bucket of the test's own with a policy that denies writes under one prefix, and under
# another only the manifests: the second export writes all its data first and must take it
# all back when the manifest is refused.
bucket=pgexport-denied-$$
aws_s3 s3api create-bucket --bucket "$bucket" >/dev/null
trap 'aws_s3 s3 rm --recursive --only-show-errors "s3://$bucket" >/dev/null 2>&1; aws_s3 s3api delete-bucket --bucket "$bucket" >/dev/null 2>&1 || true' EXIT
cat >"$WORK/policy.json" <<JSON
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Deny", "Principal": "*", "Action": ["s3:PutObject"],
   "Resource": ["arn:aws:s3:::$bucket/denied/*", "arn:aws:s3:::$bucket/late/runs/*/_manifest.json"]}]}
JSON
aws_s3 s3api put-bucket-policy --bucket "$bucket" --policy "file://$WORK/policy.json"
expect_s3 6 "403 AccessDenied \(the credentials are not allowed to do this: check the IAM policy, the bucket policy" \
  "s3://$bucket/denied/exports"
# The policy really is in force: the same export one prefix over commits.
"$PGEXPORT_BIN" export --destination "s3://$bucket/allowed" "${s3[@]}" --run-id ok --include 'zoo.*' \
  >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; fail "the export beside the denied prefix failed"; }
expect_s3 9 "_manifest.json \(If-None-Match: \*\) failed: 403 AccessDenied" "s3://$bucket/late"
left=$( { aws_s3 s3 ls --recursive "s3://$bucket/late/" || true; } | wc -l)
[[ $left == 0 ]] || fail "the export refused its manifest left $left objects"
uploads=$(aws_s3 s3api list-multipart-uploads --bucket "$bucket" --output json | jq -cs '[.[0].Uploads // [] | .[].Key]')
[[ $uploads == "[]" ]] || fail "unfinished uploads left: $uploads"
pass "the export refused its manifest took back all its data: no object, no unfinished upload"

# An hour behind the server's clock (SigV4 allows 15 minutes).
faketime -f '-1h' "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/skew-$$" "${s3[@]}" \
  --run-id bad --include 'zoo.*' >/dev/null 2>"$WORK/stderr" && fail "an hour of clock skew went unnoticed"
tail -1 "$WORK/stderr" | grep -q "403 RequestTimeTooSkewed (the system clock is off by more than 15 minutes: fix time synchronisation)" ||
  { cat "$WORK/stderr"; fail "clock skew is not reported as such"; }
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/skew-$$/") == 0 ]] || fail "the skewed export left objects"
pass "clock an hour slow: $(tail -1 "$WORK/stderr" | cut -d' ' -f3- | cut -c1-150)"

# Characters S3 keys allow but URLs and signatures must escape.
odd_prefix="odd prefix/ü+%~=&?#x/$$"
"$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$odd_prefix" "${s3[@]}" --run-id odd \
  --include 'zoo.*' >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; fail "export to an odd prefix failed"; }
"$PGEXPORT_BIN" verify --destination "s3://$PGEXPORT_TEST_BUCKET/$odd_prefix" "${s3[@]}" --run-id odd \
  >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; fail "verify of the odd prefix failed"; }
aws_s3 s3 cp --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$odd_prefix/runs/odd/_manifest.json" "$WORK/odd.json" ||
  fail "the manifest is not under the prefix as awscli spells it"
[[ $(jq '.tables | length' "$WORK/odd.json") -gt 5 ]] || fail "the odd prefix's manifest lists too few tables"
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/odd prefix/" >/dev/null
pass "a prefix with spaces, + % ~ = & ? # and non-ASCII letters: exported, verified, found by awscli"
