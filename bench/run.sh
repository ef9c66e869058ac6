#!/usr/bin/env bash
# bench/run.sh - pgexport against the tools users would pick instead, measured side by side in
# one run, on the same data, in the same local PostgreSQL 15 and the same local S3 server (Ceph
# RADOS Gateway); writes bench/results.md.
#
#   bench/run.sh [--scales "50 200"] [--runs N] [--quick] [--only GLOB] [--memory]
#                [--memory-scale N] [--cdc] [--output FILE] [--fresh] [--note TEXT] [--report-only]
#
#   --scales LIST  pgbench scales to measure (default "50": about 0.5 GB of COPY text; the full
#                  run is --scales "50 200", about 4x as long). Each scale also gets the sample
#                  database (scripts/sampledb) at a comparable COPY text size.
#   --runs N       runs of every contender (default 3; 1 with --quick); tables show min and median
#   --quick        smoke run: pgbench scale 2, one run, well under 2 minutes once built; works in
#                  bench/work/quick and writes bench/work/quick/results-quick.md unless --output is given
#   --only GLOB    only contenders whose name matches GLOB, e.g. 'pgexport-csv*' or '*devnull*'
#                  (names: see bench/results.md); repeatable
#   --memory       also run bench/memory.sh (the memory-bound export of a multi-GB table, and
#                  change capture of a 1 GB transaction)
#   --memory-scale N   pgbench scale for --memory (default 250)
#   --cdc          also run bench/cdc.sh (cdc run against pg_recvlogical after a pgbench
#                  workload, and the commit-to-visible latency of --follow); --quick makes it small
#   --output FILE  where the report goes (default bench/results.md)
#   --fresh        rebuild the data sets even if the databases from an earlier run match
#   --note TEXT    a remark printed at the top of the report (e.g. why numbers are provisional)
#   --report-only  measure nothing: rewrite the report from what the last run left in
#                  bench/work (e.g. after a separate bench/memory.sh or bench/cdc.sh, whose tables
#                  it then includes)
#
# Needs root (the cluster runs as user postgres; the physical-limit COPY writes to the
# server's /dev/null) and the packages of `scripts/install-deps.sh --bench`. It starts its own
# PostgreSQL (/tmp/bench-local, port 54350) and RADOS Gateway (/tmp/bench-ceph, ports 7495 and
# 3320) and stops them at the end; the data sets stay in the stopped cluster so the next run
# can reuse them (`PGEXPORT_LOCAL_DIR=/tmp/bench-local PGEXPORT_PG_PORT=54350
# scripts/pg-local.sh clean` removes them). Progress goes to stderr; the raw per-run numbers are
# at the end of the report. Environment overrides: BENCH_PG_DIR, BENCH_PG_PORT, BENCH_CEPH_DIR,
# BENCH_S3_PORT, BENCH_S3_MON_PORT, BENCH_WORK_DIR, BENCH_BUILD_DIR, BENCH_PGEXPORT (use this
# binary, do not build), BENCH_AWS_CLI, BENCH_S3_BUDGET (bytes the gateway may hold before it
# is restarted empty, default 2e9), BENCH_TIMEOUT (seconds one measurement may take, 1800).
set -euo pipefail
BENCH_TAG=bench
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

scales="50" runs="" quick=0 only=() memory=0 memory_scale=250 cdc=0 output="" note="" report_only=0 argv=("$@")
while (( $# )); do
  case $1 in
    --scales) scales=${2:?--scales needs a list}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only+=("${2:?--only needs a glob}"); shift 2 ;;
    --memory) memory=1; shift ;;
    --memory-scale) memory_scale=${2:?}; shift 2 ;;
    --cdc) cdc=1; shift ;;
    --output) output=${2:?}; shift 2 ;;
    --fresh) export BENCH_FRESH=1; shift ;;
    --note) note=${2:?--note needs a text}; shift 2 ;;
    --report-only) report_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; bdie "unknown argument '$1'" ;;
  esac
done
if (( quick )); then
  # A smoke run keeps its own work directory, so it never replaces the raw numbers of the last
  # real run (which --report-only rewrites the report from).
  [[ -n ${BENCH_WORK_DIR:-} ]] || WORK=$WORK/quick
  [[ " ${argv[*]} " == *" --scales "* ]] || scales="2"
  runs=${runs:-1}
  output=${output:-$WORK/results-quick.md}
fi
runs=${runs:-3}
output=${output:-$BENCH_DIR/results.md}
[[ $runs =~ ^[1-9][0-9]*$ ]] || bdie "--runs must be a positive number, got '$runs'"
for s in $scales; do [[ $s =~ ^[1-9][0-9]*$ ]] || bdie "--scales takes positive integers, got '$s'"; done
[[ -n ${scales// /} ]] || bdie "--scales is empty"

RAW=$WORK/raw.tsv META=$WORK/meta
if (( report_only )); then
  [[ -s $RAW && -d $META ]] || bdie "nothing to report: $RAW is missing (run bench/run.sh first)"
  if [[ -s $WORK/memory.tsv ]] && ! grep -q -- '--memory\|memory.sh' "$META/machine.tsv"; then
    sed -i 's|^\(command\t.*\)$|\1; then bench/memory.sh (its own run)|' "$META/machine.tsv"
  fi
  if [[ -s $WORK/cdc.tsv ]] && ! grep -q -- '--cdc\|cdc.sh' "$META/machine.tsv"; then
    sed -i 's|^\(command\t.*\)$|\1; then bench/cdc.sh (its own run)|' "$META/machine.tsv"
  fi
  "$PY" "$BENCH_DIR/report.py" --work "$WORK" --repo "$REPO" \
    --runs "$(awk -F'\t' '$3 > n { n = $3 } END { print n + 0 }' "$RAW")" --output "$output"
  blog "wrote $output"
  exit 0
fi
bench_check_common_tools
mkdir -p "$WORK"
rm -rf "$META" "$RAW" "$WORK/memory.tsv" "$WORK/cdc.tsv" "$WORK/cdc-latency.tsv" "$WORK/logs"
mkdir -p "$META" "$WORK/out"
: >"$RAW"
started=$(date -u +%FT%TZ) t_start=$SECONDS

bench_build
bench_start_servers
bench_machine >"$META/machine.tsv"
printf 'started\t%s\n' "$started" >>"$META/machine.tsv"
[[ -n $note ]] && printf 'provisional\t%s\n' "$note" >>"$META/machine.tsv"

selected() { # contender name matches --only (or no --only)
  local g
  (( ${#only[@]} )) || return 0
  # shellcheck disable=SC2053  # $g is a glob on purpose
  for g in "${only[@]}"; do [[ $1 == $g ]] && return 0; done
  return 1
}

# --- data sets ---------------------------------------------------------------------------------
datasets=()
for s in $scales; do
  db=bench_pgbench_$s
  bench_make_pgbench "$db" "$s"
  read -r bytes rows ntab < <(bench_copy_size "$db")
  datasets+=("$db")
  printf '%s\tpgbench -s %s, filler random\t%s\t%s\t%s\t%s\n' "$db" "$s" "$ntab" "$rows" "$bytes" \
    "$(bpsql -d postgres -At -c "SELECT pg_database_size('$db')")" >>"$META/datasets.tsv"
  # The sample database at about the same COPY text size (scale 1 is about 88.5 MB).
  sscale=$(awk -v b="$bytes" 'BEGIN { s = b / 88.5e6; s = int(s * 10 + 0.5) / 10; if (s < 0.1) s = 0.1; print s }')
  sdb=bench_sample_${sscale//./_}
  bench_make_sample "$sdb" "$sscale"
  read -r bytes rows ntab < <(bench_copy_size "$sdb")
  datasets+=("$sdb")
  printf '%s\tsampledb --scale %s\t%s\t%s\t%s\t%s\n' "$sdb" "$sscale" "$ntab" "$rows" "$bytes" \
    "$(bpsql -d postgres -At -c "SELECT pg_database_size('$sdb')")" >>"$META/datasets.tsv"
done

# --- what this build can do ---------------------------------------------------------------------
# A tiny export of one table in each mode that may not be finished yet; the error line is kept.
probe() { # $1=what $2...=extra pgexport args
  local what=$1 log=$WORK/probe-$1.log; shift
  if "$PGEXPORT" export --source "dbname=${datasets[0]}" --include public.pgbench_branches \
       --run-id probe --log-level warn "$@" >"$log" 2>&1; then
    printf '%s\tyes\t\n' "$what" >>"$META/capabilities.tsv"
  else
    printf '%s\tno\t%s\n' "$what" "$(grep -v '^\s*$' "$log" | tail -n 1 | tr '\t' ' ' | cut -c 1-300)" >>"$META/capabilities.tsv"
  fi
}
probe parquet --format parquet --compression zstd --destination "$WORK/out/probe-parquet"
probe s3 --format csv --destination "s3://$PGEXPORT_TEST_BUCKET/probe" \
  --s3-endpoint "$AWS_ENDPOINT_URL" --s3-path-style
rm -rf "$WORK/out/probe-parquet"
bench_s3_fresh   # measurements start with an empty gateway
can() { awk -F'\t' -v w="$1" '$1 == w && $2 == "yes" { ok = 1 } END { exit !ok }' "$META/capabilities.tsv"; }

# --- contenders ---------------------------------------------------------------------------------
# One line per (data set, contender) in contenders.tsv: dataset name kind target extra-dir cmd
# (no field may be empty: tab is whitespace to `read`, so empty fields would collapse; "-")
EP=$AWS_ENDPOINT_URL B=$PGEXPORT_TEST_BUCKET O=$WORK/out
AWS="$AWS_CLI --endpoint-url $EP"
# The AWS CLI's transfer settings for the streaming peer: 5 MiB parts, one request at a time.
printf '[default]\ns3 =\n  multipart_chunksize = 5MB\n  max_concurrent_requests = 1\n' \
  >"$META/aws-stream-5MiB.cfg"
add() { selected "$2" && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$META/contenders.tsv"; return 0; }
: >"$META/contenders.tsv"
for db in "${datasets[@]}"; do
  # Table lists: logical tables (partitioned ones through a query), and leaf tables with their
  # block counts for the two-stream physical limit.
  tl=$META/tables-$db.tsv sq=$META/devnull-$db
  : >"$tl"; : >"$sq-text.sql"; : >"$sq-binary.sql"; : >"$sq-half1.sql"; : >"$sq-half2.sql"
  while IFS=$'\t' read -r name kind part blocks; do
    if [[ $part != t ]]; then
      src=$(bench_copy_source "$name" "$kind")
      key=$(tr -c 'A-Za-z0-9._\n-' '_' <<<"${name//\"/}")
      printf '%s\t%s\n' "$src" "$key" >>"$tl"
      echo "COPY $src TO '/dev/null';" >>"$sq-text.sql"
      echo "COPY $src TO '/dev/null' (FORMAT binary);" >>"$sq-binary.sql"
    fi
    if [[ $kind == r ]]; then
      h=$(( (blocks + 1) / 2 ))
      echo "COPY (SELECT * FROM ONLY $name WHERE ctid < '($h,0)') TO '/dev/null';" >>"$sq-half1.sql"
      echo "COPY (SELECT * FROM ONLY $name WHERE ctid >= '($h,0)') TO '/dev/null';" >>"$sq-half2.sql"
    fi
  done < <(bench_tables "$db")

  PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -d $db"
  for fmt in csv-zstd csv-gzip jsonl-gzip parquet-zstd; do
    f=${fmt%-*} c=${fmt#*-}
    [[ $f == parquet ]] && ! can parquet && continue
    for j in 1 2; do
      add "$db" "pgexport-$fmt-j$j-dir" dir "$O/pgexport" - \
        "$PGEXPORT export --source 'dbname=$db' --destination $O/pgexport --format $f --compression $c --jobs $j --run-id bench --log-level warn"
      can s3 && add "$db" "pgexport-$fmt-j$j-s3" s3 "pgexport-$fmt-j$j/$db/r\${BENCH_RUN}" - \
        "$PGEXPORT export --source 'dbname=$db' --destination s3://$B/pgexport-$fmt-j$j/$db/r\${BENCH_RUN} --s3-endpoint $EP --s3-path-style --format $f --compression $c --jobs $j --run-id bench --log-level warn"
    done
  done
  add "$db" pg_dump-Fc-aws-cp s3 "pg_dump-Fc/$db/r\${BENCH_RUN}" - \
    "$PGBIN/pg_dump -Fc -d $db | $AWS s3 cp - s3://$B/pg_dump-Fc/$db/r\${BENCH_RUN}/$db.dump"
  # The streaming peer's own configuration (pgdump-aws-lambda): a custom-format dump at zlib
  # level 1, streamed to S3 in 5 MiB parts with one part in flight.
  add "$db" pg_dump-Fc-Z1-stream-5MiB s3 "pg_dump-Fc-Z1/$db/r\${BENCH_RUN}" - \
    "$PGBIN/pg_dump -Fc -Z1 -d $db | AWS_CONFIG_FILE=$META/aws-stream-5MiB.cfg $AWS s3 cp - s3://$B/pg_dump-Fc-Z1/$db/r\${BENCH_RUN}/$db.dump"
  # Per table COPY through a compressor into `aws s3 cp -`: zstd, gzip -1 and pigz -1 (gzip
  # on every core).
  for zip in "zstd -1 -T0 -q:zstd:zst" "gzip -1:gzip:gz" "pigz -1:pigz:gz"; do
    IFS=: read -r zcmd zname zext <<<"$zip"
    add "$db" "psql-copy-csv-$zname-aws-cp" s3 "psql-copy-$zname/$db/r\${BENCH_RUN}" - \
      "while IFS=\$'\\t' read -r src key; do $PSQL -c \"COPY \$src TO STDOUT (FORMAT csv)\" | $zcmd | $AWS s3 cp - s3://$B/psql-copy-$zname/$db/r\${BENCH_RUN}/\$key.csv.$zext; done < $tl"
  done
  add "$db" pg_dump-Fd-j2-aws-sync s3 "pg_dump-Fd/$db/r\${BENCH_RUN}" "$O/pg_dump-Fd" \
    "t0=\$(date +%s.%N); $PGBIN/pg_dump -Fd -j 2 -d $db -f $O/pg_dump-Fd; awk -v a=\$t0 -v b=\$(date +%s.%N) 'BEGIN { printf \"%.2f\", b - a }' > $WORK/phase; $AWS s3 sync --only-show-errors $O/pg_dump-Fd s3://$B/pg_dump-Fd/$db/r\${BENCH_RUN}/"
  add "$db" copy-devnull-text none - - "$PSQL -f $sq-text.sql"
  add "$db" copy-devnull-binary none - - "$PSQL -f $sq-binary.sql"
  add "$db" copy-devnull-text-2streams none - - "$PSQL -f $sq-half1.sql & $PSQL -f $sq-half2.sql & wait -n; wait -n"
done
[[ -s $META/contenders.tsv ]] || bdie "no contender matches --only ${only[*]}"

# --- measure: every run goes over all contenders, so slow drifts hit all of them alike -----------
total=$(( $(wc -l <"$META/contenders.tsv") * runs ))
n=0
for (( r = 1; r <= runs; r++ )); do
  while IFS=$'\t' read -r -u 3 db name kind target extra cmd; do
    n=$((n + 1))
    blog "[$n/$total] $db $name (run $r)"
    if [[ $extra != - ]]; then rm -rf "$extra"; fi
    BENCH_EXPECT_BYTES=$(awk -F'\t' -v d="$db" '$1 == d { print $5 }' "$META/datasets.tsv")
    measure "$RAW" "$db" "$name" "$r" "$kind" "$target" "$cmd" </dev/null
    if [[ $extra != - ]]; then rm -rf "$extra"; fi
  done 3<"$META/contenders.tsv"
done

if (( memory )); then
  BENCH_WORK_DIR=$WORK "$BENCH_DIR/memory.sh" --scale "$memory_scale" --raw "$WORK/memory.tsv"
fi
cdc_failed=0
if (( cdc )); then
  cdc_args=()
  (( quick )) && cdc_args+=(--quick)
  BENCH_WORK_DIR=$WORK "$BENCH_DIR/cdc.sh" "${cdc_args[@]}" --raw "$WORK/cdc.tsv" ||
    { cdc_failed=1; blog "bench/cdc.sh failed: its tables are incomplete (logs in $WORK/logs)"; }
fi

printf 'finished\t%s\n' "$(date -u +%FT%TZ)" >>"$META/machine.tsv"
printf 'duration\t%s min\n' "$(( (SECONDS - t_start + 30) / 60 ))" >>"$META/machine.tsv"
shown=()   # the command line, with the --note text left out (it is printed on its own)
for (( i = 0; i < ${#argv[@]}; i++ )); do
  if [[ ${argv[i]} == --note ]]; then shown+=(--note "'…'"); i=$((i + 1)); else shown+=("$(printf '%q' "${argv[i]}")"); fi
done
printf 'command\t%s\n' "bench/run.sh${shown[*]:+ ${shown[*]}}" >>"$META/machine.tsv"
"$PY" "$BENCH_DIR/report.py" --work "$WORK" --repo "$REPO" --runs "$runs" --output "$output"
blog "wrote $output"
if (( cdc_failed )) || awk -F'\t' '$4 != 0 { bad = 1 } END { exit !bad }' "$RAW"; then
  blog "some measurements failed: see the report and $WORK/logs"
  exit 1
fi
