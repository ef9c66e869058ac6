#!/usr/bin/env bash
# bench/cdc.sh - change data capture side by side with pg_recvlogical, on the same slot data.
#
# A pgbench database (scale 10, random filler), `pgexport cdc init` (slot and publication
# bench_cdc, REPLICA IDENTITY FULL for the keyless pgbench_history), a copy of the slot saved at
# that point, then a fixed pgbench workload (the default TPC-B-like script: 3 UPDATEs and 1
# INSERT per transaction). Every measurement starts from a fresh copy of the saved slot
# (pg_copy_logical_replication_slot), so each decodes exactly the same WAL from the same point:
#
#   pgexport-cdc-run-dir, -s3        `pgexport cdc run --until-caught-up` into a copy of the base
#                                    run (a directory; the same objects uploaded to S3)
#   pg_recvlogical-pgoutput-devnull  `pg_recvlogical --start -E <end LSN>` with pgoutput
#                                    (proto_version 1, the same publication) to /dev/null: the
#                                    server decoding and sending, with a client that keeps
#                                    nothing (the limit)
#   sql-peek-binary-changes          `pg_logical_slot_peek_binary_changes()` counted in SQL: the
#                                    decoding alone, with no replication protocol at all
#
# Then the commit-to-visible latency of `cdc run --follow --batch-interval 1s`, to a directory
# and to S3 (bench/cdc_latency.py: steady single-row commits, the log polled for their entry).
#
#   bench/cdc.sh [--scale N] [--transactions N] [--runs N] [--latency-rate R]
#                [--latency-seconds S] [--quick] [--raw FILE]
#
#   --scale N            pgbench scale (default 10: 1 million accounts)
#   --transactions N     pgbench transactions, run by 2 clients (default 200000: 800,000 changes)
#   --runs N             runs of every contender (default 3)
#   --latency-rate R     commits per second in the latency run (default 10)
#   --latency-seconds S  length of each latency run (default 60)
#   --quick              scale 1, 5000 transactions, 1 run, 10 s of latency: a smoke run
#   --raw FILE           the raw measurements (default bench/work/cdc.tsv); bench/run.sh --cdc
#                        passes its own and puts the tables into bench/results.md
#
# Standalone it builds pgexport and starts and stops the same servers as bench/run.sh, and prints
# a summary; called from run.sh it uses run.sh's. The database and its slots are dropped at the
# end (the slots hold the workload's WAL). Needs root and scripts/install-deps.sh.
set -euo pipefail
BENCH_TAG=bench-cdc
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
scale=10 transactions=200000 runs=3 rate=10 seconds=60 raw=""
while (( $# )); do
  case $1 in
    --scale) scale=${2:?--scale needs a number}; shift 2 ;;
    --transactions) transactions=${2:?--transactions needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --latency-rate) rate=${2:?--latency-rate needs a number}; shift 2 ;;
    --latency-seconds) seconds=${2:?--latency-seconds needs a number}; shift 2 ;;
    --quick) scale=1 transactions=5000 runs=1 seconds=10; shift ;;
    --raw) raw=${2:?--raw needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; bdie "unknown argument '$1'" ;;
  esac
done
for v in "$scale" "$transactions" "$runs" "$rate" "$seconds"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || bdie "numbers must be positive integers, got '$v'"
done
# Each latency commit updates an account of its own (the driver waits for the row it returns).
(( 2 * rate * seconds + 2 <= 100000 * scale )) ||
  bdie "--latency-rate x --latency-seconds must stay below $((50000 * scale)) (each commit updates an account of its own)"
standalone=0
[[ ${BENCH_SERVERS_STARTED:-0} == 1 ]] || standalone=1
raw=${raw:-$WORK/cdc.tsv}
META=$WORK/meta
LAT=$WORK/cdc-latency.tsv
mkdir -p "$META" "$WORK/out" "$WORK/logs"
: >"$raw"
: >"$LAT"

if (( standalone )); then
  bench_check_common_tools
  bench_build
fi
bench_check_tools "$PGBIN/pg_recvlogical:postgresql-15"
bench_start_servers

db=bench_cdc_$scale
SLOT=bench_cdc SAVED=bench_cdc_saved RECV=bench_cdc_recv PEEK=bench_cdc_peek
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -d $db"
# A slot becomes a fresh copy of the saved one (same restart point, same confirmed position).
reset_slot() { # $1 = slot; prints the SQL, for the setup commands that run it
  echo "$PSQL -c \"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$1'\" -c \"SELECT pg_copy_logical_replication_slot('$SAVED', '$1')\" >/dev/null"
}
drop_everything() { # the slots hold WAL: never leave them behind
  bpsql -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'bench\_cdc%' AND NOT active" >/dev/null
  bpsql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
}
cleanup() {
  drop_everything 2>/dev/null || blog "warning: could not drop $db and its slots"
  rm -rf "$WORK/out/cdc-"*
}
trap 'cleanup; bench_stop_servers' EXIT

printf 'pgexport\t%s\nstarted\t%s\n' "$(bench_pgexport_commit)" "$(date -u +%FT%TZ)" >"$META/cdc-machine.tsv"

# --- the data: a fresh database each time (the workload changes it) ------------------------------
drop_everything
BENCH_FRESH=1 bench_make_pgbench "$db" "$scale"
BASE=$WORK/out/cdc-base
rm -rf "$BASE"
blog "cdc init on $db"
"$PGEXPORT" cdc init --source "dbname=$db" --slot "$SLOT" --publication "$SLOT" \
  --destination "$BASE" --replica-identity-full --run-id base --log-level warn >"$WORK/logs/cdc-init.out" 2>&1 ||
  { cat "$WORK/logs/cdc-init.out" >&2; bdie "cdc init failed"; }
base_bytes=$(find "$BASE" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
bpsql -d "$db" -c "SELECT pg_copy_logical_replication_slot('$SLOT', '$SAVED')" >/dev/null
start_lsn=$(bpsql -d "$db" -At -c "SELECT pg_current_wal_insert_lsn()")
clients=2
blog "workload: pgbench -c $clients -t $((transactions / clients)) (TPC-B-like)"
t0=$(date +%s.%N)
"$PGBIN/pgbench" -n -c "$clients" -j "$clients" -t $((transactions / clients)) "$db" >"$WORK/logs/cdc-pgbench.out" 2>&1 ||
  { tail -n 20 "$WORK/logs/cdc-pgbench.out" >&2; bdie "pgbench failed"; }
workload_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
end_lsn=$(bpsql -d "$db" -At -c "SELECT pg_current_wal_insert_lsn()")
wal_bytes=$(bpsql -d "$db" -At -c "SELECT pg_wal_lsn_diff('$end_lsn', '$start_lsn')")
# Logical decoding reads flushed WAL only; under synchronous_commit = off the WAL writer flushes
# the last commits within a second.
for _ in $(seq 100); do
  [[ $(bpsql -d "$db" -At -c "SELECT pg_current_wal_flush_lsn() >= '$end_lsn'") == t ]] && break
  sleep 0.1
done
# What the slot holds, counted by the server itself: changes (Insert, Update, Delete messages)
# and transactions (Commit messages) of the publication up to the end LSN.
bpsql -d "$db" -c "SELECT pg_copy_logical_replication_slot('$SAVED', '$PEEK')" >/dev/null
read -r changes commits < <(bpsql -d "$db" -At -F ' ' -c "
  SELECT count(*) FILTER (WHERE get_byte(data, 0) IN (73, 85, 68)), count(*) FILTER (WHERE get_byte(data, 0) = 67)
  FROM pg_logical_slot_peek_binary_changes('$PEEK', '$end_lsn', NULL,
       'proto_version', '1', 'publication_names', '$SLOT')")
bpsql -d "$db" -c "SELECT pg_drop_replication_slot('$PEEK')" >/dev/null
(( changes == 4 * transactions )) ||
  blog "warning: the slot holds $changes changes, not the $((4 * transactions)) the workload makes"
blog "the slot holds $commits transactions, $changes changes, $((wal_bytes / 1000000)) MB of WAL ($start_lsn to $end_lsn)"
printf '%s\tpgbench -s %s, filler random\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$scale" \
  "$transactions" "$commits" "$changes" "$wal_bytes" "$start_lsn" "$end_lsn" "$base_bytes" "$workload_s" \
  >"$META/cdc-datasets.tsv"
printf '%s\n' "$PGBIN/pgbench -n -c $clients -j $clients -t $((transactions / clients)) $db" >"$META/cdc-workload.txt"

# --- contenders -------------------------------------------------------------------------------
# dataset name kind target setup cmd (no field empty: "-")
EP=$AWS_ENDPOINT_URL B=$PGEXPORT_TEST_BUCKET O=$WORK/out
C=$META/cdc-contenders.tsv
: >"$C"
addc() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$@" >>"$C"; }
run="$PGEXPORT cdc run --source 'dbname=$db' --slot $SLOT --until-caught-up --log-level warn"
addc pgexport-cdc-run-dir dir "$O/cdc-dir" "$(reset_slot $SLOT); cp -a $BASE $O/cdc-dir" \
  "$run --destination $O/cdc-dir"
addc pgexport-cdc-run-s3 s3 "cdc/r\${BENCH_RUN}" \
  "$(reset_slot $SLOT); $PY $BENCH_DIR/s3util.py put $BASE cdc/r\${BENCH_RUN} >/dev/null" \
  "$run --destination s3://$B/cdc/r\${BENCH_RUN} --s3-endpoint $EP --s3-path-style"
addc pg_recvlogical-pgoutput-devnull none - "$(reset_slot $RECV)" \
  "$PGBIN/pg_recvlogical -d $db --slot $RECV --start -E $end_lsn -o proto_version=1 -o publication_names=$SLOT -f /dev/null"
addc sql-peek-binary-changes none - "$(reset_slot $PEEK)" \
  "$PSQL -At -c \"SELECT count(*) FROM pg_logical_slot_peek_binary_changes('$PEEK', '$end_lsn', NULL, 'proto_version', '1', 'publication_names', '$SLOT')\" >/dev/null"

# Every S3 run stores the base and the change files: well under the gateway's budget.
BENCH_EXPECT_BYTES=$((base_bytes + wal_bytes))
bench_s3_fresh
for (( r = 1; r <= runs; r++ )); do
  while IFS=$'\t' read -r -u 3 ds name kind target setup cmd; do
    blog "$ds $name (run $r)"
    BENCH_SETUP=$setup measure "$raw" "$ds" "$name" "$r" "$kind" "$target" "$cmd" </dev/null
    # The same data for everyone: every cdc run must ship exactly the changes the slot holds.
    if [[ $name == pgexport-* ]] && tail -n 1 "$raw" | awk -F'\t' '{ exit $4 != 0 }'; then
      shipped=$(grep -o '[0-9]* changes' "$WORK/logs/$ds.$name.$r.err.out" | head -n 1 | cut -d ' ' -f 1)
      [[ $shipped == "$changes" ]] || bdie "$name shipped ${shipped:-no} changes, not the $changes the slot holds"
    fi
  done 3<"$C"
done

# --- commit-to-visible latency in --follow mode -------------------------------------------------
# The slot is reset to the saved copy and the backlog drained (untimed) first, so --follow starts
# at the live end of the WAL; then steady commits for $seconds s; then SIGTERM.
latency() { # $1 = dir|s3, $2 = destination, $3 = first aid, then the destination's options
  local kind=$1 dest=$2 first=$3 log=$WORK/logs/cdc-follow-$1 pid rc=0
  local -a extra=("${@:4}")
  bash -c "set -euo pipefail; $(reset_slot $SLOT)"
  "$PGEXPORT" cdc run --source "dbname=$db" --slot "$SLOT" --destination "$dest" "${extra[@]}" \
    --until-caught-up --log-level warn >"$log.drain" 2>&1 || { cat "$log.drain" >&2; bdie "draining the backlog into $dest failed"; }
  "$PGEXPORT" cdc run --source "dbname=$db" --slot "$SLOT" --destination "$dest" "${extra[@]}" \
    --follow --batch-interval 1s --log-level info >"$log.out" 2>"$log.err" &
  pid=$!
  for _ in $(seq 100); do grep -q 'change stream starting' "$log.err" && break; sleep 0.1; done
  sleep 1
  blog "latency to $kind: $((rate * seconds)) commits at $rate/s"
  "$PY" "$BENCH_DIR/cdc_latency.py" --db "$db" --dest "$dest" --rate "$rate" --seconds "$seconds" \
    --first-aid "$first" --out "$WORK/cdc-latency-$kind.tsv" --psql "$PGBIN/psql" >"$log.driver" 2>&1 || rc=$?
  kill -TERM "$pid"
  wait "$pid" || { tail -n 5 "$log.err" >&2; bdie "cdc run --follow to $kind failed"; }
  (( rc == 0 )) || { cat "$log.driver" >&2; bdie "the latency driver failed"; }
  awk -v k="$kind" -F'\t' '{ print k "\t" $0 }' "$WORK/cdc-latency-$kind.tsv" >>"$LAT"
  rm -f "$WORK/cdc-latency-$kind.tsv"
}
rm -rf "$O/cdc-follow"; cp -a "$BASE" "$O/cdc-follow"
latency dir "$O/cdc-follow" 1
"$PY" "$BENCH_DIR/s3util.py" put "$BASE" cdc-follow >/dev/null
latency s3 "s3://$B/cdc-follow" $((rate * seconds + 2)) --s3-endpoint "$EP" --s3-path-style
printf 'latency\t%s commits/s for %s s per destination, cdc run --follow --batch-interval 1s\n' "$rate" "$seconds" >>"$META/cdc-machine.tsv"
printf 'finished\t%s\n' "$(date -u +%FT%TZ)" >>"$META/cdc-machine.tsv"

if (( standalone )); then
  echo "contender	run	exit	wall_s	changes_per_s	peak_rss_MiB	client_cpu_s	server_cpu_s"
  awk -F'\t' -v c="$changes" '{ printf "%s\t%s\t%s\t%.2f\t%.0f\t%.0f\t%.2f\t%.2f\n", $2, $3, $4, $5, c / $5, $8 / 1024, $6 + $7, $9 }' "$raw"
  for k in dir s3; do
    awk -F'\t' -v k="$k" '$1 == k { print $4 }' "$LAT" | sort -n |
      awk -v k="$k" '{ a[NR] = $1 } END { if (NR) printf "latency to %s: %d commits, p50 %.0f ms, p95 %.0f ms, max %.0f ms\n", k, NR, a[int((NR + 1) * 0.5)], a[int(NR * 0.95 + 0.5)], a[NR] }'
  done
fi
awk -F'\t' '$4 != 0 { bad = 1 } END { exit bad }' "$raw" || { blog "some runs failed (logs in $WORK/logs)"; exit 1; }
