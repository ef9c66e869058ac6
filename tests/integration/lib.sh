# shellcheck shell=bash
# Shared helpers for the integration tests (sourced). Each test gets a clean work directory,
# PostgreSQL through the PG* variables, and the pgexport binary in $PGEXPORT_BIN.
set -euo pipefail

: "${PGEXPORT_SOURCE_DIR:?run through ctest (scripts/test.sh)}"
PGEXPORT_BIN=${PGEXPORT_BIN:-$PGEXPORT_SOURCE_DIR/build/pgexport}
WORK=${PGEXPORT_TEST_WORK:-$(mktemp -d)}
rm -rf "$WORK"
mkdir -p "$WORK"
SAMPLE_DB=pgexport_sample
# Exports are loaded back into schema `roundtrip` of the database they came from; a leftover
# from an earlier run must not be exported itself.
if psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
  psql -d "$SAMPLE_DB" -qc 'DROP SCHEMA IF EXISTS roundtrip CASCADE' >/dev/null 2>&1 || true
fi
export PGEXPORT_LOG_LEVEL=${PGEXPORT_LOG_LEVEL:-warn}
# The tests read text log lines (key=value); without a terminal the default would be JSON.
# Tests of the JSON form and of the automatic choice say so themselves.
export PGEXPORT_LOG_FORMAT=${PGEXPORT_LOG_FORMAT:-text}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# Only for what the host itself cannot do (e.g. no mount namespaces in this container): a
# missing server is a failure, never a skip, so a green run means every test ran.
# scripts/test.sh names the tests that may skip this way and fails on any other skip.
skip_host_lacks() { echo "SKIP: this host cannot run the test: $*"; exit 77; }

need_postgres() {
  psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 ||
    fail "no PostgreSQL reachable through PGHOST/PGPORT (scripts/test.sh starts one)"
}

# The Parquet readers of tests/node (DuckDB, parquet-wasm, hyparquet): sets node_dir and exports
# PGEXPORT_NODE_DIR for tests/tools/compare_parquet.py.
need_parquet_readers() {
  node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
  [[ -d $node_dir/node_modules ]] ||
    fail "no $node_dir/node_modules: the Parquet readers are not installed (npm ci in tests/node)"
  export PGEXPORT_NODE_DIR=$node_dir
}

# For tests whose subject is the database session itself: without a server they fail.
require_postgres() {
  psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 ||
    fail "no PostgreSQL reachable through PGHOST/PGPORT (scripts/test.sh starts one)"
  [[ $(psql -d postgres -Atqc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user') == t ]] ||
    fail "the test creates roles and policies: connect as a superuser (PGUSER)"
}

# Rows in the CSV files of one table of a run (header lines excluded).
csv_rows() { # $1 = destination directory, $2 = manifest path, $3 = table name
  local root=$1 manifest=$2 key total=0 lines
  while read -r key; do
    lines=$($(decompress_command "$key") "$root/$key" | tail -n +2 | wc -l)
    total=$((total + lines))
  done < <(jq -r --arg t "$3" '.tables[] | select(.name == $t) | .files[].key' "$manifest")
  echo "$total"
}

# A psql session on database $1 that runs what session_send writes, so a test can hold a
# transaction open while it starts an export; sets SESSION_PID. session_end closes its input
# and waits for it.
session_start() {
  rm -f "$WORK/session.in"
  mkfifo "$WORK/session.in"
  psql -X -d "$1" -v ON_ERROR_STOP=1 -Atq <"$WORK/session.in" >"$WORK/session.out" 2>&1 &
  SESSION_PID=$!
  exec 3>"$WORK/session.in"
}
session_send() { echo "$*" >&3; }
# Stops background processes that may have ended already (for EXIT traps).
stop_processes() {
  local pid
  for pid in "$@"; do [[ -z $pid ]] || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
session_end() {
  exec 3>&-
  wait "$SESSION_PID" || fail "the session failed: $(cat "$WORK/session.out")"
}

# wait_until DATABASE DESCRIPTION SQL: polls until SQL returns t, at most 60 s (a loaded
# machine), failing early if the session of session_start has ended.
wait_until() {
  local i
  for i in $(seq 1 600); do
    [[ $(sql "$1" -c "$3") == t ]] && return 0
    if [[ -n ${SESSION_PID:-} ]] && ! kill -0 "$SESSION_PID" 2>/dev/null; then
      fail "the session ended early: $(cat "$WORK/session.out")"
    fi
    sleep 0.1
  done
  fail "timed out waiting until $2"
}

# SQL that is true once an export's coordinator waits for a lock on relation $1.
export_waits_for_lock() {
  echo "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                       WHERE l.relation = '$1'::regclass AND NOT l.granted
                         AND a.application_name LIKE 'pgexport % coordinator')"
}

need_s3() {
  [[ -n ${PGEXPORT_TEST_S3_ENDPOINT:-} && -n ${PGEXPORT_TEST_BUCKET:-} ]] ||
    fail "no S3 server (PGEXPORT_TEST_S3_ENDPOINT/PGEXPORT_TEST_BUCKET; scripts/test.sh starts one)"
}

# A new, empty database named $1.
# Replication slots left by an earlier, failed run would keep the database from being dropped.
fresh_database() {
  psql -X -d postgres -qAtc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$1' AND NOT active" >/dev/null
  psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}

sql() { local db=$1; shift; psql -X -d "$db" -v ON_ERROR_STOP=1 -Atq "$@"; }

# The decompressor for a file name.
decompress_command() {
  case $1 in
    *.zst) echo "zstd -dcq" ;;
    *.gz) echo "gzip -dc" ;;
    *) echo "cat" ;;
  esac
}

# Replaces the random attempt token in keys (runs/<id>/data-<token>/...) by a fixed word, so
# two exports of the same data compare equal.
without_attempt() { sed -E 's#/data-[0-9a-f]{12}/#/data-ATTEMPT/#g'; }

# Checks that every file the manifest lists exists with its recorded size and SHA-256, and
# prints nothing on success.
verify_manifest_objects() { # $1 = destination directory, $2 = manifest path
  local root=$1 manifest=$2 key bytes sha
  while IFS=$'\t' read -r key bytes sha; do
    [[ -f $root/$key ]] || fail "manifest lists $key but the file is missing"
    [[ $(stat -c %s "$root/$key") == "$bytes" ]] || fail "size of $key differs from the manifest"
    [[ $(sha256sum "$root/$key" | cut -d' ' -f1) == "$sha" ]] || fail "sha256 of $key differs"
  done < <(jq -r '.tables[].files[] | [.key, .bytes, .sha256] | @tsv' "$manifest")
}

# Loads every CSV file of a run back into PostgreSQL (COPY FROM, into copies of the source
# tables in schema `roundtrip`) and compares each table with its source in both directions
# with EXCEPT ALL over the whole row's text, which covers types without an equality operator
# (point, json, xml) too. Also checks the manifest's row counts against the loaded rows.
# $4, when given, is the COPY option list of the files' dialect (default: PostgreSQL's CSV
# with a header row).
verify_csv_roundtrip() { # $1 = database, $2 = destination directory, $3 = manifest path[, $4]
  local db=$1 root=$2 manifest=$3 count=0 options=${4:-FORMAT csv, HEADER true}
  sql "$db" -c "DROP SCHEMA IF EXISTS roundtrip CASCADE" -c "CREATE SCHEMA roundtrip"
  while IFS=$'\t' read -r index schema name kind rows; do
    local copy="roundtrip.t$index" source only=""
    source=$(sql "$db" -v s="$schema" -v n="$name" <<<"SELECT format('%I.%I', :'s', :'n')")
    [[ $kind == table ]] && only="ONLY"
    sql "$db" -c "CREATE TABLE $copy (LIKE $source)"
    while read -r key; do
      # Through a link, since a key may hold spaces and quotes (the DMS layout keeps names).
      ln -sfn "$root/$key" "$WORK/copy-source"
      sql "$db" -c "\\copy $copy FROM PROGRAM '$(decompress_command "$key") < $WORK/copy-source' ($options)"
    done < <(jq -r ".tables[$index].files[].key" "$manifest")
    local loaded missing extra
    loaded=$(sql "$db" -c "SELECT count(*) FROM $copy")
    [[ $loaded == "$rows" ]] || fail "$schema.$name: manifest says $rows rows, files hold $loaded"
    missing=$(sql "$db" -c "SELECT count(*) FROM (SELECT t::text FROM $only $source t EXCEPT ALL SELECT t::text FROM $copy t) d")
    extra=$(sql "$db" -c "SELECT count(*) FROM (SELECT t::text FROM $copy t EXCEPT ALL SELECT t::text FROM $only $source t) d")
    [[ $missing == 0 && $extra == 0 ]] ||
      fail "$schema.$name: $missing source rows missing from the export, $extra rows not in the source"
    count=$((count + 1))
  done < <(jq -r '.tables | to_entries[] | [.key, .value.schema, .value.name, .value.kind, .value.rows] | @tsv' "$manifest")
  echo "$count"
}

# Parses every JSON Lines file of a run with PostgreSQL's JSON parser, rebuilds each row with
# json_populate_record() and compares with the source (tests/sql/jsonl_check.sql).
verify_jsonl_roundtrip() { # $1 = database, $2 = destination directory, $3 = manifest path
  local db=$1 root=$2 manifest=$3 count=0
  sql "$db" -f "$PGEXPORT_SOURCE_DIR/tests/sql/jsonl_check.sql" >/dev/null
  sql "$db" -c "DROP SCHEMA IF EXISTS roundtrip CASCADE" -c "CREATE SCHEMA roundtrip"
  while IFS=$'\t' read -r index schema name kind rows; do
    local lines="roundtrip.lines$index" source only=false result
    source=$(sql "$db" -v s="$schema" -v n="$name" <<<"SELECT format('%I.%I', :'s', :'n')")
    [[ $kind == table ]] && only=true
    sql "$db" -c "CREATE TABLE $lines (line json NOT NULL)"
    while read -r key; do
      # CSV mode with quote and delimiter bytes that JSON never contains raw: one line, one value.
      sql "$db" -c "\\copy $lines FROM PROGRAM '$(decompress_command "$key") $root/$key' (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    done < <(jq -r ".tables[$index].files[].key" "$manifest")
    sql "$db" -c "UPDATE $lines SET line = jsonl_check.without_nul_escape(line::text)::json"
    result=$(sql "$db" -F ' ' -c "SELECT missing, extra, line_count FROM jsonl_check.compare('$source', '$lines', $only)")
    read -r missing extra line_count <<<"$result"
    [[ $line_count == "$rows" ]] || fail "$schema.$name: manifest says $rows rows, files hold $line_count lines"
    [[ $missing == 0 && $extra == 0 ]] ||
      fail "$schema.$name: $missing source rows missing from the JSON lines, $extra lines not in the source"
    count=$((count + 1))
  done < <(jq -r '.tables | to_entries[] | [.key, .value.schema, .value.name, .value.kind, .value.rows] | @tsv' "$manifest")
  echo "$count"
}

# Debian's aws ignores AWS_ENDPOINT_URL; always name the endpoint.
aws_s3() { aws --endpoint-url "$PGEXPORT_TEST_S3_ENDPOINT" "$@"; }

# Unfinished multipart uploads under a prefix of the test bucket (JSON list, [] when none).
# awscli v2 prints nothing at all for an empty listing (v1 prints an object without
# "Uploads"), so read the output slurped: no document and no "Uploads" both mean none.
pending_uploads() {
  local listing
  listing=$(aws_s3 s3api list-multipart-uploads --bucket "$PGEXPORT_TEST_BUCKET" --prefix "$1" \
    --output json) || fail "aws s3api list-multipart-uploads failed for prefix $1"
  jq -cs '[.[0].Uploads // [] | .[].Key]' <<<"$listing"
}

# A database with one table large enough for multipart uploads: $2 rows of ~100 bytes of
# incompressible-looking text.
make_big_table_database() { # $1 = database, $2 = rows
  fresh_database "$1"
  sql "$1" -c "CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL)" \
    -c "INSERT INTO big SELECT i, md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) FROM generate_series(1, $2) i" \
    -c "CREATE TABLE small (id int, note text)" -c "INSERT INTO small VALUES (1, 'a'), (2, NULL)"
}

# Starts tests/tools/fault_proxy.py in front of the S3 server; sets PROXY_PID and PROXY_URL.
start_fault_proxy() { # extra arguments go to the proxy, e.g. --rate 0.1
  rm -f "$WORK/proxy.port"
  python3 "$PGEXPORT_SOURCE_DIR/tests/tools/fault_proxy.py" --upstream "$PGEXPORT_TEST_S3_ENDPOINT" \
    --port-file "$WORK/proxy.port" --stats-file "$WORK/proxy.stats" --lifetime 900 "$@" &
  PROXY_PID=$!
  for _ in $(seq 1 50); do [[ -s $WORK/proxy.port ]] && break; sleep 0.1; done
  [[ -s $WORK/proxy.port ]] || fail "the fault proxy did not start"
  PROXY_URL=http://127.0.0.1:$(cat "$WORK/proxy.port")
}
stop_fault_proxy() { [[ -n ${PROXY_PID:-} ]] && kill "$PROXY_PID" 2>/dev/null; wait "${PROXY_PID:-}" 2>/dev/null || true; PROXY_PID=; }

# Fails when a secret value of the test's credentials appears in any of the given files.
assert_no_secrets() {
  local file
  for file in "$@"; do
    if grep -qF -- "$AWS_SECRET_ACCESS_KEY" "$file" ||
       { [[ -n ${AWS_SESSION_TOKEN:-} ]] && grep -qF -- "$AWS_SESSION_TOKEN" "$file"; }; then
      fail "a secret appeared in $file"
    fi
  done
}

# Starts the Lambda Runtime API stand-in (tests/tools/lambda_runtime_api.mjs) with the scripted
# invocations of $1, recording the answers in $2; sets API_PID and API_ADDRESS (host:port).
start_lambda_runtime_api() { # $1 = queue file, $2 = answers file
  rm -f "$WORK/api.port"
  node "$PGEXPORT_SOURCE_DIR/tests/tools/lambda_runtime_api.mjs" --queue "$1" \
    --port-file "$WORK/api.port" --record "$2" --lifetime 600 &
  API_PID=$!
  for _ in $(seq 1 100); do [[ -s $WORK/api.port ]] && break; sleep 0.1; done
  [[ -s $WORK/api.port ]] || fail "the Runtime API stand-in did not start"
  API_ADDRESS=127.0.0.1:$(cat "$WORK/api.port")
}

# How many objects exist under an s3:// URL prefix (aws s3 ls exits 1 when there are none).
count_objects() { { aws_s3 s3 ls --recursive "$1" || true; } | wc -l; }
