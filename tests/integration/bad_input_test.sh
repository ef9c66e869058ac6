#!/usr/bin/env bash
# Bad input gets one clear line on stderr, the documented exit code, and no manifest.
source "$(dirname "$0")/lib.sh"
need_postgres
export PGDATABASE=$SAMPLE_DB

# expect CODE PATTERN ARGS... : runs an export, checks exit code, one-line error, no manifest.
# Unless ARGS name a --destination, the export writes to a fresh directory under $WORK.
expect() {
  local code=$1 pattern=$2; shift 2
  local dest=$WORK/dest-$RANDOM status=0 run_id=(--run-id bad) destination=()
  [[ " $* " == *" --run-id "* ]] && run_id=()
  [[ " $* " == *" --destination "* ]] || destination=(--destination "$dest")
  (cd "$WORK" && "$PGEXPORT_BIN" export "${destination[@]}" "${run_id[@]}" "$@") \
    >"$WORK/stdout" 2>"$WORK/stderr" || status=$?
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
expect 2 "must be at least 8KiB, not '0'" --chunk-size 0
expect 2 "must be at least 5MiB" --part-size 1MiB
expect 2 "compression-level .* must be between -7 and 22, not 99" --compression-level 99
expect 2 "'5parsecs' is not a duration" --progress-interval 5parsecs
# A limit that cannot hold the jobs' writers (here eight zstd level 19 contexts of about 90 MiB)
# is refused before anything is read, with a limit that would do.
expect 2 "memory-limit 512MiB cannot hold 8 writers .* raise --memory-limit to at least [0-9]+MiB" \
  --jobs 8 --compression-level 19 --memory-limit 512MiB
expect 2 "memory-limit 16MiB cannot hold 4 writers" --format parquet --jobs 4 --memory-limit 16MiB
expect 2 "must be a whole number" --lock-timeout soon
expect 2 "not expected: --frobnicate" --frobnicate
expect 2 "must be one of portable, exact" --parquet-profile fast
expect 2 "--table-format delta and --layout dms each decide where the files go" --layout dms \
  --table-format delta --format parquet
# Malformed destinations and connection strings are usage errors, found before any work.
expect 2 "is not an S3 URL: write s3://bucket/prefix" --destination 's3:/bucket/prefix'
expect 2 "is not an S3 URL" --destination 'S3://bucket/prefix'
[[ ! -e $WORK/s3: && ! -e $WORK/S3: ]] || fail "a mistyped s3 URL made a local directory"
expect 2 "neither a directory nor an s3://bucket/prefix URL" --destination 'ftp://host/path'
expect 2 "is not a valid bucket name" --destination 's3:///prefix'
# libpq's own message would quote the text around the mistake: here, the password.
expect 2 "is not a valid connection string" --source "host='unterminated password=hunter2-secret"
grep -q hunter2 "$WORK/stderr" && fail "the malformed connection string's password was printed"
expect 2 "is not a valid connection string" --source "postgresql://user@[::1:5432/db"
expect 2 "is not a valid connection string" --source "dbname"
# A database that does not exist is a configuration mistake, not a refused login.
expect 2 "database named by the connection does not exist on the server.*check dbname" \
  --source "dbname=no_such_database_$$"
expect 4 "role .* does not exist" --source "user=no_such_role_$$"
printf 'pw\n' >"$WORK/password"; chmod 600 "$WORK/password"
expect 2 "--rds-iam logs in with a token .* give one of them" --rds-iam --password-file "$WORK/password"
expect 2 "holds a password and --password-file" --source "password=pw" --password-file "$WORK/password"
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

# The destination is a plain file.
expect 6 "Not a directory \(choose a writable --destination\)" --destination "$WORK/file-not-dir/plain-file"

# An --exclude pattern that matches nothing is a warning (a dropped table must not fail a
# nightly run), said once; the run goes on.
"$PGEXPORT_BIN" export --destination "$WORK/dest-exclude" --include 'zoo.*' \
  --exclude 'zoo.no_such_table' >/dev/null 2>"$WORK/stderr" || fail "an unmatched --exclude failed the run"
[[ $(grep -c "exclude pattern matches no table.*pattern=zoo.no_such_table" "$WORK/stderr") == 1 ]] ||
  fail "expected one warning for the unmatched --exclude: $(cat "$WORK/stderr")"
[[ -n $(find "$WORK/dest-exclude" -name _manifest.json) ]] || fail "no manifest after the unmatched --exclude"
pass "an --exclude matching nothing: one warning, the run committed"

# Names with quotes, dots, slashes, spaces and non-ASCII letters in schemas, tables and columns
# export in every format and read back: PostgreSQL itself loads the CSV back row for row.
db=pgexport_odd_names
fresh_database "$db"
sql "$db" <<'SQL'
CREATE SCHEMA "My ""Odd"" Schema";
CREATE TABLE "My ""Odd"" Schema"."we""ird.name sp" (id int PRIMARY KEY, "col ""q"" ." text, "ünï" text);
INSERT INTO "My ""Odd"" Schema"."we""ird.name sp" SELECT g, 'v' || g, 'ü' || g FROM generate_series(1, 50) g;
CREATE TABLE public."naïve/слово" (id int, "日本" text);
INSERT INTO public."naïve/слово" SELECT g, '値' || g FROM generate_series(1, 7) g;
CREATE TABLE public."a.b" (id int);
INSERT INTO public."a.b" VALUES (3);
SQL
for format in csv jsonl parquet; do
  "$PGEXPORT_BIN" export --source "dbname=$db" --destination "$WORK/odd-$format" --run-id odd \
    --format "$format" >/dev/null 2>"$WORK/odd.err" || { cat "$WORK/odd.err"; fail "odd names, $format: export failed"; }
  "$PGEXPORT_BIN" verify --destination "$WORK/odd-$format" --run-id odd >/dev/null 2>&1 ||
    fail "odd names, $format: verify failed"
  names=$(jq -r '[.tables[] | .schema + "." + .name] | sort | join("|")' "$WORK/odd-$format/runs/odd/_manifest.json")
  [[ $names == 'My "Odd" Schema.we"ird.name sp|public.a.b|public.naïve/слово' ]] ||
    fail "odd names, $format: the manifest names $names"
done
manifest=$(find "$WORK/odd-csv" -name _manifest.json)
while IFS=$'\t' read -r schema table; do
  qualified="\"${schema//\"/\"\"}\".\"${table//\"/\"\"}\""
  file=$(jq -r --arg s "$schema" --arg t "$table" \
    '.tables[] | select(.schema == $s and .name == $t) | .files[0].key' "$manifest")
  sql "$db" -c "CREATE TEMP TABLE back (LIKE $qualified); COPY back FROM PROGRAM 'zstd -dc \"$WORK/odd-csv/$file\"' (FORMAT csv, HEADER true); SELECT count(*) FROM ((TABLE back EXCEPT ALL TABLE $qualified) UNION ALL (TABLE $qualified EXCEPT ALL TABLE back)) d" >"$WORK/diff" ||
    fail "odd names: loading $qualified back failed"
  [[ $(tail -1 "$WORK/diff") == 0 ]] || fail "odd names: $qualified differs after loading it back"
done < <(jq -r '.tables[] | [.schema, .name] | @tsv' "$manifest")
pass "names with quotes, dots, slashes, spaces and non-ASCII letters: every format exports and verifies, CSV loads back equal"
