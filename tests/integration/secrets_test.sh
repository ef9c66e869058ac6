#!/usr/bin/env bash
# Secrets are never printed or written: every command (export, ls, verify, cleanup, cdc init,
# cdc run, cdc status, cdc drop, materialize, lambda) runs with distinctive secret values (the
# database password through --password-file, PGPASSWORD and --source; the S3 secret access key;
# a session token and a wrong secret key on the access-denied path; the hash key of
# --hash-columns through --hash-key-file and PGEXPORT_HASH_KEY), on success and failure paths
# (wrong password, wrong secret key, wrong hash key, bad option values), with text and JSON logs
# at debug level. Then every stdout, stderr and written file (destination directories, spool
# directories, every object downloaded from S3, the Lambda answers) is searched for each secret
# and its base64, hex and URL-encoded forms: no hit. The search first proves it finds each
# form in a file that holds it.
source "$(dirname "$0")/lib.sh"
require_postgres
need_s3
command -v node >/dev/null || fail "node is needed for the Lambda Runtime API stand-in"

# The local cluster checks passwords (scram-sha-256) for this one role only, on ordinary and
# replication connections (scripts/pg-local.sh); every other role is trusted on the socket.
ROLE=pgexport_password_check
DB=pgexport_secrets
API_PID=
cleanup_all() {
  stop_processes "$API_PID"
  psql -X -d postgres -qAtc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$DB' AND NOT active" >/dev/null 2>&1 || true
  psql -X -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup_all EXIT
cleanup_all

tag=$$$RANDOM
# Characters that change under URL and base64 encodings, and a distinctive core.
PASSWORD="DbPw-S3cr3t-$tag q'uo\"te\\b+/="
WRONG_PASSWORD="WrongPw-S3cr3t-$tag"
HASH_KEY="HashKey-S3cr3t-$tag-0123456789+/="
WRONG_HASH_KEY="WrongHashKey-S3cr3t-$tag-0123456789"
SESSION_TOKEN="SessionToken-S3cr3t-$tag+/=="
WRONG_SECRET_KEY="WrongSecretKey-S3cr3t-$tag+/="
REAL_SECRET_KEY=$AWS_SECRET_ACCESS_KEY
SECRETS=("$PASSWORD" "$WRONG_PASSWORD" "$HASH_KEY" "$WRONG_HASH_KEY" "$SESSION_TOKEN"
         "$WRONG_SECRET_KEY" "$REAL_SECRET_KEY")

SECRET_DIR=$WORK/secrets  # the test's own copies of the secrets: never searched
OUT=$WORK/out             # stdout and stderr of every command
mkdir -p "$SECRET_DIR" "$OUT"
printf '%s\n' "$PASSWORD" >"$SECRET_DIR/password"
printf '%s\n' "$WRONG_PASSWORD" >"$SECRET_DIR/wrong-password"
printf '%s\n' "$HASH_KEY" >"$SECRET_DIR/hash-key"
printf '%s\n%s\n' "$HASH_KEY" "second line" >"$SECRET_DIR/two-line-key"
chmod 600 "$SECRET_DIR"/*

# Every form a secret could leak in: as is, base64 (standard and URL-safe, without padding),
# hex (both cases) and URL-encoded; plus its distinctive core, which a truncated copy keeps.
: >"$SECRET_DIR/patterns"
for secret in "${SECRETS[@]}"; do
  b64=$(printf '%s' "$secret" | base64 -w0)
  hex=$(printf '%s' "$secret" | od -An -v -tx1 | tr -d ' \n')
  {
    printf '%s\n' "$secret" "${b64%%=*}" "$(tr '+/' '-_' <<<"${b64%%=*}")" "$hex" "${hex^^}"
    jq -rn --arg s "$secret" '$s | @uri'
    [[ $secret == *S3cr3t-$tag* ]] && printf '%s\n' "${secret%%S3cr3t-*}S3cr3t-$tag"
  } >>"$SECRET_DIR/patterns"
done
sort -u -o "$SECRET_DIR/patterns" "$SECRET_DIR/patterns"
[[ $(wc -l <"$SECRET_DIR/patterns") -ge 30 ]] || fail "too few secret forms to search for"

# find_secrets DIR...: prints "file: form" for each hit.
find_secrets() {
  grep -rHoaF -f "$SECRET_DIR/patterns" -- "$@" 2>/dev/null || true
}

# The search must be able to fail: each form, written into a file, is found.
mkdir -p "$WORK/canary"
while IFS= read -r form; do
  printf 'log line before %s after\n' "$form" >"$WORK/canary/file"
  [[ -n $(find_secrets "$WORK/canary") ]] || fail "the search does not find the form '$form' in a file holding it"
done <"$SECRET_DIR/patterns"
rm -rf "$WORK/canary"
pass "the search finds each of $(wc -l <"$SECRET_DIR/patterns") forms of the 7 secrets when a file holds it"

sql postgres -c "DROP ROLE IF EXISTS $ROLE" \
  -c "CREATE ROLE $ROLE LOGIN REPLICATION PASSWORD \$pw\$$PASSWORD\$pw\$" \
  -c "CREATE DATABASE $DB OWNER $ROLE" >/dev/null
sql "$DB" -c "SET ROLE $ROLE" \
  -c "CREATE TABLE people (id int PRIMARY KEY, email text, note text)" \
  -c "INSERT INTO people SELECT g, 'p' || g || '@example.org', 'note ' || g FROM generate_series(1, 300) g" \
  -c "CREATE TABLE orders (id int PRIMARY KEY, person int, amount numeric)" \
  -c "INSERT INTO orders SELECT g, g % 300, g * 2.5 FROM generate_series(1, 500) g" >/dev/null
unset PGPASSWORD PGPASSFILE PGEXPORT_HASH_KEY
export PGEXPORT_LOG_LEVEL=debug

prefix=secrets-$$-$RANDOM
S3=s3://$PGEXPORT_TEST_BUCKET/$prefix
HASH=(--hash-columns public.people.email)
escaped=${PASSWORD//\\/\\\\}
escaped=${escaped//\'/\\\'}
CONNINFO="user=$ROLE dbname=$DB password='$escaped'"

# run NAME EXPECTED_STATUS ARGS...: runs pgexport as the role (psql stays the superuser), keeping its output in $OUT/NAME.{out,err}.
# EXPECTED_STATUS is a code or a |-separated list of codes.
run() {
  local name=$1 expected=$2 status=0
  shift 2
  PGUSER=$ROLE PGDATABASE=$DB "$PGEXPORT_BIN" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || status=$?
  [[ "|$expected|" == *"|$status|"* ]] ||
    fail "$name: exit $status, expected $expected: $(tail -n 5 "$OUT/$name.err")"
}

for log_format in text json; do
  export PGEXPORT_LOG_FORMAT=$log_format
  L=$log_format
  # Success paths: the password from each place, the hash key from each place.
  run "$L-export-s3" 0 export --destination "$S3/$L" --run-id r1 --password-file "$SECRET_DIR/password" \
    "${HASH[@]}" --hash-key-file "$SECRET_DIR/hash-key" --spool "$WORK/spool-$L" --format parquet
  PGPASSWORD=$PASSWORD PGEXPORT_HASH_KEY=$HASH_KEY run "$L-export-dir" 0 export \
    --destination "$WORK/dest-$L" --run-id r1 "${HASH[@]}" --format jsonl
  PGEXPORT_HASH_KEY=$HASH_KEY run "$L-export-conninfo" 0 export --source "$CONNINFO" \
    --destination "$S3/$L" --run-id r2 "${HASH[@]}"
  run "$L-ls" 0 ls --destination "$S3/$L" --json
  run "$L-ls-text" 0 ls --destination "$S3/$L"
  run "$L-verify" 0 verify --destination "$S3/$L" --run-id r1
  run "$L-cleanup-dry" 0 cleanup --destination "$S3/$L" --grace 0 --dry-run
  run "$L-cleanup" 0 cleanup --destination "$S3/$L" --grace 0 --keep-last 1
  run "$L-cdc-init" 0 cdc init --destination "$S3/cdc-$L" --run-id base --slot "secrets_$L" \
    --publication "secrets_$L" --password-file "$SECRET_DIR/password" "${HASH[@]}" --hash-key-file "$SECRET_DIR/hash-key"
  sql "$DB" -c "UPDATE people SET email = 'changed' || id || '@example.org' WHERE id <= 3" \
    -c "INSERT INTO orders VALUES (1000 + $RANDOM % 1000, 1, 1)" >/dev/null
  run "$L-cdc-status" 0 cdc status --destination "$S3/cdc-$L" --slot "secrets_$L" --password-file "$SECRET_DIR/password"
  PGEXPORT_HASH_KEY=$WRONG_HASH_KEY run "$L-cdc-run-wrong-key" 2 cdc run --destination "$S3/cdc-$L" \
    --slot "secrets_$L" --until-caught-up --password-file "$SECRET_DIR/password"
  PGPASSWORD=$PASSWORD run "$L-cdc-run" 0 cdc run --destination "$S3/cdc-$L" --slot "secrets_$L" \
    --until-caught-up --hash-key-file "$SECRET_DIR/hash-key"
  run "$L-materialize" 0 materialize --destination "$S3/cdc-$L" --output "$S3/materialized-$L" --run-id now
  run "$L-cdc-status-wrong" 4 cdc status --destination "$S3/cdc-$L" --slot "secrets_$L" \
    --password-file "$SECRET_DIR/wrong-password"
  run "$L-cdc-drop" 0 cdc drop --slot "secrets_$L" --publication "secrets_$L" --source "$CONNINFO"

  # Failure paths.
  run "$L-wrong-password" 4 export --destination "$WORK/dest-$L" --run-id r3 --password-file "$SECRET_DIR/wrong-password"
  PGPASSWORD=$WRONG_PASSWORD run "$L-wrong-pgpassword" 4 export --destination "$WORK/dest-$L" --run-id r3
  AWS_SECRET_ACCESS_KEY=$WRONG_SECRET_KEY AWS_SESSION_TOKEN=$SESSION_TOKEN run "$L-wrong-secret-export" '6|9|10|11' \
    export --destination "$S3/$L" --run-id r4 --password-file "$SECRET_DIR/password"
  AWS_SECRET_ACCESS_KEY=$WRONG_SECRET_KEY run "$L-wrong-secret-ls" '6|9|10|11' ls --destination "$S3/$L"
  AWS_SECRET_ACCESS_KEY=$WRONG_SECRET_KEY AWS_SESSION_TOKEN=$SESSION_TOKEN run "$L-wrong-secret-verify" '6|9|10|11|14' \
    verify --destination "$S3/$L" --run-id r1
  AWS_SECRET_ACCESS_KEY=$WRONG_SECRET_KEY run "$L-wrong-secret-cleanup" '6|9|10|11|14' cleanup --destination "$S3/$L" --grace 0
  PGPASSWORD=$PASSWORD PGEXPORT_HASH_KEY=$HASH_KEY run "$L-bad-jobs" 2 export --destination "$WORK/dest-$L" --jobs many
  run "$L-bad-source" "2|3" export --source "$CONNINFO bogus" --destination "$WORK/dest-$L"
  run "$L-source-and-file" 2 export --source "$CONNINFO" --password-file "$SECRET_DIR/password" --destination "$WORK/dest-$L"
  run "$L-two-line-key" 2 export --password-file "$SECRET_DIR/password" --destination "$WORK/dest-$L" \
    "${HASH[@]}" --hash-key-file "$SECRET_DIR/two-line-key"
  PGEXPORT_HASH_KEY=$HASH_KEY run "$L-key-twice" 2 export --password-file "$SECRET_DIR/password" \
    --destination "$WORK/dest-$L" "${HASH[@]}" --hash-key-file "$SECRET_DIR/hash-key"
  PGEXPORT_HASH_KEY=$HASH_KEY run "$L-bad-pattern" 2 export --password-file "$SECRET_DIR/password" \
    --destination "$WORK/dest-$L" --hash-columns not-a-pattern --hash-key-file "$SECRET_DIR/hash-key"
  PGEXPORT_HASH_KEY=$HASH_KEY run "$L-bad-format" 2 export --source "$CONNINFO" --destination "$S3/$L" --format bogus
done
pass "every command ran with the secrets, in text and JSON logs: success paths exit 0, failures with their codes"

# lambda: one export and one that fails on the wrong password, then the stand-in ends the queue.
cat >"$SECRET_DIR/queue.json" <<JSON
[
  {"id": "normal", "deadline_in_ms": 300000,
   "event": {"destination": "$S3/lambda", "run-id": "normal", "hash-columns": ["public.people.email"]}},
  {"id": "wrong-password", "deadline_in_ms": 300000,
   "event": {"destination": "$S3/lambda", "run-id": "wrong", "password-file": "$SECRET_DIR/wrong-password"}}
]
JSON
start_lambda_runtime_api "$SECRET_DIR/queue.json" "$OUT/lambda-answers.jsonl"
status=0
PGUSER=$ROLE PGDATABASE=$DB AWS_LAMBDA_RUNTIME_API=$API_ADDRESS PGEXPORT_PASSWORD_FILE=$SECRET_DIR/password \
  PGEXPORT_HASH_KEY=$HASH_KEY PGEXPORT_LOG_FORMAT=json \
  timeout 400 "$PGEXPORT_BIN" lambda >"$OUT/lambda.out" 2>"$OUT/lambda.err" || status=$?
wait "$API_PID" || fail "the Runtime API stand-in failed"
API_PID=
[[ $status == 18 ]] || fail "pgexport lambda exited $status, not 18 after the queue: $(tail -n 5 "$OUT/lambda.err")"
[[ $(wc -l <"$OUT/lambda-answers.jsonl") == 2 ]] || fail "the stand-in did not record two answers"
jq -se 'map(select(.id == "normal")) | .[0] | .kind == "response" and (.body | fromjson | .run_id == "normal")' \
  "$OUT/lambda-answers.jsonl" >/dev/null || fail "the first Lambda invocation did not commit: $(head -c 400 "$OUT/lambda-answers.jsonl")"
jq -se 'map(select(.id == "wrong-password")) | .[0] | .kind == "error" and .error_type == "pgexport.authentication_failed"' \
  "$OUT/lambda-answers.jsonl" >/dev/null || fail "the wrong password was not refused: $(tail -c 400 "$OUT/lambda-answers.jsonl")"
pass "lambda: one committed export and one refused login, answered through the Runtime API"

# Everything written: the destinations, spools and every object of the test's S3 prefix.
aws_s3 s3 cp --recursive --only-show-errors "$S3" "$WORK/s3"
objects=$(find "$WORK/s3" -type f | wc -l)
[[ $objects -ge 20 ]] || fail "only $objects objects were downloaded from $S3"
grep -rlq 'hmac-sha256' "$WORK/s3" || fail "the downloaded runs do not hold the hashed column's manifest entry"
files=$(find "$OUT" "$WORK/s3" "$WORK"/dest-* "$WORK"/spool-* -type f | wc -l)
hits=$(find_secrets "$OUT" "$WORK/s3" "$WORK"/dest-* "$WORK"/spool-*)
[[ -z $hits ]] || fail "secrets found: $(head -n 10 <<<"$hits")"
pass "no secret in any of $files files ($(ls "$OUT" | wc -l) outputs, $objects S3 objects, destinations and spools), in any of the forms searched"
