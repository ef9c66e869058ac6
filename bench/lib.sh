# shellcheck shell=bash
# bench/lib.sh - helpers shared by bench/run.sh and bench/memory.sh (sourced, never run).
#
# Gives: logging, tool checks, our own PostgreSQL and RADOS Gateway instances (through
# scripts/pg-local.sh and scripts/ceph-s3.sh, on their own directories and ports), the pgexport
# build, the pgbench data set with random filler, and `measure`, which runs one command under
# /usr/bin/time -v and appends one line to a raw TSV file.

BENCH_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

# Our own server instances (never the ones the tests or colleagues use).
export PGEXPORT_LOCAL_DIR=${BENCH_PG_DIR:-/tmp/bench-local}
export PGEXPORT_PG_PORT=${BENCH_PG_PORT:-54350}
export CEPH_S3_DIR=${BENCH_CEPH_DIR:-/tmp/bench-ceph}
export CEPH_S3_PORT=${BENCH_S3_PORT:-7495}
export CEPH_S3_MON_PORT=${BENCH_S3_MON_PORT:-3320}
# Objects live in the OSD's RAM; the gateway is restarted empty before it holds more than
# BENCH_S3_BUDGET bytes (see bench_s3_fresh), so this only needs room for that.
export CEPH_S3_MEM_BYTES=${BENCH_S3_MEM_BYTES:-8589934592}
PGBIN=${PGEXPORT_PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=${BENCH_WORK_DIR:-$BENCH_DIR/work}
BUILD_DIR=${BENCH_BUILD_DIR:-$REPO/build-bench}
PGEXPORT=${BENCH_PGEXPORT:-$BUILD_DIR/pgexport}
# Debian's awscli (2.9.19), not whatever `aws` comes first on PATH: it is what install-deps.sh
# installs and what the numbers are documented for. It ignores AWS_ENDPOINT_URL, so every call
# passes --endpoint-url.
AWS_CLI=${BENCH_AWS_CLI:-/usr/bin/aws}
BENCH_TAG=${BENCH_TAG:-bench}
# The system Python (the one awscli uses): a pyenv shim first on PATH starts slowly.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
# Bump when the way data sets are generated changes: existing databases are then rebuilt.
DATASET_VERSION=2

blog() { echo "[$BENCH_TAG $(date +%T)] $*" >&2; }
bdie() { echo "[$BENCH_TAG] error: $*" >&2; exit 1; }

# Fail early, with the package to install, when a tool is missing.
bench_check_tools() {
  local missing=() spec cmd pkg
  for spec in "$@"; do
    cmd=${spec%%:*} pkg=${spec#*:}
    if [[ $cmd == /* ]]; then [[ -x $cmd ]] || missing+=("$cmd ($pkg)")
    else command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd ($pkg)"); fi
  done
  if (( ${#missing[@]} )); then
    bdie "missing: ${missing[*]}; run scripts/install-deps.sh --bench (as root) and try again"
  fi
}
bench_check_common_tools() {
  bench_check_tools "$PGBIN/pgbench:postgresql-15" "$PGBIN/pg_dump:postgresql-client-15" \
    "$PGBIN/psql:postgresql-client-15" "$PGBIN/postgres:postgresql-15" /usr/bin/time:time \
    "$AWS_CLI:awscli" zstd:zstd python3:python3 cmake:cmake ninja:ninja-build \
    radosgw:radosgw ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw-admin:radosgw flock:util-linux \
    pigz:pigz gzip:gzip
  "$PY" -c 'import matplotlib' 2>/dev/null ||
    bdie "missing: python3-matplotlib (draws the charts); run scripts/install-deps.sh --bench (as root) and try again"
  (( EUID == 0 )) || bdie "run as root: the PostgreSQL cluster runs as user postgres and the physical-limit COPY writes to the server's /dev/null"
}

# psql against our cluster: quiet, no psqlrc, stop on the first error.
bpsql() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------------------------------------
# Servers. BENCH_SERVERS_STARTED=1 in the environment means a parent script owns them.
BENCH_OWN_SERVERS=0
bench_start_servers() {
  if [[ ${BENCH_SERVERS_STARTED:-0} == 1 ]]; then
    eval "$("$REPO/scripts/pg-local.sh" env)"
    eval "$("$REPO/scripts/ceph-s3.sh" env)"
    return 0
  fi
  BENCH_OWN_SERVERS=1
  trap bench_stop_servers EXIT
  blog "starting PostgreSQL ($PGEXPORT_LOCAL_DIR, port $PGEXPORT_PG_PORT)"
  "$REPO/scripts/pg-local.sh" start
  blog "starting the RADOS Gateway ($CEPH_S3_DIR, port $CEPH_S3_PORT)"
  "$REPO/scripts/ceph-s3.sh" start
  eval "$("$REPO/scripts/pg-local.sh" env)"
  eval "$("$REPO/scripts/ceph-s3.sh" env)"
  export BENCH_SERVERS_STARTED=1
}
bench_stop_servers() {
  (( BENCH_OWN_SERVERS )) || return 0
  BENCH_OWN_SERVERS=0
  blog "stopping our servers"
  "$REPO/scripts/ceph-s3.sh" clean >/dev/null 2>&1 || blog "warning: ceph-s3.sh clean failed"
  rm -f "$CEPH_S3_DIR.lock"
  "$REPO/scripts/pg-local.sh" stop >/dev/null 2>&1 || blog "warning: pg-local.sh stop failed"
  # Measurement outputs (the data sets stay in the stopped cluster, for the next run).
  rm -rf "$WORK/out"
}

# The postmaster's pid of our cluster.
bench_postmaster_pid() { head -n 1 "$PGEXPORT_LOCAL_DIR/pg/data/postmaster.pid"; }
# Pids of our Ceph daemons (radosgw, OSD, monitor).
bench_ceph_pids() { cat "$CEPH_S3_DIR"/run/*.pid 2>/dev/null | tr '\n' ' '; }

# ---------------------------------------------------------------------------------------------
# Build pgexport in its own build directory (Release). A colleague's half-edited module can
# break the build: then retry a few times, and fall back to the last binary built (the
# results say so).
bench_build() {
  local attempt log=$WORK/build.log
  mkdir -p "$WORK"
  if [[ -n ${BENCH_PGEXPORT:-} ]]; then
    [[ -x $PGEXPORT ]] || bdie "BENCH_PGEXPORT=$PGEXPORT is not executable"
    echo "given binary $PGEXPORT" >"$WORK/build-note"
    return 0
  fi
  for attempt in 1 2 3; do
    blog "building pgexport in $BUILD_DIR (attempt $attempt; log $log)"
    if cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1 &&
       cmake --build "$BUILD_DIR" --target pgexport -j "$(nproc)" >>"$log" 2>&1; then
      (cd "$REPO" && echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src CMakeLists.txt 2>/dev/null || echo ' + uncommitted changes in src/')") \
        >"$BUILD_DIR/.bench-commit"
      echo "built now" >"$WORK/build-note"
      return 0
    fi
    tail -n 5 "$log" >&2
    (( attempt < 3 )) && { blog "build failed; retrying in 120 s (a module may be mid-edit)"; sleep 120; }
  done
  [[ -x $PGEXPORT ]] || bdie "pgexport does not build (see $log) and there is no earlier binary"
  blog "warning: build failed; using the earlier binary $PGEXPORT"
  echo "build failed; earlier binary used" >"$WORK/build-note"
}
bench_pgexport_commit() {
  if [[ -n ${BENCH_PGEXPORT:-} ]]; then echo "given binary $PGEXPORT"; return; fi
  cat "$BUILD_DIR/.bench-commit" 2>/dev/null || echo unknown
}

# ---------------------------------------------------------------------------------------------
# Data sets. Each lives in its own database, marked with a comment naming how it was made;
# a database whose comment matches is reused (BENCH_FRESH=1 rebuilds).
bench_db_marker() { bpsql -d postgres -At -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$1'"; }

# True (and says so) when database $1 was made as marker $2 describes and may be reused.
bench_reusable_db() {
  [[ ${BENCH_FRESH:-0} != 1 && $(bench_db_marker "$1") == "$2" ]] || return 1
  blog "reusing database $1 ($2)"
}

# pgbench tables at scale $2 in database $1, with pgbench_accounts.filler random hex text
# (84 characters, as wide as the column) instead of pgbench's blanks, which compress away.
bench_make_pgbench() {
  local db=$1 scale=$2 marker="pgexport-bench v$DATASET_VERSION pgbench scale $2 random filler" t0=$SECONDS
  bench_reusable_db "$db" "$marker" && return 0
  blog "creating $db: pgbench tables at scale $scale with random filler"
  bpsql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  # pgbench creates the tables (d, t); we fill them as its server-side generator (G) would,
  # except for filler; then pgbench vacuums (v) and adds the primary keys (p).
  "$PGBIN/pgbench" -i -I dt -s "$scale" -q "$db" >/dev/null 2>&1
  bpsql -d "$db" <<SQL
INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, $scale) AS bid;
INSERT INTO pgbench_tellers (tid, bid, tbalance)
  SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, $scale * 10) AS tid;
INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
  SELECT aid, (aid - 1) / 100000 + 1, 0,
         md5(random()::text) || md5(random()::text) || left(md5(random()::text), 20)
  FROM generate_series(1, $scale::bigint * 100000) AS aid;
SQL
  "$PGBIN/pgbench" -i -I vp -s "$scale" -q "$db" >/dev/null 2>&1
  bpsql -d postgres -c "COMMENT ON DATABASE $db IS '$marker'"
  blog "$db ready in $((SECONDS - t0)) s"
}

# The sample database at scale $2 in database $1 (scripts/sampledb/load.sh).
bench_make_sample() {
  local db=$1 scale=$2 marker="pgexport-bench v$DATASET_VERSION sampledb scale $2" t0=$SECONDS
  bench_reusable_db "$db" "$marker" && return 0
  blog "creating $db: sample database at scale $scale"
  bpsql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  PGDATABASE=$db "$REPO/scripts/sampledb/load.sh" --scale "$scale" >"$WORK/load-$db.log" 2>&1 ||
    { tail -n 20 "$WORK/load-$db.log" >&2; bdie "scripts/sampledb/load.sh --scale $scale failed"; }
  bpsql -d "$db" -c "VACUUM ANALYZE"
  bpsql -d postgres -c "COMMENT ON DATABASE $db IS '$marker'"
  blog "$db ready in $((SECONDS - t0)) s"
}

# Tables of database $1 as TSV: quoted name, kind (r plain, p partitioned), is-partition,
# size in 8 KiB blocks. Same selection as pgexport: user schemas, not owned by extensions.
bench_tables() {
  bpsql -d "$1" -At -F $'\t' -c "
    SELECT c.oid::regclass::text, c.relkind, c.relispartition, pg_relation_size(c.oid) / 8192
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY pg_relation_size(c.oid) DESC, 1"
}
# The COPY source of one logical table: a plain table by name, a partitioned one by query.
bench_copy_source() { # $1=name $2=kind
  if [[ $2 == p ]]; then echo "(SELECT * FROM $1)"; else echo "$1"; fi
}

# COPY text size and row count of database $1 (every logical table, text format, to the
# client): prints "bytes rows tables". Also warms the page cache for what follows.
bench_copy_size() {
  local db=$1 name kind part bytes=0 rows=0 tables=0 b r
  while IFS=$'\t' read -r name kind part _; do
    [[ $part == t ]] && continue
    read -r r b < <(bpsql -d "$db" -c "COPY $(bench_copy_source "$name" "$kind") TO STDOUT" | wc -lc)
    bytes=$((bytes + b)) rows=$((rows + r)) tables=$((tables + 1))
  done < <(bench_tables "$db")
  echo "$bytes $rows $tables"
}

# ---------------------------------------------------------------------------------------------
# Measuring. CPU seconds of a process tree from /proc: each root's own and reaped children's
# time (utime+stime+cutime+cstime) plus the live time of every live descendant.
bench_cpu() { "$PY" "$BENCH_DIR/procstat.py" "$@"; }

# S3 helpers (Debian's awscli against our gateway).
baws() { "$AWS_CLI" --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
# Bytes under s3://bucket/prefix/, with bench/s3util.py: the awscli needs about a second per
# call, which adds up over a hundred measurements.
bench_s3_size() { "$PY" "$BENCH_DIR/s3util.py" size "$1"; }

# Objects are never deleted between measurements: the in-memory OSD's byte accounting drifts
# below zero after many deletions (Ceph 16 memstore), and the OSD then believes it is full
# ("full status failsafe engaged ... now -2147483648% full") and stalls every write. Instead
# every measurement writes under its own prefix, and the gateway is restarted empty (about
# 6 s, outside the timing) before the objects held (about 1.7x as much RAM) could exceed
# BENCH_S3_BUDGET bytes; the next run is assumed to store at most the data set's COPY text size.
BENCH_S3_BUDGET=${BENCH_S3_BUDGET:-2000000000}
BENCH_S3_HELD=0
bench_s3_fresh() {
  blog "  restarting the RADOS Gateway empty ($((BENCH_S3_HELD / 1000000)) MB held)"
  "$REPO/scripts/ceph-s3.sh" stop >/dev/null 2>&1 || true
  "$REPO/scripts/ceph-s3.sh" start >"$WORK/ceph-start.log" 2>&1 ||
    { tail -n 20 "$WORK/ceph-start.log" >&2; bdie "the RADOS Gateway did not restart"; }
  eval "$("$REPO/scripts/ceph-s3.sh" env)"
  BENCH_S3_HELD=0
}
bench_s3_failsafe() { # true when the OSD has declared itself full
  grep -q 'failsafe engaged' "$CEPH_S3_DIR/log/osd.0.log" 2>/dev/null
}

# measure RAW DATASET CONTENDER RUN KIND TARGET CMD
#   KIND is dir, dir-keep, s3 or none; TARGET is the output directory (removed before and after;
#   dir-keep leaves it for a later measurement to read) or the S3 prefix. CMD runs under
#   `bash -c` with pipefail and BENCH_RUN=RUN in its environment (S3 commands put it into their
#   prefix, as TARGET does with the literal '${BENCH_RUN}'), timed by /usr/bin/time -v, and
#   killed after BENCH_TIMEOUT seconds (default 1800).
#   BENCH_SETUP, when set, runs the same way just before, untimed, once the destination is
#   prepared (an S3 gateway restarted empty included): e.g. a replication slot reset to a saved
#   copy and a base run copied into TARGET, so every run starts from the same state.
#   BENCH_EXPECT_BYTES (the data set's COPY text size) bounds what an S3 run may store.
#   One TSV line is appended to RAW: dataset contender run rc wall_s user_s sys_s maxrss_kb
#   server_cpu_s s3_cpu_s out_bytes load1 note
measure() {
  # shellcheck disable=SC2016  # the literal text ${BENCH_RUN} is what gets replaced
  local raw=$1 ds=$2 name=$3 run=$4 kind=$5 target=${6//'${BENCH_RUN}'/$4} cmd=$7
  local tfile=$WORK/time.txt errf=$WORK/logs/$ds.$name.$run.err pm pg0 pg1 s30 s31
  local -a cephp
  local rc wall user sys rss out load note attempt
  mkdir -p "$WORK/logs"
  for attempt in 1 2; do
    rc=0 out=0 note=""
    case $kind in
      dir|dir-keep) rm -rf "$target"; mkdir -p "$(dirname "$target")" ;;
      s3) if bench_s3_failsafe || (( BENCH_S3_HELD + ${BENCH_EXPECT_BYTES:-0} > BENCH_S3_BUDGET )); then
            bench_s3_fresh
          fi ;;
    esac
    if [[ -n ${BENCH_SETUP:-} ]]; then
      BENCH_RUN=$run bash -c "set -euo pipefail; $BENCH_SETUP" >"$errf.setup" 2>&1 ||
        { tail -n 20 "$errf.setup" >&2; bdie "the setup of $name (run $run) failed: $BENCH_SETUP"; }
    fi
    pm=$(bench_postmaster_pid)
    read -r -a cephp <<<"$(bench_ceph_pids)"
    load=$(cut -d ' ' -f 1 /proc/loadavg)
    pg0=$(bench_cpu "$pm") s30=$(bench_cpu "${cephp[@]}")
    BENCH_RUN=$run /usr/bin/time -v -o "$tfile" timeout -k 10 "${BENCH_TIMEOUT:-1800}" \
      bash -c "set -euo pipefail; $cmd" >"$errf.out" 2>"$errf" || rc=$?
    pg1=$(bench_cpu "$pm") s31=$(bench_cpu "${cephp[@]}")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tfile")
    user=$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$tfile")
    sys=$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$tfile")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tfile")
    if (( rc == 0 )); then
      case $kind in
        dir|dir-keep) out=$(find "$target" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }') || out=0 ;;
        s3) out=$(bench_s3_size "$target") || out=0 ;;
      esac
    else
      note=$(grep -v '^\s*$' "$errf" | tail -n 1 | tr '\t' ' ' | cut -c 1-200)
      (( rc == 124 || rc == 137 )) && note="timed out after ${BENCH_TIMEOUT:-1800} s; $note"
      blog "  FAILED (exit $rc): $note (log: $errf)"
    fi
    [[ $kind == dir ]] && rm -rf "$target"
    if [[ $kind == s3 ]]; then
      if (( out > 0 )); then BENCH_S3_HELD=$((BENCH_S3_HELD + out))
      else BENCH_S3_HELD=$((BENCH_S3_HELD + ${BENCH_EXPECT_BYTES:-0})); fi
      if bench_s3_failsafe && (( attempt == 1 )); then
        blog "  the OSD declared itself full during this run: restarting the gateway and measuring again"
        rm -f "$WORK/phase"
        bench_s3_fresh
        continue
      fi
    fi
    break
  done
  if [[ -f $WORK/phase ]]; then note="${note}phase1=$(cat "$WORK/phase")"; rm -f "$WORK/phase"; fi
  # pgexport's summary names each job's busy seconds ("jobs busy 6.1, 5.9 s"): how evenly the
  # plan spread the work.
  local busy
  busy=$(sed -n 's/.*; jobs busy \([0-9., ]*\) s\..*/\1/p' "$errf.out" 2>/dev/null | head -n 1 | tr -d ' ')
  [[ -n $busy ]] && note="${note:+$note }busy=$busy"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ds" "$name" "$run" "$rc" "$wall" \
    "$user" "$sys" "$rss" "$(awk -v a="$pg0" -v b="$pg1" 'BEGIN { printf "%.2f", b - a }')" \
    "$(awk -v a="$s30" -v b="$s31" 'BEGIN { printf "%.2f", b - a }')" "$out" "$load" "$note" >>"$raw"
  blog "  $name run $run: $(printf '%.2f' "$wall") s, rss $((rss / 1024)) MiB, exit $rc"
  return 0
}

# Machine description as TSV key/value lines.
bench_machine() {
  local mem
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  printf 'cores (nproc)\t%s\n' "$(nproc)"
  printf 'memory\t%s\n' "$mem"
  printf 'CPU\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  printf 'kernel\t%s\n' "$(uname -sr)"
  printf 'OS\t%s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")"
  printf 'PostgreSQL\t%s\n' "$(bpsql -d postgres -At -c 'SHOW server_version')"
  printf 'PostgreSQL settings\t%s\n' "$(bpsql -d postgres -At -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'work_mem')")"
  printf 'pgexport\t%s (%s; Release build)\n' "$(bench_pgexport_commit)" "$(cat "$WORK/build-note" 2>/dev/null || echo '?')"
  printf 'aws CLI\t%s\n' "$("$AWS_CLI" --version 2>&1 | head -n 1)"
  printf 'zstd\t%s\n' "$(zstd --version | grep -o 'v[0-9.]*' | head -n 1)"
  printf 'S3 server\tCeph RADOS Gateway %s (memstore OSD, 127.0.0.1, plain HTTP)\n' "$(radosgw --version 2>/dev/null | awk '{ print $3 }')"
}
