#!/usr/bin/env bash
# bench/memory.sh - the memory-bound runs. Peak RSS is the figure.
#
# Export: one table of several GB (pgbench_accounts at scale 250 is about 2.5 GB of COPY text)
# exported with --memory-limit 128MiB to S3 (and, for Parquet, also to a directory); target:
# below 200 MiB. One reference run with the default --memory-limit shows what the limit buys,
# and one Parquet run asks for 1 GiB row groups, which the writers' half of the limit closes
# early (docs/memory.md, "How the limit is divided").
#
# Change data capture: one transaction of about 1 GB of change data (4.5 million inserted rows
# with 192-character payloads, then 450,000 of them updated, in one BEGIN ... COMMIT) shipped by
# `cdc run --until-caught-up --memory-limit 128MiB` to a directory and to S3, each from a fresh
# copy of the slot saved before the transaction; target: below the limit. The same to S3 for
# one transaction over 20 tables, each with just under one part of compressed change rows, so
# that every open change file holds a nearly full part buffer at once. Then materialize, whose
# memory grows with the distinct keys the changes touch, not with the table: once over the 1 GB
# log (4.5 million keys, an empty base), once over 1,000 updated keys with the 4.5 million rows
# as its base.
#
# Huge values (--huge, alone): one 1 GB `text` value (1,000,000,000 hex digits: its COPY text
# form is the largest PostgreSQL sends), one 1 GB `bytea` value (random bytes) and a table of
# 1,600 int4 columns (10,000 rows), each exported with --memory-limit 128MiB --jobs 1 in csv,
# jsonl and parquet with each codec, to a directory and to S3; the target is the bound of
# docs/memory.md (--memory-limit + 2 x the largest COPY row, + the largest value for Parquet,
# + 64 MiB). The bytea cannot be exported as CSV or JSON Lines (its hex text is above
# PostgreSQL's 1 GB limit): those runs are expected to fail with exit 12, and are reported so.
#
#   bench/memory.sh [--scale N] [--cdc-rows N] [--runs N] [--only GLOB] [--raw FILE] [--huge]
#
#   --scale N     pgbench scale (default 250; must give pgbench_accounts >= 2 GB of COPY text
#                 for the run to mean anything: scale 200 and up)
#   --cdc-rows N  rows the big transaction inserts (default 4500000: about 1 GB of change rows)
#   --runs N      runs of every configuration (default 1). With more, every cdc run after the
#                 first also ships the 1,000-row update transaction of the runs before it
#   --only GLOB   only configurations whose name matches GLOB (repeatable), e.g. '*cdc*'
#   --huge        only the huge-value runs (about 6 GB of memory at once; 20 minutes)
#   --raw FILE    append the raw measurements there (default bench/work/memory.tsv); bench/run.sh
#                 --memory passes its own file and puts the table into bench/results.md
#
# Standalone it starts and stops the same servers as bench/run.sh and prints a summary table;
# called from run.sh it uses run.sh's servers and build. Needs root and scripts/install-deps.sh.
set -euo pipefail
BENCH_TAG=bench-memory
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
scale=250 runs=1 raw="" cdc_rows=4500000 only=() huge=0
while (( $# )); do
  case $1 in
    --scale) scale=${2:?--scale needs a number}; shift 2 ;;
    --cdc-rows) cdc_rows=${2:?--cdc-rows needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --only) only+=("${2:?--only needs a glob}"); shift 2 ;;
    --raw) raw=${2:?--raw needs a file}; shift 2 ;;
    --huge) huge=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; bdie "unknown argument '$1'" ;;
  esac
done
[[ $scale =~ ^[1-9][0-9]*$ ]] || bdie "--scale must be a positive number, got '$scale'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || bdie "--runs must be a positive number, got '$runs'"
[[ $cdc_rows =~ ^[1-9][0-9]*$ ]] || bdie "--cdc-rows must be a positive number, got '$cdc_rows'"
(( huge && ${#only[@]} == 0 )) && only=('pgexport-huge-*')
selected() { # configuration name matches --only (or no --only)
  local g
  if (( ! ${#only[@]} )); then [[ $1 != pgexport-huge-* ]]; return; fi
  # shellcheck disable=SC2053  # $g is a glob on purpose
  for g in "${only[@]}"; do [[ $1 == $g ]] && return 0; done
  return 1
}
standalone=0
[[ ${BENCH_SERVERS_STARTED:-0} == 1 ]] || standalone=1
raw=${raw:-$WORK/memory.tsv}
META=$WORK/meta
mkdir -p "$META" "$WORK/out"
: >"$raw"

if (( standalone )); then
  bench_check_common_tools
  bench_build
fi
bench_start_servers

printf 'pgexport\t%s\nstarted\t%s\n' "$(bench_pgexport_commit)" "$(date -u +%FT%TZ)" >"$META/memory-machine.tsv"
: >"$META/memory-datasets.tsv"
: >"$META/memory-cdc.tsv"
EP=$AWS_ENDPOINT_URL B=$PGEXPORT_TEST_BUCKET O=$WORK/out
S3="--s3-endpoint $EP --s3-path-style"
# One line per configuration: dataset name kind target setup cmd ("-": no setup). The setup runs
# untimed just before the command (see measure in lib.sh).
C=$META/memory-contenders.tsv
: >"$C"
addm() { selected "$1" && printf '%s\t%s\t%s\t%s\t-\t%s\n' "$db" "$1" "$2" "$3" "$4" >>"$C"; return 0; }
adds() { selected "$1" && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$1" "$2" "$3" "$4" "$5" >>"$C"; return 0; }
wants() { local n; for n in "$@"; do selected "$n" && return 0; done; return 1; }

# --- export of a multi-GB table -------------------------------------------------------------------
EXPORT_RUNS=(pgexport-csv-zstd-j2-mem128-s3 pgexport-jsonl-gzip-j2-mem128-s3
  pgexport-parquet-zstd-j2-mem128-dir pgexport-parquet-zstd-j2-mem128-s3
  pgexport-parquet-zstd-j2-mem128-rg1g-dir pgexport-csv-zstd-j2-default-s3)
if wants "${EXPORT_RUNS[@]}"; then
  db=bench_pgbench_$scale
  bench_make_pgbench "$db" "$scale"
  blog "measuring the COPY text size of $db"
  read -r bytes rows ntab < <(bench_copy_size "$db")
  printf '%s\tpgbench -s %s, filler random\t%s\t%s\t%s\t%s\n' "$db" "$scale" "$ntab" "$rows" "$bytes" \
    "$(bpsql -d postgres -At -c "SELECT pg_database_size('$db')")" >>"$META/memory-datasets.tsv"
  (( bytes >= 2000000000 )) || blog "warning: only $((bytes / 1000000)) MB of COPY text; use --scale 200 or more for a multi-GB table"

  parquet=0
  if "$PGEXPORT" export --source "dbname=$db" --include public.pgbench_branches --run-id probe \
       --format parquet --destination "$WORK/out/probe-parquet" --log-level warn >/dev/null 2>&1; then
    parquet=1
  else
    blog "parquet is not available in this build: its memory runs are skipped"
  fi
  rm -rf "$WORK/out/probe-parquet"
  # Every S3 run starts on an empty gateway: it may hold up to BENCH_S3_BUDGET bytes, and one
  # export here is about that large (see bench_s3_fresh).
  BENCH_EXPECT_BYTES=$bytes
  bench_s3_fresh

  base="$PGEXPORT export --source 'dbname=$db' --jobs 2 --run-id bench --log-level warn"
  addm pgexport-csv-zstd-j2-mem128-s3 s3 "mem-csv/r\${BENCH_RUN}" \
    "$base --format csv --compression zstd --memory-limit 128MiB --destination s3://$B/mem-csv/r\${BENCH_RUN} $S3"
  addm pgexport-jsonl-gzip-j2-mem128-s3 s3 "mem-jsonl/r\${BENCH_RUN}" \
    "$base --format jsonl --compression gzip --memory-limit 128MiB --destination s3://$B/mem-jsonl/r\${BENCH_RUN} $S3"
  if (( parquet )); then
    addm pgexport-parquet-zstd-j2-mem128-dir dir "$O/mem-parquet" \
      "$base --format parquet --compression zstd --memory-limit 128MiB --destination $O/mem-parquet"
    addm pgexport-parquet-zstd-j2-mem128-s3 s3 "mem-parquet/r\${BENCH_RUN}" \
      "$base --format parquet --compression zstd --memory-limit 128MiB --destination s3://$B/mem-parquet/r\${BENCH_RUN} $S3"
    # Row groups asked far larger than the limit: the writers' half of it closes them instead.
    addm pgexport-parquet-zstd-j2-mem128-rg1g-dir dir "$O/mem-parquet-rg1g" \
      "$base --format parquet --compression zstd --memory-limit 128MiB --row-group-bytes 1GiB --destination $O/mem-parquet-rg1g"
  fi
  addm pgexport-csv-zstd-j2-default-s3 s3 "mem-csv-default/r\${BENCH_RUN}" \
    "$base --format csv --compression zstd --destination s3://$B/mem-csv-default/r\${BENCH_RUN} $S3"
fi

# --- change data capture: large transactions, then materialize -------------------------------------
CDC_RUNS=(pgexport-cdc-run-1gtx-mem128-dir pgexport-cdc-run-1gtx-mem128-s3
  pgexport-materialize-every-key-dir pgexport-materialize-1k-keys-dir)
WIDE_RUNS=(pgexport-cdc-run-20tables-mem128-s3)
cdc_cleanup() { # the slots hold gigabytes of WAL: never leave them behind
  bpsql -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'bench\_mem\_%' AND NOT active" >/dev/null 2>&1 || true
  bpsql -d postgres -c "DROP DATABASE IF EXISTS bench_cdc_1gtx" -c "DROP DATABASE IF EXISTS bench_cdc_20tables" >/dev/null 2>&1 || true
  rm -rf "$O"/mem-cdc-*
}
# make_cdc_db DB TABLES ROWS UPDATES: database DB with tables t1..tTABLES, `cdc init` into
# $O/mem-cdc-DB-base (slot and publication bench_mem_DB, saved as bench_mem_DB_saved), then ONE
# transaction inserting ROWS rows into each table (192 random hex characters of payload each)
# and, when UPDATES is 1, updating every tenth row of t1. Appends its description to
# memory-cdc.tsv: db, tables, rows inserted, rows updated, changes, WAL bytes, change rows'
# COPY text bytes (the MB/s yardstick).
make_cdc_db() {
  local db=$1 tables=$2 rows=$3 updates=$4 slot=bench_mem_${1#bench_cdc_} i lsn0 lsn1 t0=$SECONDS bytes
  blog "creating $db: cdc init, then one transaction of $((tables * rows)) inserts into $tables table(s)"
  bpsql -d postgres -c "CREATE DATABASE $db"
  for (( i = 1; i <= tables; i++ )); do
    echo "CREATE TABLE t$i (id bigint PRIMARY KEY, n integer NOT NULL, payload text NOT NULL);"
  done | bpsql -d "$db"
  "$PGEXPORT" cdc init --source "dbname=$db" --slot "$slot" --publication "$slot" \
    --destination "$O/mem-cdc-$db-base" --run-id base --log-level warn >"$WORK/cdc-init-$db.log" 2>&1 ||
    { cat "$WORK/cdc-init-$db.log" >&2; bdie "cdc init on $db failed"; }
  bpsql -d "$db" -c "SELECT pg_copy_logical_replication_slot('$slot', '${slot}_saved')" >/dev/null
  lsn0=$(bpsql -d "$db" -At -c "SELECT pg_current_wal_insert_lsn()")
  {
    echo "BEGIN;"
    for (( i = 1; i <= tables; i++ )); do
      echo "INSERT INTO t$i SELECT g, 0, md5(random()::text) || md5(random()::text) || md5(random()::text)
              || md5(random()::text) || md5(random()::text) || md5(random()::text)
            FROM generate_series(1, $rows) AS g;"
    done
    (( updates )) && echo "UPDATE t1 SET n = 1 WHERE id % 10 = 0;"
    echo "COMMIT;"
  } | bpsql -d "$db"
  lsn1=$(bpsql -d "$db" -At -c "SELECT pg_current_wal_insert_lsn()")
  # Every inserted row's COPY text, and the updated rows' again.
  bytes=$(bpsql -d "$db" -At -c "SELECT sum(octet_length(t::text) + 1) * $((10 + updates)) / 10 FROM t1 t" | cut -d . -f 1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$tables" "$((tables * rows))" "$((updates * rows / 10))" \
    "$((tables * rows + updates * rows / 10))" "$(bpsql -d "$db" -At -c "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')")" \
    "$((bytes * tables))" >>"$META/memory-cdc.tsv"
  blog "$db ready in $((SECONDS - t0)) s"
}
# A slot becomes a fresh copy of the saved one, so every run decodes the same transaction.
reset_slot() { # $1 = database
  local slot=bench_mem_${1#bench_cdc_}
  echo "$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -d $1 -c \"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'\" -c \"SELECT pg_copy_logical_replication_slot('${slot}_saved', '$slot')\" >/dev/null"
}
cdc_run() { # $1 = database: cdc run --until-caught-up --memory-limit 128MiB, without --destination
  echo "$PGEXPORT cdc run --source 'dbname=$1' --slot bench_mem_${1#bench_cdc_} --until-caught-up --memory-limit 128MiB --log-level warn"
}
if wants "${CDC_RUNS[@]}" "${WIDE_RUNS[@]}"; then
  trap 'cdc_cleanup; bench_stop_servers' EXIT
  cdc_cleanup
  if [[ -z ${BENCH_EXPECT_BYTES:-} ]]; then # no export runs: the gateway has not been emptied yet
    BENCH_EXPECT_BYTES=$((cdc_rows * 250))
    bench_s3_fresh
  fi
fi
if wants "${CDC_RUNS[@]}"; then
  # About 1 GB of change rows in one transaction on one table.
  db=bench_cdc_1gtx
  make_cdc_db $db 1 "$cdc_rows" 1
  CBASE=$O/mem-cdc-$db-base
  # The directory run's output stays: both materialize runs read it.
  adds pgexport-cdc-run-1gtx-mem128-dir dir-keep "$O/mem-cdc-dir" "$(reset_slot $db); cp -a $CBASE $O/mem-cdc-dir" \
    "$(cdc_run $db) --destination $O/mem-cdc-dir"
  adds pgexport-cdc-run-1gtx-mem128-s3 s3 "mem-cdc/r\${BENCH_RUN}" \
    "$(reset_slot $db); $PY $BENCH_DIR/s3util.py put $CBASE mem-cdc/r\${BENCH_RUN} >/dev/null" \
    "$(cdc_run $db) --destination s3://$B/mem-cdc/r\${BENCH_RUN} $S3"
  mat="$PGEXPORT materialize --log-level warn --destination $O/mem-cdc-dir"
  adds pgexport-materialize-every-key-dir dir "$O/mem-cdc-mat" - "$mat --output $O/mem-cdc-mat"
  # The inserted rows become the base (materialized into the destination itself), then 1,000
  # rows change and are shipped: materialize streams the big base and folds 1,000 keys.
  adds pgexport-materialize-1k-keys-dir dir "$O/mem-cdc-mat" \
    "$mat --output $O/mem-cdc-dir >/dev/null && $PGBIN/psql -X -q -d $db -c 'UPDATE t1 SET n = n + 1 WHERE id % $((cdc_rows / 1000)) = 0' && $(cdc_run $db) --destination $O/mem-cdc-dir >/dev/null" \
    "$mat --output $O/mem-cdc-mat"
fi
if wants "${WIDE_RUNS[@]}"; then
  # One transaction over 20 tables, each with about 7 MiB of compressed change rows: just under
  # one part, so every open file holds an almost full part buffer until the batch commits.
  db=bench_cdc_20tables
  make_cdc_db $db 20 $((cdc_rows * 66 / 4500)) 0
  adds pgexport-cdc-run-20tables-mem128-s3 s3 "mem-cdc-20/r\${BENCH_RUN}" \
    "$(reset_slot $db); $PY $BENCH_DIR/s3util.py put $O/mem-cdc-$db-base mem-cdc-20/r\${BENCH_RUN} >/dev/null" \
    "$(cdc_run $db) --destination s3://$B/mem-cdc-20/r\${BENCH_RUN} $S3"
fi
# --- huge values -----------------------------------------------------------------------------------
if wants pgexport-huge-text-csv-none-mem128-dir; then
  db=bench_huge
  if [[ $(bpsql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$db'") != 1 ]]; then
    blog "creating $db: a 1 GB text, a 1 GB bytea and 1,600 columns"
    bpsql -d postgres -qc "CREATE DATABASE $db"
    wide_columns=$(seq 1 1600 | sed 's/.*/c& int4/' | paste -sd,)
    wide_values=$(seq 1 1600 | sed 's/.*/g * 1600 + &/' | paste -sd,)
    bpsql -d "$db" -v ON_ERROR_STOP=1 -q <<SQL
CREATE TABLE big_text (id int PRIMARY KEY, t text);
ALTER TABLE big_text ALTER COLUMN t SET STORAGE EXTERNAL;
INSERT INTO big_text VALUES (1, encode(pg_read_binary_file('/dev/urandom', 0, 500000000), 'hex'));
CREATE TABLE big_bytea (id int PRIMARY KEY, b bytea);
ALTER TABLE big_bytea ALTER COLUMN b SET STORAGE EXTERNAL;
INSERT INTO big_bytea VALUES (1, pg_read_binary_file('/dev/urandom', 0, 1000000000));
CREATE TABLE wide ($wide_columns);
INSERT INTO wide SELECT $wide_values FROM generate_series(0, 9999) g;
SQL
  fi
  printf '%s	1 GB text, 1 GB bytea, 1,600 int4 columns x 10,000 rows	3	10002	%s	%s
' "$db" \
    $((1000000000 + 2000000003 + 10000 * 1600 * 6)) \
    "$(bpsql -d postgres -At -c "SELECT pg_database_size('$db')")" >>"$META/memory-datasets.tsv"
  BENCH_EXPECT_BYTES=2000000000
  base="$PGEXPORT export --source 'dbname=$db' --jobs 1 --run-id bench --log-level warn --memory-limit 128MiB"
  for table in text bytea wide; do
    include="--include public.big_$table"
    [[ $table == wide ]] && include="--include public.wide"
    for case in csv:none csv:zstd csv:gzip jsonl:none jsonl:zstd jsonl:gzip parquet:none parquet:snappy parquet:zstd parquet:gzip; do
      format=${case%:*} codec=${case#*:}
      # A 1 GB bytea has no text form (checked below instead).
      [[ $table == bytea && $format != parquet ]] && continue
      name=pgexport-huge-$table-$format-$codec-mem128
      addm "$name-dir" dir "$O/huge" "$base $include --format $format --compression $codec --destination $O/huge"
      # To S3 once per format (the part buffers are what differs).
      if [[ $codec == zstd ]]; then
        addm "$name-s3" s3 "huge/r\${BENCH_RUN}" \
          "$base $include --format $format --compression $codec --destination s3://$B/huge/r\${BENCH_RUN} $S3"
      fi
    done
  done
  # What the server does with the 1 GB bytea in COPY text: refuses it, and pgexport says so in
  # one line with exit 12 (docs/memory.md).
  rc=0
  $PGEXPORT export --source "dbname=$db" --jobs 1 --run-id refused --log-level warn --memory-limit 128MiB \
    --include public.big_bytea --format csv --destination "$O/huge-refused" >/dev/null 2>"$WORK/huge-refused.err" || rc=$?
  blog "csv of the 1 GB bytea: exit $rc: $(tail -1 "$WORK/huge-refused.err")"
  printf 'huge_bytea_csv\t%s\t%s\n' "$rc" "$(tail -1 "$WORK/huge-refused.err" | tr '\t' ' ')" >>"$META/memory-machine.tsv"
  (( rc == 12 )) || bdie "the 1 GB bytea as CSV should end with exit 12, not $rc"
  rm -rf "$O/huge-refused"
fi
[[ -s $C ]] || bdie "no configuration matches --only ${only[*]}"

for (( r = 1; r <= runs; r++ )); do
  while IFS=$'\t' read -r -u 3 ds name kind target setup cmd; do
    blog "$ds $name (run $r)"
    [[ $setup == - ]] && setup=""
    BENCH_SETUP=$setup measure "$raw" "$ds" "$name" "$r" "$kind" "$target" "$cmd" </dev/null
  done 3<"$C"
done

printf 'finished\t%s\n' "$(date -u +%FT%TZ)" >>"$META/memory-machine.tsv"
if (( standalone )); then
  echo "config	run	exit	wall_s	peak_rss_MiB	client_cpu_s	output_bytes"
  awk -F'\t' '{ printf "%s\t%s\t%s\t%.1f\t%.0f\t%.1f\t%s\n", $2, $3, $4, $5, $8 / 1024, $6 + $7, $11 }' "$raw"
fi
awk -F'\t' '$4 != 0 { bad = 1 } END { exit bad }' "$raw" || { blog "some runs failed (logs in $WORK/logs)"; exit 1; }
