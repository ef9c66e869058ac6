#!/usr/bin/env bash
# --password-file: the password of a mounted secret reaches every database session of a
# command (export's coordinator and workers, cdc init's slot, cdc run's replication stream,
# cdc status, cdc drop), against a server that really checks it; bad files are one clear usage
# error naming the path; the password is never printed, whatever the log level.
source "$(dirname "$0")/lib.sh"
require_postgres

# The local cluster checks passwords (scram-sha-256) for this one role only, on ordinary and
# replication connections (scripts/pg-local.sh). A password that needs quoting everywhere.
ROLE=pgexport_password_check
DB=pgexport_password_file
PASSWORD="pw with 'quote', \\backslash and spaces"
cleanup_database() {
  psql -X -d postgres -qAtc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$DB' AND NOT active" >/dev/null 2>&1 || true
  psql -X -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup_database EXIT
cleanup_database
sql postgres -c "DROP ROLE IF EXISTS $ROLE" \
  -c "CREATE ROLE $ROLE LOGIN REPLICATION PASSWORD \$pw\$$PASSWORD\$pw\$" \
  -c "CREATE DATABASE $DB OWNER $ROLE"
sql "$DB" -c "SET ROLE $ROLE" -c "CREATE TABLE items (id int PRIMARY KEY, name text)" \
  -c "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g"
unset PGPASSWORD PGPASSFILE
printf '%s\n' "$PASSWORD" >"$WORK/password"
chmod 400 "$WORK/password"

# run NAME ARGS...: runs pgexport as the role with ARGS, keeping stdout/stderr in
# $WORK/NAME.{out,err}; sets STATUS. (psql in this test stays the superuser.)
run() {
  local name=$1; shift
  STATUS=0
  PGUSER=$ROLE PGDATABASE=$DB "$PGEXPORT_BIN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}
never_printed() {
  ! grep -rqF -e "$PASSWORD" -e "backslash and spaces" "$WORK"/*.out "$WORK"/*.err ||
    fail "the password appeared in pgexport's output"
}

# The precondition that makes the rest mean something: without a password the server refuses.
run nopassword export --destination "$WORK/none" --run-id r1
[[ $STATUS == 4 ]] || { cat "$WORK/nopassword.err"; fail "without a password: exit $STATUS, expected 4"; }
pass "the server checks the role's password (exit 4 without one)"

run export export --destination "$WORK/dest" --run-id r1 --jobs 2 --password-file "$WORK/password" --log-level debug
[[ $STATUS == 0 ]] || { cat "$WORK/export.err"; fail "export with --password-file: exit $STATUS"; }
[[ $(jq -r '.tables[0].rows' "$WORK/dest/runs/r1/_manifest.json") == 100 ]] || fail "the export does not hold the 100 rows"
pass "export logs in with --password-file (coordinator and 2 workers)"

# The environment variable, and a wrong PGPASSWORD that must not be used (with a warning).
PGPASSWORD=wrong-one PGEXPORT_PASSWORD_FILE=$WORK/password run env export --destination "$WORK/dest" --run-id r2
[[ $STATUS == 0 ]] || { cat "$WORK/env.err"; fail "PGEXPORT_PASSWORD_FILE with a wrong PGPASSWORD: exit $STATUS"; }
grep -q "PGPASSWORD is set but not used" "$WORK/env.err" || fail "no warning that PGPASSWORD is ignored"
grep -q "wrong-one" "$WORK/env.err" && fail "PGPASSWORD's value was printed"
pass "PGEXPORT_PASSWORD_FILE wins over PGPASSWORD, and says so"

printf 'not-the-password\n' >"$WORK/wrong"
run wrong export --destination "$WORK/dest-wrong" --run-id r1 --password-file "$WORK/wrong"
[[ $STATUS == 4 ]] || fail "a wrong password in the file: exit $STATUS, expected 4"
grep -q "not-the-password" "$WORK/wrong.err" && fail "the wrong password was printed"
pass "a wrong password in the file is exit 4, not printed"

# Bad files and conflicts: exit 2, one line naming the path, nothing written.
: >"$WORK/empty"
printf 'first\nsecond\n' >"$WORK/two-lines"
expect_usage() { # NAME PATTERN ARGS...
  local name=$1 pattern=$2; shift 2
  run "$name" export --destination "$WORK/dest-$name" --run-id r1 "$@"
  [[ $STATUS == 2 ]] || { cat "$WORK/$name.err"; fail "$name: exit $STATUS, expected 2"; }
  [[ $(grep -vc '^$' "$WORK/$name.err") == 1 ]] || { cat "$WORK/$name.err"; fail "$name: not one line"; }
  grep -qF -- "$pattern" "$WORK/$name.err" || { cat "$WORK/$name.err"; fail "$name: message lacks '$pattern'"; }
  [[ ! -e $WORK/dest-$name ]] || fail "$name: the destination was created"
  pass "$name: exit 2, $(cut -d' ' -f3- "$WORK/$name.err" | head -c 140)"
}
expect_usage missing "$WORK/absent: cannot be read: No such file or directory" --password-file "$WORK/absent"
expect_usage empty "$WORK/empty: is empty" --password-file "$WORK/empty"
expect_usage two-lines "$WORK/two-lines: holds more than one line" --password-file "$WORK/two-lines"
expect_usage directory "$WORK: cannot be read: Is a directory" --password-file "$WORK"
expect_usage both "holds a password and --password-file (or PGEXPORT_PASSWORD_FILE) gives one too" \
  --source "dbname=$DB password=inline-secret" --password-file "$WORK/password"
grep -q "inline-secret" "$WORK/both.err" && fail "the inline password was printed"
if [[ $EUID != 0 ]]; then
  cp "$WORK/password" "$WORK/unreadable" && chmod 000 "$WORK/unreadable"
  expect_usage unreadable "$WORK/unreadable: cannot be read: Permission denied" --password-file "$WORK/unreadable"
fi

# Change capture: cdc init (export + slot over a replication session), cdc run (admin and
# replication sessions), cdc status, cdc drop, all through the file.
run init cdc init --destination "$WORK/cdc" --run-id base --slot pgexport_password --password-file "$WORK/password"
[[ $STATUS == 0 ]] || { cat "$WORK/init.err"; fail "cdc init with --password-file: exit $STATUS"; }
sql "$DB" -c "INSERT INTO items VALUES (101, 'after init')"
run cdcrun cdc run --destination "$WORK/cdc" --slot pgexport_password --until-caught-up --password-file "$WORK/password" --log-level debug
[[ $STATUS == 0 ]] || { cat "$WORK/cdcrun.err"; fail "cdc run with --password-file: exit $STATUS"; }
grep -q "1 changes" "$WORK/cdcrun.out" || { cat "$WORK/cdcrun.out"; fail "cdc run did not ship the one change"; }
run cdcrun-nopw cdc run --destination "$WORK/cdc" --slot pgexport_password --until-caught-up
[[ $STATUS == 4 ]] || fail "cdc run without a password: exit $STATUS, expected 4"
run status cdc status --destination "$WORK/cdc" --slot pgexport_password --json --password-file "$WORK/password"
[[ $STATUS == 0 && $(jq -r .slot_exists "$WORK/status.out") == true ]] || { cat "$WORK/status.err"; fail "cdc status with --password-file"; }
run drop cdc drop --slot pgexport_password --password-file "$WORK/password"
[[ $STATUS == 0 ]] || { cat "$WORK/drop.err"; fail "cdc drop with --password-file: exit $STATUS"; }
[[ $(sql postgres -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgexport_password'") == 0 ]] ||
  fail "cdc drop left the slot"
pass "cdc init, run, status and drop log in with --password-file"

never_printed
pass "the password appears in no output, debug logs included"
