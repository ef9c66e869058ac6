#!/usr/bin/env bash
# bench/memory.sh - the memory-bound run: one table of several GB (pgbench_accounts at scale 250
# is about 2.5 GB of COPY text) exported with --memory-limit 128MiB to S3 (and, for Parquet,
# also to a directory); peak RSS is the figure (target: below 200 MiB). One reference run with
# the default --memory-limit shows what the limit buys.
#
#   bench/memory.sh [--scale N] [--runs N] [--raw FILE]
#
#   --scale N   pgbench scale (default 250; must give pgbench_accounts >= 2 GB of COPY text
#               for the run to mean anything: scale 200 and up)
#   --runs N    runs of every configuration (default 1)
#   --raw FILE  append the raw measurements there (default bench/work/memory.tsv); bench/run.sh
#               --memory passes its own file and puts the table into bench/results.md
#
# Standalone it starts and stops the same servers as bench/run.sh and prints a summary table;
# called from run.sh it uses run.sh's servers and build. Needs root and scripts/install-deps.sh.
set -euo pipefail
BENCH_TAG=bench-memory
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
scale=250 runs=1 raw=""
while (( $# )); do
  case $1 in
    --scale) scale=${2:?--scale needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --raw) raw=${2:?--raw needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; bdie "unknown argument '$1'" ;;
  esac
done
[[ $scale =~ ^[1-9][0-9]*$ ]] || bdie "--scale must be a positive number, got '$scale'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || bdie "--runs must be a positive number, got '$runs'"
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
db=bench_pgbench_$scale
bench_make_pgbench "$db" "$scale"
blog "measuring the COPY text size of $db"
read -r bytes rows ntab < <(bench_copy_size "$db")
printf '%s\tpgbench -s %s, filler random\t%s\t%s\t%s\t%s\n' "$db" "$scale" "$ntab" "$rows" "$bytes" \
  "$(bpsql -d postgres -At -c "SELECT pg_database_size('$db')")" >"$META/memory-datasets.tsv"
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

EP=$AWS_ENDPOINT_URL B=$PGEXPORT_TEST_BUCKET O=$WORK/out
S3="--s3-endpoint $EP --s3-path-style"
C=$META/memory-contenders.tsv
: >"$C"
addm() { printf '%s\t%s\t%s\t%s\t-\t%s\n' "$db" "$1" "$2" "$3" "$4" >>"$C"; }
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

for (( r = 1; r <= runs; r++ )); do
  while IFS=$'\t' read -r -u 3 ds name kind target _ cmd; do
    blog "$ds $name (run $r)"
    measure "$raw" "$ds" "$name" "$r" "$kind" "$target" "$cmd" </dev/null
  done 3<"$C"
done

printf 'finished\t%s\n' "$(date -u +%FT%TZ)" >>"$META/memory-machine.tsv"
if (( standalone )); then
  echo "config	run	exit	wall_s	peak_rss_MiB	client_cpu_s	output_bytes"
  awk -F'\t' '{ printf "%s\t%s\t%s\t%.1f\t%.0f\t%.1f\t%s\n", $2, $3, $4, $5, $8 / 1024, $6 + $7, $11 }' "$raw"
fi
awk -F'\t' '$4 != 0 { bad = 1 } END { exit bad }' "$raw" || { blog "some runs failed (logs in $WORK/logs)"; exit 1; }
