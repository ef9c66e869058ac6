#!/usr/bin/env bash
# bench/cpu.sh - client CPU of pgexport next to the compressor alone: CSV+zstd, CSV+gzip and
# JSON Lines+gzip of one pgbench data set, to a directory, to S3 (plain HTTP: signed payloads)
# and to S3 with --s3-unsigned-payload (what TLS allows by default; it changes what is sent
# only where the store verifies CRC32Cs, which the local gateway, Ceph 16, does not), and
# `zstd -1` and `gzip -1` compressing the same COPY text (CSV, as pgexport reads it) from the
# page cache. Client CPU is
# user+sys of the command (children included) from /usr/bin/time; CPU time, unlike wall time,
# hardly depends on what else runs on the machine, so a busy machine still gives fair figures.
#
#   bench/cpu.sh [--scale N] [--runs N] [--jobs N] [--before BINARY] [--raw FILE]
#
#   --scale N   pgbench scale (default 50: about 0.5 GB of COPY text)
#   --runs N    runs of every configuration, interleaved (default 3); the table shows medians
#   --jobs N    pgexport --jobs (default 2)
#   --before B  also measure the pgexport binary B (an earlier build), interleaved with this
#               one, as before-pgexport-...: a before/after comparison under the same load
#   --raw FILE  append the raw measurements there (default bench/work/cpu.tsv)
#
# It starts and stops the same servers as bench/run.sh (unless BENCH_SERVERS_STARTED=1) and
# builds pgexport (BENCH_PGEXPORT=path uses a given binary instead). Needs root and
# scripts/install-deps.sh. The ratios it prints are the ones the CPU goals are stated in.
set -euo pipefail
BENCH_TAG=bench-cpu
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
scale=50 runs=3 jobs=2 raw="" before=""
while (( $# )); do
  case $1 in
    --scale) scale=${2:?--scale needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --before) before=${2:?--before needs a pgexport binary}; shift 2 ;;
    --raw) raw=${2:?--raw needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; bdie "unknown argument '$1'" ;;
  esac
done
for n in "$scale" "$runs" "$jobs"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || bdie "--scale, --runs and --jobs take positive numbers, got '$n'"
done
[[ -z $before || -x $before ]] || bdie "--before $before is not an executable"
raw=${raw:-$WORK/cpu.tsv}
mkdir -p "$WORK/out"
: >"$raw"

bench_check_common_tools
bench_check_tools gzip:gzip
bench_build
bench_start_servers

db=bench_pgbench_$scale
bench_make_pgbench "$db" "$scale"
# The COPY text the references compress: every table in CSV, as pgexport asks for it.
text=$WORK/cpu-$db.csv
blog "writing the COPY text of $db to $text"
: >"$text"
while IFS=$'\t' read -r name kind part _; do
  [[ $part == t ]] && continue
  bpsql -d "$db" -c "COPY $(bench_copy_source "$name" "$kind") TO STDOUT (FORMAT csv)" >>"$text"
done < <(bench_tables "$db")
bytes=$(stat -c %s "$text")
BENCH_EXPECT_BYTES=$bytes
bench_s3_fresh

EP=$AWS_ENDPOINT_URL B=$PGEXPORT_TEST_BUCKET
C=$WORK/cpu-contenders.tsv
: >"$C"
add() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$C"; }  # name kind target command
add zstd-1 none - "zstd -1 -q -c $text >/dev/null"
add gzip-1 none - "gzip -1 -c $text >/dev/null"
add_pgexport() { # $1 = name prefix, $2 = binary
  local prefix=$1 binary=$2 unsigned=0 fc f c base
  "$binary" export --help 2>&1 | grep -q -- --s3-unsigned-payload && unsigned=1
  (( unsigned )) || blog "$binary has no --s3-unsigned-payload: its unsigned runs are skipped"
  base="$binary export --source 'dbname=$db' --jobs $jobs --run-id bench --log-level warn"
  for fc in csv-zstd csv-gzip jsonl-gzip; do
    f=${fc%-*} c=${fc#*-}
    add "$prefix-$fc-dir" dir "$WORK/out/cpu" \
      "$base --format $f --compression $c --destination $WORK/out/cpu"
    add "$prefix-$fc-s3" s3 "$prefix-$fc/r\${BENCH_RUN}" \
      "$base --format $f --compression $c --destination s3://$B/$prefix-$fc/r\${BENCH_RUN} --s3-endpoint $EP --s3-path-style"
    (( unsigned )) && add "$prefix-$fc-s3-unsigned" s3 "$prefix-$fc-u/r\${BENCH_RUN}" \
      "$base --format $f --compression $c --destination s3://$B/$prefix-$fc-u/r\${BENCH_RUN} --s3-endpoint $EP --s3-path-style --s3-unsigned-payload"
  done
  return 0
}
add_pgexport pgexport "$PGEXPORT"
[[ -z $before ]] || add_pgexport before-pgexport "$before"

for (( r = 1; r <= runs; r++ )); do
  while IFS=$'\t' read -r -u 3 name kind target cmd; do
    blog "$name (run $r)"
    measure "$raw" "$db" "$name" "$r" "$kind" "$target" "$cmd" </dev/null
  done 3<"$C"
done
rm -f "$text"

# Medians of user+sys, then the ratios.
echo "pgexport $(bench_pgexport_commit)${before:+ (before: $before)}; $db, $((bytes / 1000000)) MB of COPY text (CSV); medians of $runs runs; --jobs $jobs"
awk -F'\t' '
  $4 == 0 { cpu[$2] = cpu[$2] " " ($6 + $7); if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
  function median(list,   v, k, i, j, t) {
    k = split(list, v, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
  }
  END {
    for (i = 1; i <= n; i++) m[order[i]] = median(cpu[order[i]])
    printf "%-42s %9s %9s %14s\n", "configuration", "CPU s", "/ zstd-1", "/ csv-zstd same"
    for (i = 1; i <= n; i++) {
      name = order[i]; same = name; sub(/-(csv|jsonl)-(zstd|gzip)-/, "-csv-zstd-", same)
      ratio = (name ~ /pgexport-/ && same in m && m[same] > 0) ? sprintf("%.2f", m[name] / m[same]) : "-"
      printf "%-42s %9.2f %9.2f %14s\n", name, m[name], m[name] / m["zstd-1"], ratio
    }
  }' "$raw"
awk -F'\t' '$4 != 0 { bad = 1 } END { exit bad }' "$raw" || { blog "some runs failed (logs in $WORK/logs)"; exit 1; }
