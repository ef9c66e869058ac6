#!/usr/bin/env bash
# Huge values in bounded memory: one 256 MiB text value, one 128 MiB bytea value and a table of
# 1,600 columns export in every format, to a directory and to S3, with --memory-limit 128MiB;
# every value comes back byte-exact (PostgreSQL loads the CSV and parses the JSON lines, DuckDB
# reads the Parquet files and hashes the values), and the peak RSS that GNU time reports stays
# within the bound docs/memory.md states:
#
#   --memory-limit + 2 x the largest COPY row (+ 1 x the largest value for Parquet) + 64 MiB
#
# The one job reads the huge tables one after the other: before the second, its connection,
# whose input buffer libpq grew for the first one's row, is reopened, and the process's
# resident memory drops by at least that row.
#
# The 1 GB figures are measured by bench/memory.sh --huge, not here (they need about 4 GB of
# memory and minutes per format).
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
need_parquet_readers
command -v /usr/bin/time >/dev/null || fail "no /usr/bin/time (GNU time): scripts/install-deps.sh installs it"

db=pgexport_huge_values
fresh_database "$db"
text_bytes=$((256 << 20)) bytea_bytes=$((128 << 20)) limit_mib=128
# Random bytes, so no compressor shrinks the values away: the text is their hex (no COPY
# escapes), the bytea the bytes themselves. EXTERNAL storage skips TOAST's compression attempt.
columns=$(seq 1 1600 | sed 's/.*/c& int4/' | paste -sd,)
values=$(seq 1 1600 | sed 's/.*/g * 1600 + &/' | paste -sd,)
sql "$db" <<SQL
CREATE TABLE big_text (id int PRIMARY KEY, t text);
ALTER TABLE big_text ALTER COLUMN t SET STORAGE EXTERNAL;
INSERT INTO big_text VALUES (1, encode(pg_read_binary_file('/dev/urandom', 0, $((text_bytes / 2))), 'hex')),
                            (2, 'a small value after the huge one');
CREATE TABLE big_bytea (id int PRIMARY KEY, b bytea);
ALTER TABLE big_bytea ALTER COLUMN b SET STORAGE EXTERNAL;
INSERT INTO big_bytea VALUES (1, pg_read_binary_file('/dev/urandom', 0, $bytea_bytes)), (2, '\x00ff');
CREATE TABLE wide ($columns);
INSERT INTO wide SELECT $values FROM generate_series(0, 1999) g;
INSERT INTO wide (c1, c1600) VALUES (-1, -1600);
SQL
[[ $(sql "$db" -c "SELECT length(t) FROM big_text WHERE id = 1") == "$text_bytes" ]] ||
  fail "the test's own text value is not $text_bytes bytes"
[[ $(sql "$db" -c "SELECT length(b) FROM big_bytea WHERE id = 1") == "$bytea_bytes" ]] ||
  fail "the test's own bytea value is not $bytea_bytes bytes"
digest() { sql "$db" -c "$1"; }
text_md5=$(digest "SELECT md5(t) FROM big_text WHERE id = 1")
bytea_md5=$(digest "SELECT md5(b) FROM big_bytea WHERE id = 1")
wide_md5=$(digest "SELECT md5(string_agg(w::text, '|' ORDER BY c1)) FROM wide w")

prefix=huge-values-$$-$RANDOM
trap 'aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null 2>&1 || true' EXIT

# The largest COPY row of a format's wire form, and the largest value: the bound's terms.
largest_row() { # $1 = format
  case $1 in
    parquet) echo $((text_bytes + 64)) ;;  # binary COPY: the text's bytes, the bytea's are fewer
    *) echo $((2 * bytea_bytes + 64)) ;;  # text and CSV COPY: the bytea as "\x" and hex digits
  esac
}
bound_kib() { # $1 = format
  local rows=$((2 * $(largest_row "$1"))) value=0
  [[ $1 == parquet ]] && value=$text_bytes
  echo $(((limit_mib << 10) + (rows + value) / 1024 + (64 << 10)))
}

# A field of the one log line that says the worker's connection was reopened.
renewal_field() { # $1 = log, $2 = key
  grep 'worker connection reopened' "$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}

# Runs one export under GNU time and checks its peak RSS. One job: the bound is per job reading
# a huge row (two jobs reading the text and the bytea at once hold both, as docs/memory.md says). $1 = name, $2 = format, $3 = codec,
# $4 = destination.
run_export() {
  local name=$1 format=$2 codec=$3 destination=$4 peak bound renewals row before after
  /usr/bin/time -f '%M' -o "$WORK/$name.rss" "$PGEXPORT_BIN" export --source "dbname=$db" \
    --destination "$destination" --run-id "$name" --format "$format" --compression "$codec" \
    --memory-limit ${limit_mib}MiB --jobs 1 --log-level info >"$WORK/$name.out" 2>"$WORK/$name.log" ||
    fail "$name: the export failed: $(tail -3 "$WORK/$name.log")"
  peak=$(tail -1 "$WORK/$name.rss")
  bound=$(bound_kib "$format")
  ((peak <= bound)) || fail "$name: peak RSS $((peak >> 10)) MiB is above the bound of $((bound >> 10)) MiB"
  pass "$name: peak RSS $((peak >> 10)) MiB, within the bound of $((bound >> 10)) MiB"
  # The wide table goes first (it has the most pages), then the two huge ones: one renewal,
  # between them, and none after the last task.
  renewals=$(grep -c 'worker connection reopened' "$WORK/$name.log" || true)
  [[ $renewals == 1 ]] || fail "$name: $renewals connection renewals logged, want 1 (between the huge tables)"
  row=$(renewal_field "$WORK/$name.log" largest_row_bytes)
  before=$(renewal_field "$WORK/$name.log" rss_before_bytes)
  after=$(renewal_field "$WORK/$name.log" rss_after_bytes)
  ((row > bytea_bytes)) || fail "$name: the renewed connection's largest row was $row bytes, want a huge one"
  # libpq's input buffer held the whole row (the pages it received into); closing frees it.
  ((before - after >= row)) ||
    fail "$name: reopening the connection gave back $(((before - after) >> 20)) MiB, less than its largest row ($((row >> 20)) MiB)"
  pass "$name: reopening the connection after a $((row >> 20)) MiB row gave back $(((before - after) >> 20)) MiB (RSS $((before >> 20)) -> $((after >> 20)) MiB)"
}

# The one file of a table in a run's manifest, or all of them (DuckDB reads a list).
table_files() { jq -r --arg t "$2" '.tables[] | select(.name == $t) | .files[].key' "$1"; }

check_csv() { # $1 = name, $2 = root directory
  local manifest=$2/runs/$1/_manifest.json count
  count=$(verify_csv_roundtrip "$db" "$2" "$manifest")
  [[ $count == 3 ]] || fail "$1: $count tables loaded back, want 3"
  [[ $(digest "SELECT md5(t) FROM roundtrip.t$(jq '[.tables[].name] | index("big_text")' "$manifest") WHERE id = 1") == "$text_md5" ]] ||
    fail "$1: the text value loaded back differs"
  # The copies must not be exported by the next run.
  sql "$db" -c "DROP SCHEMA roundtrip CASCADE"
  pass "$1: PostgreSQL loads every CSV row back equal"
}

check_jsonl() { # $1 = name, $2 = root directory: PostgreSQL's JSON parser reads each line
  local manifest=$2/runs/$1/_manifest.json table key answer
  for table in big_text big_bytea wide; do
    sql "$db" -c "DROP TABLE IF EXISTS lines_$table" -c "CREATE TABLE lines_$table (line text)"
    while read -r key; do
      # CSV mode with quote and delimiter bytes that JSON never contains raw: one line, one value.
      sql "$db" -c "\\copy lines_$table FROM PROGRAM '$(decompress_command "$key") $2/$key' (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    done < <(table_files "$manifest" "$table")
  done
  answer=$(sql "$db" -c "SELECT md5(line::json->>'t') FROM lines_big_text WHERE (line::json->>'id')::int = 1")
  [[ $answer == "$text_md5" ]] || fail "$1: the text value of the JSON line differs"
  answer=$(sql "$db" -c "SELECT md5(decode(line::json->>'b', 'base64')) FROM lines_big_bytea WHERE (line::json->>'id')::int = 1")
  [[ $answer == "$bytea_md5" ]] || fail "$1: the bytea value of the JSON line differs"
  answer=$(sql "$db" -c "SELECT md5(string_agg(r::text, '|' ORDER BY r.c1)) FROM lines_wide, json_populate_record(NULL::wide, line::json) r")
  [[ $answer == "$wide_md5" ]] || fail "$1: the wide table's JSON lines differ from its rows"
  sql "$db" -c "DROP TABLE lines_big_text, lines_big_bytea, lines_wide"
  pass "$1: PostgreSQL parses the text, the bytea and all 1,600 columns back equal"
}

check_parquet() { # $1 = name, $2 = root directory
  local manifest=$2/runs/$1/_manifest.json key answer
  key=$2/$(table_files "$manifest" big_text)
  answer=$(cd "$node_dir" && node parquet/read_parquet.mjs "$key" --no-schema --query \
    "SELECT md5(t) FROM t WHERE id = 1" | jq -r '.rows[0][0]')
  [[ $answer == "$text_md5" ]] || fail "$1: DuckDB's md5 of the text is $answer, PostgreSQL's $text_md5"
  key=$2/$(table_files "$manifest" big_bytea)
  answer=$(cd "$node_dir" && node parquet/read_parquet.mjs "$key" --no-schema --query \
    "SELECT md5(b) FROM t WHERE id = 1" | jq -r '.rows[0][0]')
  [[ $answer == "$bytea_md5" ]] || fail "$1: DuckDB's md5 of the bytea is $answer, PostgreSQL's $bytea_md5"
  key=$2/$(table_files "$manifest" wide)
  answer=$(cd "$node_dir" && node parquet/read_parquet.mjs "$key" --no-schema --query \
    "SELECT count(*) FROM t" | jq -r '.rows[0][0]')
  [[ $answer == 2001 ]] || fail "$1: DuckDB reads $answer rows of the wide table, want 2001"
  # The wide table's values, each row as PostgreSQL prints a record, hashed by PostgreSQL over
  # what DuckDB read.
  (cd "$node_dir" && node parquet/read_parquet.mjs "$key" --no-schema --query \
    "SELECT * FROM t ORDER BY c1") | jq -r '.rows[] | map(if . == null then "" else tostring end) | "(" + join(",") + ")"' >"$WORK/$1.wide"
  answer=$(sql "$db" -c "CREATE TEMP TABLE w (line text)" -c "\\copy w FROM '$WORK/$1.wide' (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" \
    -c "SELECT md5(string_agg(line, '|' ORDER BY ordinality)) FROM (SELECT line, row_number() OVER () AS ordinality FROM w) l")
  [[ $answer == "$wide_md5" ]] || fail "$1: the wide table DuckDB reads differs from PostgreSQL's"
  pass "$1: DuckDB reads the text, the bytea and all 1,600 columns back equal"
}

for case in "csv zstd" "jsonl gzip" "parquet zstd" "parquet snappy"; do
  read -r format codec <<<"$case"
  name=$format-$codec
  run_export "$name-dir" "$format" "$codec" "$WORK/dir-$name"
  "check_$format" "$name-dir" "$WORK/dir-$name"
  rm -rf "$WORK/dir-$name"
done

# To S3: the part buffers are leased from the same limit. Read back with awscli.
for case in "csv none" "jsonl zstd" "parquet zstd"; do
  read -r format codec <<<"$case"
  name=$format-$codec-s3
  run_export "$name" "$format" "$codec" "s3://$PGEXPORT_TEST_BUCKET/$prefix/$name"
  aws_s3 s3 cp --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix/$name" "$WORK/$name"
  aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix/$name" >/dev/null
  "check_$format" "$name" "$WORK/$name"
  rm -rf "$WORK/$name"
done
sql postgres -c "DROP DATABASE \"$db\" WITH (FORCE)"
