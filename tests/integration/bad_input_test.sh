#!/usr/bin/env bash
# Bad input gets one clear line on stderr, the documented exit code, and no manifest.
source "$(dirname "$0")/lib.sh"
need_postgres
export PGDATABASE=$SAMPLE_DB

# expect CODE PATTERN ARGS... : runs an export, checks exit code, one-line error, no manifest.
expect() {
  local code=$1 pattern=$2; shift 2
  local dest=$WORK/dest-$RANDOM status=0 run_id=(--run-id bad)
  [[ " $* " == *" --run-id "* ]] && run_id=()
  "$PGEXPORT_BIN" export --destination "$dest" "${run_id[@]}" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || status=$?
  [[ $status == "$code" ]] || { cat "$WORK/stderr"; fail "exit $status, expected $code for: $*"; }
  local lines
  lines=$(grep -vc '^$' "$WORK/stderr" || true)
  [[ $lines == 1 ]] || { cat "$WORK/stderr"; fail "expected one line on stderr for: $*, got $lines"; }
  grep -qE -- "$pattern" "$WORK/stderr" || { cat "$WORK/stderr"; fail "message does not match '$pattern' for: $*"; }
  [[ -z $(find "$dest" -name '_manifest.json' 2>/dev/null) ]] || fail "a manifest was written for: $*"
  [[ -z $(find "$dest" -type f -path '*/runs/*' 2>/dev/null) ]] || fail "data files were left behind for: $*"
  pass "exit $code: $(head -c 150 "$WORK/stderr" | cut -d' ' -f3-)"
}

expect 3 "cannot connect to the database" --source "host=127.0.0.1 port=1 connect_timeout=3"
# The local cluster checks passwords for this one role (scripts/pg-local.sh); a role that may
# not log in at all must be reported the same way.
sql postgres -c "DROP ROLE IF EXISTS pgexport_password_check" \
  -c "CREATE ROLE pgexport_password_check LOGIN PASSWORD 'the-right-one'"
expect 4 "password authentication failed" --source "user=pgexport_password_check password=wrong-secret-value"
grep -q "wrong-secret-value" "$WORK/stderr" && fail "the password appeared in the error message"
sql postgres -c "DROP ROLE IF EXISTS pgexport_nologin" -c "CREATE ROLE pgexport_nologin NOLOGIN"
expect 4 "not permitted to log in" --source "user=pgexport_nologin"
expect 5 "matches no table" --include 'no_such_schema.*'
expect 2 "must be one of csv, jsonl, parquet" --format xml
expect 2 "must be one of" --compression brotli
expect 2 "must be a size" --chunk-size lots
expect 2 "must be between 1 and 64" --jobs 0
expect 2 "snappy applies to parquet only" --compression snappy
mkdir -p "$WORK/file-not-dir" && touch "$WORK/file-not-dir/plain-file"
status=0
"$PGEXPORT_BIN" export --destination "$WORK/file-not-dir/plain-file/sub" >/dev/null 2>"$WORK/stderr" || status=$?
[[ $status == 6 ]] || fail "unwritable destination: exit $status, expected 6"
grep -q "choose a writable --destination" "$WORK/stderr" || fail "unwritable destination message unclear"
pass "exit 6: unwritable destination"

# A second run with an existing id is refused and leaves the first run untouched.
dest=$WORK/dest-existing
"$PGEXPORT_BIN" export --destination "$dest" --run-id twice --include 'zoo.*' >/dev/null
before=$(sha256sum "$dest/runs/twice/_manifest.json")
status=0
"$PGEXPORT_BIN" export --destination "$dest" --run-id twice --include 'zoo.*' >/dev/null 2>"$WORK/stderr" || status=$?
[[ $status == 7 ]] || fail "existing run id: exit $status, expected 7"
grep -q "already holds run 'twice'" "$WORK/stderr" || fail "existing run message unclear"
[[ $(sha256sum "$dest/runs/twice/_manifest.json") == "$before" ]] || fail "the first run was changed"
pass "exit 7: run id already present, first run untouched"

expect 2 "run id .* is not valid" --run-id '../escape'
