#!/usr/bin/env bash
# TLS is verified by default, to PostgreSQL and to S3. A certificate authority made here signs
# a certificate for "localhost"; a second, throwaway PostgreSQL serves it on 127.0.0.1 (TLS
# only), and the S3 fault proxy serves it in front of the RADOS Gateway (as a load balancer
# would). With the right CA and host name both exports commit; a wrong host name, a missing or
# wrong CA fail with one line saying what to give; sslmode below verify-full works but is warned
# about on every run; S3 has no switch that turns the check off.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
command -v openssl >/dev/null || fail "openssl is not installed (scripts/install-deps.sh installs it)"
certs=$WORK/certs
mkdir -p "$certs"
(
  cd "$certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=pgexport test CA"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 -subj "/CN=another CA"
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
  printf 'subjectAltName=DNS:localhost\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext
) >"$WORK/openssl.log" 2>&1 || fail "making the test certificates failed: $(tail -3 "$WORK/openssl.log")"
chmod 644 "$certs"/*.crt "$certs"/server.key
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- PostgreSQL ------------------------------------------------------------------------------
# Its own cluster, in a directory the postgres user can reach, stopped again on exit.
pg_dir=$(mktemp -d /tmp/pgexport-tls.XXXXXX)
chmod 755 "$pg_dir"
pg_port=$(free_port)
tls_pg() { PGEXPORT_LOCAL_DIR=$pg_dir PGEXPORT_PG_PORT=$pg_port PGEXPORT_PG_TLS_DIR=$certs \
  "$PGEXPORT_SOURCE_DIR/scripts/pg-local.sh" "$@"; }
trap 'tls_pg stop >/dev/null 2>&1; rm -rf "$pg_dir"; stop_fault_proxy' EXIT
tls_pg start >"$WORK/tls-pg.log" 2>&1 || fail "the TLS PostgreSQL did not start: $(tail -3 "$WORK/tls-pg.log")"
psql -X -q "host=localhost hostaddr=127.0.0.1 port=$pg_port dbname=postgres user=postgres sslmode=verify-full sslrootcert=$certs/ca.crt" \
  -c "CREATE TABLE shipments (id int PRIMARY KEY, note text)" \
  -c "INSERT INTO shipments SELECT g, 'n' || g FROM generate_series(1, 100) g" ||
  fail "psql could not reach the TLS PostgreSQL with verify-full"
# Without TLS the server refuses: the hba file has hostssl lines only.
psql -X -q "host=localhost hostaddr=127.0.0.1 port=$pg_port dbname=postgres user=postgres sslmode=disable" -c 'SELECT 1' \
  >/dev/null 2>&1 && fail "the TLS PostgreSQL accepted a plain-text session, so the test would prove nothing"

export_pg() { # $1 = name, then --source's text; leaves exit status in $status
  local name=$1 source=$2 dest=$WORK/pg-$1
  status=0
  env -u PGHOST -u PGPORT -u PGSSLMODE "$PGEXPORT_BIN" export --source "$source" --destination "$dest" \
    --run-id "$name" >"$WORK/$name.out" 2>"$WORK/$name.err" || status=$?
}
# hostaddr pins the address (a machine whose "localhost" is ::1 first would otherwise try ::1,
# where nothing listens); host stays the name the certificate is checked against.
base="hostaddr=127.0.0.1 port=$pg_port dbname=postgres user=postgres"
# No sslmode at all: pgexport asks for verify-full itself.
export_pg verified "host=localhost $base sslrootcert=$certs/ca.crt"
[[ $status == 0 ]] || { cat "$WORK/verified.err"; fail "export over verified TLS failed (exit $status)"; }
[[ $(jq '.tables[0].rows' "$WORK/pg-verified/runs/verified/_manifest.json") == 100 ]] || fail "the verified export lost rows"
grep -q 'does not verify' "$WORK/verified.err" && fail "a verified session was warned about"
pass "PostgreSQL over TLS, no sslmode given: verified (verify-full by default), 100 rows exported, no warning"

expect_pg_refused() { # $1 = name, $2 = source, $3 = pattern
  export_pg "$1" "$2"
  [[ $status == 3 ]] || { cat "$WORK/$1.err"; fail "$1: exit $status, expected 3"; }
  [[ $(grep -c ' error ' "$WORK/$1.err") == 1 ]] && tail -1 "$WORK/$1.err" | grep -qE -- "$3" ||
    { cat "$WORK/$1.err"; fail "$1: the message does not match '$3'"; }
  [[ -z $(find "$WORK/pg-$1" -name _manifest.json 2>/dev/null) ]] || fail "$1: a manifest was written"
  pass "PostgreSQL, $1: exit 3, $(tail -1 "$WORK/$1.err" | cut -d' ' -f3- | cut -c1-150)"
}
# The certificate names localhost, not 127.0.0.1.
expect_pg_refused wrong-host "host=127.0.0.1 $base sslrootcert=$certs/ca.crt" \
  'over verified TLS: .*does not match host name "127.0.0.1".*sslrootcert=FILE'
expect_pg_refused wrong-ca "host=localhost $base sslrootcert=$certs/other-ca.crt" \
  'over verified TLS: .*certificate verify failed'
# No CA at all: libpq looks for ~/.postgresql/root.crt, which this HOME does not have.
HOME=$WORK/empty-home expect_pg_refused no-ca "host=localhost $base" \
  'over verified TLS: .*root certificate file .* does not exist'
# Choosing to skip the check works, and says so on every run.
for run in 1 2; do
  export_pg "require-$run" "host=127.0.0.1 $base sslmode=require"
  [[ $status == 0 ]] || { cat "$WORK/require-$run.err"; fail "sslmode=require failed (exit $status)"; }
  grep -q 'TLS to PostgreSQL does not verify the server.*sslmode=require' "$WORK/require-$run.err" ||
    fail "sslmode=require was not warned about in run $run"
done
pass "PostgreSQL, sslmode=require: exports, with a warning on each of 2 runs"

# --- S3 --------------------------------------------------------------------------------------
start_fault_proxy --rate 0 --tls-cert "$certs/server.crt" --tls-key "$certs/server.key"
tls_port=${PROXY_URL##*:}
prefix=tls-$$-$RANDOM
export_s3() { # $1 = name, $2 = endpoint, then more options; leaves $status
  local name=$1 endpoint=$2; shift 2
  status=0
  PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/$name" \
    --s3-endpoint "$endpoint" --s3-path-style --run-id "$name" --include 'zoo.*' "$@" \
    >"$WORK/s3-$name.out" 2>"$WORK/s3-$name.err" || status=$?
}
export_s3 verified "https://localhost:$tls_port" --ca-bundle "$certs/ca.crt"
[[ $status == 0 ]] || { cat "$WORK/s3-verified.err"; fail "export to S3 over TLS with --ca-bundle failed (exit $status)"; }
"$PGEXPORT_BIN" verify --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/verified" --run-id verified \
  --s3-endpoint "https://localhost:$tls_port" --s3-path-style --ca-bundle "$certs/ca.crt" >/dev/null ||
  fail "verify over TLS failed"
pass "S3 over TLS with --ca-bundle: exported and verified"
expect_s3_refused() { # $1 = name, $2 = endpoint, $3 = pattern, then more options
  local name=$1 endpoint=$2 pattern=$3; shift 3
  export_s3 "$name" "$endpoint" "$@"
  [[ $status == 6 ]] || { cat "$WORK/s3-$name.err"; fail "S3 $name: exit $status, expected 6"; }
  tail -1 "$WORK/s3-$name.err" | grep -qiE -- "$pattern" || { cat "$WORK/s3-$name.err"; fail "S3 $name: message does not match '$pattern'"; }
  [[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/$name/") == 0 ]] || fail "S3 $name: objects were written"
  pass "S3, $name: exit 6, $(tail -1 "$WORK/s3-$name.err" | cut -d' ' -f3- | cut -c1-150)"
}
expect_s3_refused no-ca-bundle "https://localhost:$tls_port" 'certificate'
expect_s3_refused wrong-host "https://127.0.0.1:$tls_port" 'certificate|host' --ca-bundle "$certs/ca.crt"
expect_s3_refused wrong-ca "https://localhost:$tls_port" 'certificate' --ca-bundle "$certs/other-ca.crt"
# No option turns the check off.
"$PGEXPORT_BIN" export --help | grep -qiE -- '--(s3-)?(insecure|no-verify|no-verify-ssl|skip-tls)' &&
  fail "an option to skip TLS verification exists"
pass "S3: no option skips certificate verification"
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null
