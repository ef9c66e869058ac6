#!/usr/bin/env bash
# bench/memory.sh - the memory-bound runs. Peak RSS is the figure.
#
# Export: one table of several GB (pgbench_accounts at scale 250 is about 2.5 GB of COPY text)
# exported with --memory-limit 128MiB to S3 (and, for Parquet, also to a directory); target:
# below 200 MiB. One reference run with the default --memory-limit shows what the limit buys.
#
# Change data capture: one transaction of about 1 GB of change data (4.5 million inserted rows
# with 192-character payloads, then 450,000 of them updated, in one BEGIN ... COMMIT) shipped by
# `cdc run --until-caught-up --memory-limit 128MiB` to a directory and to S3, each from a fresh
# copy of the slot saved before the transaction; target: below the limit. Then materialize, whose
# memory grows with the distinct keys the changes touch, not with the table: once over that log
# (4.5 million keys, an empty base), once over 1,000 updated keys with the 4.5 million rows as
# its base.
#
#   bench/memory.sh [--scale N] [--cdc-rows N] [--runs N] [--only GLOB] [--raw FILE]
#
#   --scale N     pgbench scale (default 250; must give pgbench_accounts >= 2 GB of COPY text
#                 for the run to mean anything: scale 200 and up)
#   --cdc-rows N  rows the big transaction inserts (default 4500000: about 1 GB of change rows)
#   --runs N      runs of every configuration (default 1). With more, every cdc run after the
#                 first also ships the 1,000-row update transaction of the runs before it
#   --only GLOB   only configurations whose name matches GLOB (repeatable), e.g. '*cdc*'
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
scale=250 runs=1 raw="" cdc_rows=4500000 only=()
while (( $# )); do
  case $1 in
    --scale) scale=${2:?--scale needs a number}; shift 2 ;;
    --cdc-rows) cdc_rows=${2:?--cdc-rows needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --only) only+=("${2:?--only needs a glob}"); shift 2 ;;
    --raw) raw=${2:?--raw needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; bdie "unknown argument '$1'" ;;
  esac
done
[[ $scale =~ ^[1-9][0-9]*$ ]] || bdie "--scale must be a positive number, got '$scale'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || bdie "--runs must be a positive number, got '$runs'"
[[ $cdc_rows =~ ^[1-9][0-9]*$ ]] || bdie "--cdc-rows must be a positive number, got '$cdc_rows'"
selected() { # configuration name matches --only (or no --only)
  local g
  (( ${#only[@]} )) || return 0
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
  pgexport-parquet-zstd-j2-mem128-dir pgexport-parquet-zstd-j2-mem128-s3 pgexport-csv-zstd-j2-default-s3)
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
  fi
  addm pgexport-csv-zstd-j2-default-s3 s3 "mem-csv-default/r\${BENCH_RUN}" \
    "$base --format csv --compression zstd --destination s3://$B/mem-csv-default/r\${BENCH_RUN} $S3"
fi

# --- change data capture: a 1 GB transaction, then materialize --------------------------------------
CDC_RUNS=(pgexport-cdc-run-1gtx-mem128-dir pgexport-cdc-run-1gtx-mem128-s3
  pgexport-materialize-every-key-dir pgexport-materialize-1k-keys-dir)
CDB=bench_cdc_1gtx CSLOT=bench_big CSAVED=bench_big_saved
cdc_cleanup() { # the slots hold gigabytes of WAL: never leave them behind
  bpsql -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'bench\_big%' AND NOT active" >/dev/null 2>&1 || true
  bpsql -d postgres -c "DROP DATABASE IF EXISTS $CDB" >/dev/null 2>&1 || true
  rm -rf "$O"/mem-cdc-*
}
if wants "${CDC_RUNS[@]}"; then
  trap 'cdc_cleanup; bench_stop_servers' EXIT
  cdc_cleanup
  blog "creating $CDB: cdc init, then one transaction of $cdc_rows inserts and $((cdc_rows / 10)) updates"
  bpsql -d postgres -c "CREATE DATABASE $CDB"
  bpsql -d "$CDB" -c "CREATE TABLE big (id bigint PRIMARY KEY, n integer NOT NULL, payload text NOT NULL)"
  CBASE=$O/mem-cdc-base
  "$PGEXPORT" cdc init --source "dbname=$CDB" --slot $CSLOT --publication $CSLOT --destination "$CBASE" \
    --run-id base --log-level warn >"$WORK/cdc-init-1gtx.log" 2>&1 ||
    { cat "$WORK/cdc-init-1gtx.log" >&2; bdie "cdc init on $CDB failed"; }
  bpsql -d "$CDB" -c "SELECT pg_copy_logical_replication_slot('$CSLOT', '$CSAVED')" >/dev/null
  lsn0=$(bpsql -d "$CDB" -At -c "SELECT pg_current_wal_insert_lsn()")
  t0=$SECONDS
  bpsql -d "$CDB" <<SQL
BEGIN;
INSERT INTO big SELECT g, 0, md5(random()::text) || md5(random()::text) || md5(random()::text)
                          || md5(random()::text) || md5(random()::text) || md5(random()::text)
  FROM generate_series(1, $cdc_rows) AS g;
UPDATE big SET n = 1 WHERE id % 10 = 0;
COMMIT;
SQL
  lsn1=$(bpsql -d "$CDB" -At -c "SELECT pg_current_wal_insert_lsn()")
  # The change rows' size: each row's COPY text (what a CSV change file holds before the
  # metadata columns), inserts plus the updated rows again.
  rowbytes=$(bpsql -d "$CDB" -At -c "SELECT sum(octet_length(b::text) + 1) * 1.1 FROM big b" | cut -d . -f 1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$CDB" "$cdc_rows" "$((cdc_rows / 10))" "$((cdc_rows + cdc_rows / 10))" \
    "$(bpsql -d "$CDB" -At -c "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')")" "$rowbytes" >"$META/memory-cdc.tsv"
  blog "the transaction took $((SECONDS - t0)) s"
  if [[ -z ${BENCH_EXPECT_BYTES:-} ]]; then # no export runs: the gateway has not been emptied yet
    BENCH_EXPECT_BYTES=$rowbytes
    bench_s3_fresh
  fi
  # A slot becomes a fresh copy of the saved one, so every run decodes the same transaction.
  reset="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -d $CDB -c \"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$CSLOT'\" -c \"SELECT pg_copy_logical_replication_slot('$CSAVED', '$CSLOT')\" >/dev/null"
  run="$PGEXPORT cdc run --source 'dbname=$CDB' --slot $CSLOT --until-caught-up --memory-limit 128MiB --log-level warn"
  db=$CDB
  # The directory run's output stays: both materialize runs read it.
  adds pgexport-cdc-run-1gtx-mem128-dir dir-keep "$O/mem-cdc-dir" "$reset; cp -a $CBASE $O/mem-cdc-dir" \
    "$run --destination $O/mem-cdc-dir"
  adds pgexport-cdc-run-1gtx-mem128-s3 s3 "mem-cdc/r\${BENCH_RUN}" \
    "$reset; $PY $BENCH_DIR/s3util.py put $CBASE mem-cdc/r\${BENCH_RUN} >/dev/null" \
    "$run --destination s3://$B/mem-cdc/r\${BENCH_RUN} $S3"
  mat="$PGEXPORT materialize --log-level warn --destination $O/mem-cdc-dir"
  adds pgexport-materialize-every-key-dir dir "$O/mem-cdc-mat" - "$mat --output $O/mem-cdc-mat"
  # The 4.5 million rows become the base (materialized into the destination itself), then 1,000
  # rows change and are shipped: materialize streams the big base and folds 1,000 keys.
  adds pgexport-materialize-1k-keys-dir dir "$O/mem-cdc-mat" \
    "$mat --output $O/mem-cdc-dir >/dev/null && $PGBIN/psql -X -q -d $CDB -c 'UPDATE big SET n = n + 1 WHERE id % $((cdc_rows / 1000)) = 0' && $run --destination $O/mem-cdc-dir >/dev/null" \
    "$mat --output $O/mem-cdc-mat"
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
