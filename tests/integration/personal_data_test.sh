#!/usr/bin/env bash
# Personal data: --exclude-columns leaves columns out of every file and of the manifest's
# columns, --hash-columns replaces values by HMAC-SHA-256 hex that equals PostgreSQL's own
# encode(hmac(col::text, key, 'sha256'), 'hex') (pgcrypto) for every row, in CSV, JSON Lines
# and Parquet, to a directory and to S3 (the Ceph RADOS Gateway). The manifest records the rules
# and never the key; a second run gives the same hashes; change data capture applies the same
# rules to its change files (a hashed primary key, a key update's _old_key) and materialize
# still merges; a quoted name may hold a comma; bad patterns and keys are usage errors (exit 2) that publish nothing.
source "$(dirname "$0")/lib.sh"
require_postgres
need_s3
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}

DB=pgexport_personal_data
cleanup() {
  psql -X -d postgres -qAtc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$DB' AND NOT active" >/dev/null 2>&1 || true
  psql -X -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fresh_database "$DB"
export PGDATABASE=$DB
sql "$DB" -c "CREATE EXTENSION pgcrypto" >/dev/null ||
  fail "pgcrypto is not installed in the local cluster (Debian's postgresql-15 ships it)"
sql "$DB" <<'SQL'
CREATE TABLE people (id int PRIMARY KEY, email text, ssn text NOT NULL, born date,
                     active boolean, code character(6), addr inet, note text);
INSERT INTO people VALUES
  (1, 'alice@pii.example', 'SSN-SECRET-0001', '1980-02-03', true, 'ab', '10.1.2.3', 'plain'),
  (2, 'bob@pii.example', 'SSN-SECRET-0002', NULL, false, 'abcdef', '10.9.0.0/16', 'with, "quotes"'),
  (3, NULL, 'SSN-SECRET-0003', '2001-12-31', NULL, NULL, NULL, NULL),
  (4, '', 'SSN-SECRET-0004', '1999-01-01', true, 'x', '::1', E'tab\there\nnewline \\ back'),
  (5, E'q"uote,comma\nline\ttab\\back@pii.example', 'SSN-SECRET-0005', NULL, false, 'z', '::ffff:1.2.3.4', 'ünïcödé');
INSERT INTO people SELECT g, 'user' || g || '@pii.example', 'SSN-SECRET-' || g, NULL, g % 2 = 0, 'c' || g % 7,
                          ('10.0.' || g % 250 || '.1')::inet, 'n' || g FROM generate_series(6, 400) g;
CREATE TABLE orders (id int PRIMARY KEY, person_email text NOT NULL, amount numeric(10, 2));
INSERT INTO orders SELECT g, 'user' || (6 + g % 395) || '@pii.example', g * 1.5 FROM generate_series(1, 200) g;
CREATE TABLE "Weird.Name" (id int PRIMARY KEY, "Mixed, Col" text);
INSERT INTO "Weird.Name" VALUES (1, 'weird-secret-one'), (2, NULL);
SQL
KEY="pii key with 'quote', \\backslash and spaces 0123456789"
printf '%s\n' "$KEY" >"$WORK/key"
chmod 600 "$WORK/key"
RULES=(--exclude-columns public.people.ssn
       --hash-columns '*.*.email' --hash-columns public.orders.person_email
       --hash-columns public.people.active --hash-columns public.people.code
       --hash-columns public.people.addr
       --hash-columns 'public."Weird.Name"."Mixed, Col"'
       --hash-key-file "$WORK/key")

# What each hashed column must hold: PostgreSQL's own HMAC of the cast to text.
expected_people() {
  sql "$DB" -F $'\t' -v key="$KEY" <<'SQL'
SELECT id, coalesce(encode(hmac(email::text, :'key', 'sha256'), 'hex'), 'NULL'),
       coalesce(encode(hmac(active::text, :'key', 'sha256'), 'hex'), 'NULL'),
       coalesce(encode(hmac(code::text, :'key', 'sha256'), 'hex'), 'NULL'),
       coalesce(encode(hmac(addr::text, :'key', 'sha256'), 'hex'), 'NULL')
FROM people ORDER BY id
SQL
}
expected_people >"$WORK/expected_people.tsv"
[[ $(wc -l <"$WORK/expected_people.tsv") == 400 ]] || fail "the expected hashes are not 400 rows"
[[ $(sed -n 1p "$WORK/expected_people.tsv" | cut -f3) == $(printf '%s' true | openssl dgst -sha256 -hmac "$KEY" | sed 's/.*= //') ]] ||
  fail "pgcrypto's hmac of 'true' differs from openssl's: the oracle itself is wrong"

# The people rows (id, email, active, code, addr) as the files of a run hold them, sorted by id;
# NULL as the word NULL.
people_values() { # $1 = format, $2 = root, $3 = manifest
  local format=$1 root=$2 manifest=$3 key
  case $format in
    csv)
      sql "$DB" -c "DROP TABLE IF EXISTS csv_check" \
        -c "CREATE TABLE csv_check ($(jq -r '[.tables[] | select(.name == "people") | .columns[].name | "\"" + . + "\" text"] | join(", ")' "$manifest"))"
      while read -r key; do
        sql "$DB" -c "\\copy csv_check FROM PROGRAM '$(decompress_command "$key") $root/$key' (FORMAT csv, HEADER true)"
      done < <(jq -r '.tables[] | select(.name == "people") | .files[].key' "$manifest")
      sql "$DB" -F $'\t' -c "SELECT id, coalesce(email, 'NULL'), coalesce(active, 'NULL'), coalesce(code, 'NULL'), coalesce(addr, 'NULL') FROM csv_check ORDER BY id::int"
      ;;
    jsonl)
      while read -r key; do
        $(decompress_command "$key") "$root/$key"
      done < <(jq -r '.tables[] | select(.name == "people") | .files[].key' "$manifest") |
        jq -r '[.id, .email // "NULL", .active // "NULL", .code // "NULL", .addr // "NULL"] | @tsv' | sort -n
      ;;
    parquet)
      while read -r key; do
        (cd "$node_dir" && node parquet/read_parquet.mjs "$root/$key" --no-schema \
          --query 'SELECT id, email, active, code, addr FROM t') | jq -r '.rows[] | map(. // "NULL") | @tsv'
      done < <(jq -r '.tables[] | select(.name == "people") | .files[].key' "$manifest") | sort -n
      ;;
  esac
}

# The checks every run must pass: $1 = format, $2 = local root, $3 = manifest, $4 = label.
check_run() {
  local format=$1 root=$2 manifest=$3 label=$4 key output
  # The manifest: ssn is not a column but is listed as excluded; hashed columns are text and
  # say what they were; the rules are recorded; the key never.
  [[ $(jq -r '.tables[] | select(.name == "people") | [.columns[].name] | join(",")' "$manifest") == id,email,born,active,code,addr,note ]] ||
    fail "$label: people's manifest columns are not those left after excluding ssn"
  [[ $(jq -c '.tables[] | select(.name == "people") | .excluded_columns' "$manifest") == '["ssn"]' ]] ||
    fail "$label: the manifest does not list ssn as excluded"
  [[ $(jq -r '.tables[] | select(.name == "people") | .columns[] | select(.hashed == "hmac-sha256") | [.name, .pg_type, .source_pg_type] | @tsv' "$manifest" | tr '\t\n' ':;') == 'email:text:text;active:text:boolean;code:text:character(6);addr:text:inet;' ]] ||
    fail "$label: the manifest does not describe the hashed columns as text from their types"
  [[ $(jq -r '.tables[] | select(.name == "Weird.Name") | .columns[1] | .hashed' "$manifest") == hmac-sha256 ]] ||
    fail "$label: the quoted pattern did not hash \"Weird.Name\".\"Mixed, Col\""
  [[ $(jq -r '.personal_data | [.hash_method, (.exclude_columns | join(",")), (.hash_columns | length)] | @tsv' "$manifest") == $'hmac-sha256\tpublic.people.ssn\t6' ]] ||
    fail "$label: the manifest's personal_data section is not what was given"
  [[ $(jq -r '.personal_data.hash_key_check' "$manifest") == "$(printf '%s' 'pgexport hash key check' | openssl dgst -sha256 -hmac "$KEY" | sed 's/.*= //')" ]] ||
    fail "$label: hash_key_check is not the HMAC of its fixed text"
  if [[ $format == parquet ]]; then
    output=$(jq -r '.tables[] | select(.name == "people") | .columns[] | select(.name == "active") | .output | tostring' "$manifest")
    grep -q 'STRING' <<<"$output" || fail "$label: the hashed boolean is not a Parquet string: $output"
    (cd "$node_dir" && node parquet/read_parquet.mjs "$root/$(jq -r '.tables[] | select(.name == "people") | .files[0].key' "$manifest")" \
      --query 'SELECT 1 LIMIT 0') | jq -r '.schema[] | select(.name == "active") | .type + " " + (.logical_type // "")' |
      grep -q '^BYTE_ARRAY StringType' || fail "$label: the Parquet column active is not BYTE_ARRAY STRING"
    (cd "$node_dir" && node parquet/read_parquet.mjs "$root/$(jq -r '.tables[] | select(.name == "people") | .files[0].key' "$manifest")" \
      --query 'SELECT 1 LIMIT 0') | jq -e '.schema[] | select(.name == "ssn")' >/dev/null &&
      fail "$label: the Parquet file has a column ssn"
  fi
  grep -qF -- "$KEY" "$manifest" && fail "$label: the key is in the manifest"
  grep -qF -- "backslash and spaces" "$manifest" && fail "$label: part of the key is in the manifest"
  # Every hashed value equals PostgreSQL's HMAC, row by row.
  people_values "$format" "$root" "$manifest" >"$WORK/$label.tsv"
  diff "$WORK/expected_people.tsv" "$WORK/$label.tsv" >"$WORK/$label.diff" ||
    fail "$label: hashed values differ from PostgreSQL's hmac ($(head -c 600 "$WORK/$label.diff"))"
  # No excluded or hashed plaintext anywhere in the files (stored without compression, or
  # decompressed, so a grep sees every byte).
  while read -r key; do
    if $(decompress_command "$key") "$root/$key" | grep -qaF -e SSN-SECRET -e alice@pii.example -e weird-secret-one -e '@pii.example'; then
      fail "$label: $key holds an excluded or hashed value in the clear"
    fi
  done < <(jq -r '.tables[].files[].key' "$manifest")
}

run_export() { # $1 = log name, then arguments
  local name=$1; shift
  STATUS=0
  "$PGEXPORT_BIN" export "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

for format in csv jsonl parquet; do
  # A directory, stored without compression so the leak grep reads raw bytes (Parquet pages
  # included); S3 with the default zstd.
  run_export "dir-$format" --destination "$WORK/dir-$format" --run-id r1 --format "$format" \
    --compression none "${RULES[@]}"
  [[ $STATUS == 0 ]] || fail "export --format $format to a directory: exit $STATUS: $(cat "$WORK/dir-$format.err")"
  check_run "$format" "$WORK/dir-$format" "$WORK/dir-$format/runs/r1/_manifest.json" "dir-$format"
  prefix=pii-$$-$RANDOM-$format
  run_export "s3-$format" --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" --run-id r1 --format "$format" "${RULES[@]}"
  [[ $STATUS == 0 ]] || fail "export --format $format to S3: exit $STATUS: $(cat "$WORK/s3-$format.err")"
  aws_s3 s3 cp --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" "$WORK/s3-$format"
  check_run "$format" "$WORK/s3-$format" "$WORK/s3-$format/runs/r1/_manifest.json" "s3-$format"
  pass "$format: ssn absent from files and manifest columns, 400 rows of 4 hashed columns equal pgcrypto's hmac, to a directory and to S3"
done

# The same input gives the same output in another run: joins across runs still match.
rules_without_file=()
for argument in "${RULES[@]}"; do
  [[ $argument == --hash-key-file || $argument == "$WORK/key" ]] || rules_without_file+=("$argument")
done
PGEXPORT_HASH_KEY=$KEY run_export again --destination "$WORK/dir-csv" --run-id r2 --compression none "${rules_without_file[@]}"
[[ $STATUS == 0 ]] || fail "export with PGEXPORT_HASH_KEY: exit $STATUS: $(cat "$WORK/again.err")"
people_values csv "$WORK/dir-csv" "$WORK/dir-csv/runs/r2/_manifest.json" >"$WORK/again.tsv"
cmp -s "$WORK/dir-csv.tsv" "$WORK/again.tsv" || fail "a second run (key from PGEXPORT_HASH_KEY) hashed otherwise"
for table in orders people; do
  cmp -s <(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .files[].key' "$WORK/dir-csv/runs/r1/_manifest.json" | sed 's#.*/##' | sort) \
    <(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .files[].key' "$WORK/dir-csv/runs/r2/_manifest.json" | sed 's#.*/##' | sort) ||
    fail "the second run has other files for $table"
done
# orders.person_email joins people.email by hash, as the plaintexts do.
join_hashed=$(sql "$DB" -c "DROP TABLE IF EXISTS o" -c "CREATE TABLE o (id text, person_email text, amount text)" \
  -c "\\copy o FROM '$WORK/dir-csv/$(jq -r '.tables[] | select(.name == "orders") | .files[0].key' "$WORK/dir-csv/runs/r2/_manifest.json")' (FORMAT csv, HEADER true)" \
  -c "SELECT count(*) FROM o JOIN csv_check p ON p.email = o.person_email")
[[ $join_hashed == 200 ]] || fail "orders join people on hashed emails in $join_hashed rows, not 200"
pass "a second run (key from PGEXPORT_HASH_KEY) gives the same hashes; 200 orders join people by hashed email"

# Usage errors: each exits 2 and publishes nothing.
refused() { # $1 = label, $2 = expected text, then arguments (environment set by the caller)
  local label=$1 text=$2; shift 2
  run_export "bad-$label" --destination "$WORK/bad-$label" --run-id r1 "$@"
  [[ $STATUS == 2 ]] || fail "$label: exit $STATUS, expected 2: $(cat "$WORK/bad-$label.err")"
  grep -qF -- "$text" "$WORK/bad-$label.err" || fail "$label: the error does not say '$text': $(cat "$WORK/bad-$label.err")"
  [[ -z $(find "$WORK/bad-$label" -name _manifest.json 2>/dev/null) ]] || fail "$label: a manifest was published"
  grep -qF -- "backslash and spaces" "$WORK/bad-$label.err" && fail "$label: the key was printed"
  return 0
}
refused no-match "matches no column" --hash-columns public.people.e_mail --hash-key-file "$WORK/key"
refused two-parts "is not a column pattern" --exclude-columns people.ssn
refused no-key "--hash-columns needs a key" --hash-columns '*.*.email'
printf 'short\n' >"$WORK/short-key"
refused short-key "shorter than 16 bytes" --hash-columns '*.*.email' --hash-key-file "$WORK/short-key"
PGEXPORT_HASH_KEY=$KEY refused both-keys "give it in one place only" --hash-columns '*.*.email' --hash-key-file "$WORK/key"
refused missing-key-file "cannot be read" --hash-columns '*.*.email' --hash-key-file "$WORK/absent"
refused all-columns "--exclude public.orders instead" --exclude-columns 'public.orders.*'
pass "no-match pattern, bad pattern, missing, short, doubled or unreadable key, all columns excluded: exit 2, nothing published"

# Change data capture: the base run records the rules; cdc run applies them to change files.
sql "$DB" -c "DROP TABLE csv_check, o"
sql "$DB" <<'SQL'
CREATE TABLE accounts (email text PRIMARY KEY, name text NOT NULL, ssn text);
INSERT INTO accounts VALUES ('carol@pii.example', 'Carol', 'SSN-SECRET-C'),
                            ('dave@pii.example', 'Dave', 'SSN-SECRET-D'),
                            ('erin@pii.example', 'Erin', NULL);
SQL
CDC_RULES=(--exclude 'public.Weird.Name' --exclude-columns '*.*.ssn'
           --hash-columns '*.*.*email' --hash-columns public.people.active)
STATUS=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/cdc-refused" --run-id base --exclude-columns public.accounts.email \
  --exclude 'public.Weird.Name' >"$WORK/init-refused.out" 2>"$WORK/init-refused.err" || STATUS=$?
[[ $STATUS == 2 ]] && grep -q "hash it with --hash-columns instead" "$WORK/init-refused.err" ||
  fail "cdc init excluding a key column: exit $STATUS: $(cat "$WORK/init-refused.err")"
[[ $(sql "$DB" -c "SELECT count(*) FROM pg_replication_slots WHERE database = '$DB'") == 0 ]] ||
  fail "the refused cdc init left a slot"
"$PGEXPORT_BIN" cdc init --destination "$WORK/cdc" --run-id base --compression none "${CDC_RULES[@]}" \
  --hash-key-file "$WORK/key" >"$WORK/init.out" 2>"$WORK/init.err" || fail "cdc init failed: $(cat "$WORK/init.err")"
base_manifest=$WORK/cdc/runs/base/_manifest.json
[[ $(jq -c '.tables[] | select(.name == "accounts") | [.excluded_columns, .key.columns, (.columns[0].hashed)]' "$base_manifest") == '[["ssn"],["email"],"hmac-sha256"]' ]] ||
  fail "the base run does not record accounts' excluded ssn and hashed key"
pass "cdc init refuses an excluded key column (no slot left) and records the rules in the base run"

sql "$DB" <<'SQL'
INSERT INTO accounts VALUES ('frank@pii.example', 'Frank', 'SSN-SECRET-F');
UPDATE accounts SET name = 'Carol B.' WHERE email = 'carol@pii.example';
UPDATE accounts SET email = 'dave.moved@pii.example' WHERE email = 'dave@pii.example';
DELETE FROM accounts WHERE email = 'erin@pii.example';
UPDATE people SET active = NOT coalesce(active, false), email = 'changed' || id || '@pii.example' WHERE id IN (1, 3);
ALTER TABLE accounts ADD COLUMN backup_email text NOT NULL DEFAULT 'default@pii.example';
INSERT INTO accounts VALUES ('gina@pii.example', 'Gina', 'SSN-SECRET-G', 'gina.backup@pii.example');
SQL
STATUS=0
"$PGEXPORT_BIN" cdc run --destination "$WORK/cdc" --until-caught-up >"$WORK/run-nokey.out" 2>"$WORK/run-nokey.err" || STATUS=$?
[[ $STATUS == 2 ]] && grep -q "need the same key" "$WORK/run-nokey.err" || fail "cdc run without the key: exit $STATUS: $(cat "$WORK/run-nokey.err")"
STATUS=0
PGEXPORT_HASH_KEY="another key that is long enough" "$PGEXPORT_BIN" cdc run --destination "$WORK/cdc" --until-caught-up \
  >"$WORK/run-wrongkey.out" 2>"$WORK/run-wrongkey.err" || STATUS=$?
[[ $STATUS == 2 ]] && grep -q "is not the one base run base was hashed with" "$WORK/run-wrongkey.err" ||
  fail "cdc run with another key: exit $STATUS: $(cat "$WORK/run-wrongkey.err")"
[[ -z $(find "$WORK/cdc" -path '*changes*' -type f) ]] || fail "a refused cdc run wrote change files"
"$PGEXPORT_BIN" cdc run --destination "$WORK/cdc" --until-caught-up --hash-key-file "$WORK/key" \
  >"$WORK/run.out" 2>"$WORK/run.err" || fail "cdc run failed: $(cat "$WORK/run.err")"
mapfile -t change_files < <(find "$WORK/cdc" -path '*changes*' -type f -name '*.csv')
[[ ${#change_files[@]} -ge 2 ]] || fail "cdc run wrote ${#change_files[@]} CSV change files"
for file in "${change_files[@]}"; do
  head -n 1 "$file" | grep -q 'ssn' && fail "change file $file has a column ssn"
  grep -qaF -e SSN-SECRET -e '@pii.example' "$file" && fail "change file $file holds an excluded or hashed value in the clear"
done
hmac() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$KEY" | sed 's/.*= //'; }
accounts_changes=$(find "$WORK/cdc" -path '*changes*public.accounts*' -type f -name '*.csv' | sort)
[[ -n $accounts_changes ]] || fail "no change file for accounts"
grep -qF "$(hmac frank@pii.example)" $accounts_changes || fail "the insert's hashed key is not in the change files"
grep -qF "$(hmac gina.backup@pii.example)" $accounts_changes || fail "the added column's value is not hashed in the change files"
# The key update's _old_key names the old key by its hash, so it finds the base run's row.
grep -qF "$(hmac dave@pii.example)" $accounts_changes || fail "the key update's old key is not hashed"
grep -qF "$(hmac true)" $(find "$WORK/cdc" -path '*changes*public.people*' -type f -name '*.csv') ||
  fail "people's hashed boolean is not in its change file as the hash of 'true'"
pass "cdc run: refuses a missing or other key (exit 2, nothing written); change files leave out ssn and hash keys, old keys and added columns"

"$PGEXPORT_BIN" materialize --destination "$WORK/cdc" --output "$WORK/materialized" --run-id now \
  >"$WORK/materialize.out" 2>"$WORK/materialize.err" || fail "materialize failed: $(cat "$WORK/materialize.err")"
mat_manifest=$WORK/materialized/runs/now/_manifest.json
[[ $(jq -c '.personal_data.hash_columns' "$mat_manifest") == "$(jq -c '.personal_data.hash_columns' "$base_manifest")" ]] ||
  fail "the materialized run lost personal_data"
[[ $(jq -c '.tables[] | select(.name == "accounts") | .excluded_columns' "$mat_manifest") == '["ssn"]' ]] ||
  fail "the materialized run lost accounts' excluded_columns"
sql "$DB" -c "DROP TABLE IF EXISTS mat" -c "CREATE TABLE mat (email text, name text, backup_email text)"
while read -r key; do
  sql "$DB" -c "\\copy mat FROM PROGRAM '$(decompress_command "$key") $WORK/materialized/$key' (FORMAT csv, HEADER true)"
done < <(jq -r '.tables[] | select(.name == "accounts") | .files[].key' "$mat_manifest")
differences=$(sql "$DB" -v key="$KEY" <<'SQL'
SELECT count(*) FROM (
  (SELECT encode(hmac(email::text, :'key', 'sha256'), 'hex'), name, encode(hmac(backup_email::text, :'key', 'sha256'), 'hex') FROM accounts
   EXCEPT ALL SELECT * FROM mat)
  UNION ALL
  (SELECT * FROM mat EXCEPT ALL
   SELECT encode(hmac(email::text, :'key', 'sha256'), 'hex'), name, encode(hmac(backup_email::text, :'key', 'sha256'), 'hex') FROM accounts)) d
SQL
)
[[ $differences == 0 && $(sql "$DB" -c "SELECT count(*) FROM mat") == 4 ]] ||
  fail "the materialized accounts differ from the live table hashed ($differences rows)"
pass "materialize merges on the hashed key: accounts equal the live table hashed by pgcrypto (4 rows)"
