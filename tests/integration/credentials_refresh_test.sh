#!/usr/bin/env bash
# Temporary credentials that expire mid-run are refreshed, and the run commits. pgexport takes
# its credentials from a stand-in of the ECS container credentials endpoint, which hands out key
# A first and key B afterwards (both real keys of the gateway's test user, made here). The S3
# fault proxy answers the run's manifest PUT once with 400 ExpiredToken, as AWS does for
# temporary credentials past their expiry: pgexport must drop key A, fetch again and retry.
# When the stand-in hands out key B it first deletes key A from the gateway, so every request
# after the refresh must really be signed with B: the run commits only if it is.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
: "${CEPH_S3_CONF:?the ceph.conf of the gateway (scripts/ceph-s3.sh env exports CEPH_S3_CONF)}"
export PGDATABASE=$SAMPLE_DB
prefix=refresh-$$-$RANDOM
admin() { radosgw-admin -c "$CEPH_S3_CONF" "$@" 2>>"$WORK/admin.log"; }
key_a=PGEXREFRESHA$(printf '%08d' $$) key_b=PGEXREFRESHB$(printf '%08d' $$)
secret_a=refreshSecretA$RANDOM$RANDOM$RANDOM secret_b=refreshSecretB$RANDOM$RANDOM$RANDOM
for pair in "$key_a:$secret_a" "$key_b:$secret_b"; do
  admin key create --uid=pgexport-test --key-type=s3 --access-key="${pair%%:*}" \
    --secret-key="${pair#*:}" >/dev/null || fail "radosgw-admin key create failed: $(cat "$WORK/admin.log")"
done
has_key() { admin user info --uid=pgexport-test | jq -e --arg k "$1" '[.keys[].access_key] | index($k) != null' >/dev/null; }
has_key "$key_a" && has_key "$key_b" || fail "the test keys were not created"
cleanup_keys() {
  admin key rm --uid=pgexport-test --key-type=s3 --access-key="$key_a" >/dev/null || true
  admin key rm --uid=pgexport-test --key-type=s3 --access-key="$key_b" >/dev/null || true
}

expires=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
jq -n --arg a "$key_a" --arg sa "$secret_a" --arg b "$key_b" --arg sb "$secret_b" --arg e "$expires" \
  '[{AccessKeyId: $a, SecretAccessKey: $sa, Expiration: $e},
    {AccessKeyId: $b, SecretAccessKey: $sb, Expiration: $e}]' >"$WORK/credentials.json"
python3 "$PGEXPORT_SOURCE_DIR/tests/tools/credentials_endpoint.py" --credentials "$WORK/credentials.json" \
  --before-switch "radosgw-admin -c '$CEPH_S3_CONF' key rm --uid=pgexport-test --key-type=s3 --access-key=$key_a >/dev/null" \
  --port-file "$WORK/credentials.port" --stats-file "$WORK/credentials.stats" &
ENDPOINT_PID=$!
trap 'kill $ENDPOINT_PID 2>/dev/null; stop_fault_proxy; cleanup_keys' EXIT
for _ in $(seq 1 50); do [[ -s $WORK/credentials.port ]] && break; sleep 0.1; done
[[ -s $WORK/credentials.port ]] || fail "the credentials endpoint did not start"
start_fault_proxy --faults expired --rate 1 --fault-limit 1 --match 'PUT .*/_manifest\.json'

# Only the endpoint may provide credentials: no keys in the environment, no profile files.
status=0
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent \
  AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$(cat "$WORK/credentials.port")/v2/credentials" \
  PGEXPORT_LOG_LEVEL=info "$PGEXPORT_BIN" export --run-id refresh --jobs 2 \
  --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" --s3-endpoint "$PROXY_URL" --s3-path-style \
  >"$WORK/export.out" 2>"$WORK/export.err" || status=$?
stop_fault_proxy
[[ $status == 0 ]] || { tail -5 "$WORK/export.err"; fail "the export with credentials expiring mid-run failed (exit $status)"; }
[[ $(jq .expired "$WORK/proxy.stats") == 1 ]] || fail "the proxy did not answer ExpiredToken once: $(cat "$WORK/proxy.stats")"
[[ $(jq .fetches "$WORK/credentials.stats") == 2 ]] ||
  fail "expected 2 credential fetches (first, then the refresh), got $(cat "$WORK/credentials.stats")"
loaded=$(grep -c 'credentials loaded' "$WORK/export.err" || true)
[[ $loaded == 2 ]] || fail "expected the credentials to be loaded twice, logged $loaded times"
grep -q "credentials loaded.*${key_b:0:4}…${key_b: -4}" "$WORK/export.err" || fail "the refresh did not load key B"
# Key A is gone from the gateway: nothing signed with it can have been accepted after the
# refresh, so the manifest and latest.json were written with key B.
has_key "$key_a" && fail "key A was not deleted at the refresh, so the test would prove nothing"
AWS_ACCESS_KEY_ID=$key_a AWS_SECRET_ACCESS_KEY=$secret_a aws_s3 s3 ls "s3://$PGEXPORT_TEST_BUCKET/$prefix/" \
  >/dev/null 2>&1 && fail "key A still works after it was deleted"
"$PGEXPORT_BIN" verify --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" --run-id refresh >/dev/null ||
  fail "verify of the refreshed run failed"
for file in "$WORK/export.out" "$WORK/export.err"; do
  grep -qF -e "$secret_a" -e "$secret_b" "$file" && fail "a secret key appeared in $file"
done
pass "credentials expired mid-run (ExpiredToken on the manifest): refreshed from the endpoint, the manifest written with the new key after the old one was deleted, the run verified"
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null
