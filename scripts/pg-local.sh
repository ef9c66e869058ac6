#!/usr/bin/env bash
# pg-local.sh - a throwaway PostgreSQL 15 cluster for pgexport's integration tests and demo.
#
#   scripts/pg-local.sh start        # idempotent: no-op when running; initdb on first use
#   scripts/pg-local.sh stop         # idempotent: pg_ctl stop -m fast
#   scripts/pg-local.sh status       # exit 0 iff the server accepts connections
#   scripts/pg-local.sh env          # export lines: eval "$(scripts/pg-local.sh env)"
#   scripts/pg-local.sh psql [ARGS]  # psql against the cluster, e.g. psql -c 'select version()'
#   scripts/pg-local.sh clean        # stop and delete the cluster (data, socket, log)
#
# The server listens on a Unix socket only (no TCP), in its own directory, so it cannot clash
# with another PostgreSQL on this machine. It is set up for logical replication (pgexport's
# change data capture uses pgoutput slots) with fsync on, so crash semantics stay real;
# synchronous_commit is off only to make test setup faster.
#
# Env: PGEXPORT_LOCAL_DIR (default <repo>/.local; the cluster lives in its pg/ subdirectory)
#      PGEXPORT_PG_PORT   (default 54329; also names the socket file)
#      PGEXPORT_PG_BIN    (default /usr/lib/postgresql/15/bin; Debian keeps it off PATH)
#      PGEXPORT_PG_TLS_DIR (unset: no TCP at all) a directory holding server.crt and server.key:
#                          the server also listens on 127.0.0.1:PORT, TLS only, with that
#                          certificate (the TLS tests start a second cluster this way)
#
# PostgreSQL refuses to run as root: as root, the server runs as the "postgres" user and its
# directories belong to it. If postgres cannot reach the default directory (a repository under
# a private home, say) or the socket path would be too long, the cluster moves to
# /tmp/pgexport-<uid>/pg, and `env` says so.
set -euo pipefail
PGX_TAG=pg-local
# shellcheck source=scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

PORT=${PGEXPORT_PG_PORT:-54329}
PGBIN=${PGEXPORT_PG_BIN:-/usr/lib/postgresql/15/bin}
if ! [[ $PORT =~ ^[0-9]+$ ]] || (( PORT < 1 || PORT > 65535 )); then
  pgx_die "PGEXPORT_PG_PORT must be a port number (1-65535), got '$PORT'"
fi

as_root=0
(( EUID == 0 )) && as_root=1

# Run a server-side command as the cluster's owner. cd / first: postgres may not be allowed
# into the caller's working directory, and initdb/pg_ctl warn or fail there.
as_owner() {
  if (( as_root )); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# True if the cluster's owner can reach DIR, or, when DIR does not exist yet, its nearest
# existing ancestor (access() checks search permission on every component of the path).
owner_can_reach() {
  local d=$1
  while [[ ! -e $d ]]; do d=$(dirname "$d"); done
  (( as_root )) || return 0
  runuser -u postgres -- test -x "$d" -a -d "$d" 2>/dev/null
}

# The Unix socket path must fit in sockaddr_un (107 bytes).
socket_fits() { (( ${#1} + ${#PORT} + 15 <= 107 )); }   # "/sock/.s.PGSQL." is 15 bytes

choose_base() {
  local why=""
  if [[ -n ${PGEXPORT_LOCAL_DIR:-} ]]; then
    BASE=$(realpath -m "$PGEXPORT_LOCAL_DIR")/pg   # absolute: server commands run from /
    owner_can_reach "$BASE" ||
      pgx_die "user postgres cannot reach $BASE (PGEXPORT_LOCAL_DIR); pick a directory it can traverse"
    socket_fits "$BASE" || pgx_die "socket path under $BASE is too long for a Unix socket; set a shorter PGEXPORT_LOCAL_DIR"
    return
  fi
  BASE=$PGX_ROOT/.local/pg
  if ! owner_can_reach "$BASE"; then
    why="user postgres cannot traverse $PGX_ROOT"
  elif ! socket_fits "$BASE"; then
    why="the socket path under $PGX_ROOT would be too long"
  fi
  if [[ -n $why ]]; then
    BASE=/tmp/pgexport-$EUID/pg
    FALLBACK_NOTE="cluster is under $BASE because $why"
  fi
}

FALLBACK_NOTE=""
choose_base
DATA=$BASE/data
SOCK=$BASE/sock
LOG=$BASE/postgresql.log

# The postmaster's pid from its lock file, if that process is alive. A killed postmaster can
# linger as a zombie until it is reaped; it counts as gone (it serves nothing), but see
# wait_zombie: the server refuses to start while that pid still exists.
server_pid() {
  local pid
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]] || return 0
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres ]] || return 0   # pid reused after a reboot
  [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == Z ]] && return 0
  echo "$pid"
}
pg_ready() { "$PGBIN/pg_isready" -q -h "$SOCK" -p "$PORT" -U postgres -d postgres -t 5; }

wait_zombie() {
  local pid
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  for _ in $(seq 1 50); do
    [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == Z ]] || return 0
    sleep 0.2
  done
  pgx_log "warning: old postmaster $pid still not reaped after 10 s"
}

# Print what the server logged since LOG_MARK (a byte offset), so a failure shows this attempt.
LOG_MARK=0
log_tail() {
  [[ -r $LOG ]] || return 0
  echo "--- $LOG (this attempt):" >&2
  tail -c +"$((LOG_MARK + 1))" "$LOG" | tail -n 25 >&2
}

check_binaries() {
  [[ -x $PGBIN/initdb && -x $PGBIN/pg_ctl && -x $PGBIN/postgres ]] ||
    pgx_die "PostgreSQL server binaries not found in $PGBIN (apt-get install postgresql-15, or scripts/install-deps.sh)"
  if (( as_root )); then
    id postgres >/dev/null 2>&1 || pgx_die "user 'postgres' does not exist (it comes with the postgresql-common package)"
  fi
}

# Create the directories with a umask that lets the owner traverse every new level, then hand
# the cluster directory to the owner.
make_dirs() {
  (umask 022 && mkdir -p "$BASE")
  if (( as_root )); then
    [[ $BASE == /tmp/pgexport-$EUID/pg ]] && chmod 755 "$(dirname "$BASE")"
    chown postgres:postgres "$BASE"
  fi
  as_owner mkdir -p "$SOCK"
  as_owner chmod 755 "$SOCK"   # other local users may connect too; trust auth is fine here
}

# With PGEXPORT_PG_TLS_DIR: the certificate and key, copied into the cluster (the server wants
# its key owned by itself and private), and the settings that serve them on 127.0.0.1.
tls_settings() {
  if [[ -z ${PGEXPORT_PG_TLS_DIR:-} ]]; then
    echo "listen_addresses = ''                # Unix socket only: nothing else on the machine can clash"
    return
  fi
  [[ -r $PGEXPORT_PG_TLS_DIR/server.crt && -r $PGEXPORT_PG_TLS_DIR/server.key ]] ||
    pgx_die "PGEXPORT_PG_TLS_DIR=$PGEXPORT_PG_TLS_DIR must hold server.crt and server.key"
  as_owner tee "$DATA/pgexport-server.crt" <"$PGEXPORT_PG_TLS_DIR/server.crt" >/dev/null
  as_owner tee "$DATA/pgexport-server.key" <"$PGEXPORT_PG_TLS_DIR/server.key" >/dev/null
  as_owner chmod 600 "$DATA/pgexport-server.key"
  cat <<EOF
listen_addresses = '127.0.0.1'       # loopback only, and TLS only (see the hba file)
ssl = on
ssl_cert_file = '$DATA/pgexport-server.crt'
ssl_key_file = '$DATA/pgexport-server.key'
EOF
}

# Settings are rewritten on every start, so an existing cluster always runs with the current
# ones; postgresql.conf only includes this file (added once, at initdb).
write_settings() {
  local listen
  listen=$(tls_settings)
  as_owner tee "$DATA/pgexport-local.conf" >/dev/null <<EOF
# Written by scripts/pg-local.sh on every start; edits here are lost.
$listen
unix_socket_directories = '$SOCK'
port = $PORT
max_connections = 100
shared_buffers = 512MB
# pgexport's change data capture: pgoutput logical replication slots over walsender connections
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
# fsync stays on (crash behaviour is part of what is tested); async commit only speeds setup
synchronous_commit = off
max_wal_size = 2GB
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
hba_file = '$DATA/pgexport-local-hba.conf'
EOF
  # Everyone is trusted on the private socket, except one role that pgexport's tests use to
  # see a real password check pass or fail, on ordinary and on replication connections.
  as_owner tee "$DATA/pgexport-local-hba.conf" >/dev/null <<EOF
# Written by scripts/pg-local.sh on every start; edits here are lost.
local all pgexport_password_check scram-sha-256
local all all trust
local replication pgexport_password_check scram-sha-256
local replication all trust
EOF
  if [[ -n ${PGEXPORT_PG_TLS_DIR:-} ]]; then
    echo "hostssl all all 127.0.0.1/32 trust" | as_owner tee -a "$DATA/pgexport-local-hba.conf" >/dev/null
  fi
}

do_start() {
  local t0=$SECONDS ver
  check_binaries
  [[ -n $FALLBACK_NOTE ]] && pgx_log "note: $FALLBACK_NOTE"
  if [[ -n $(server_pid) ]]; then
    # Alive: ready now, or still starting up / recovering; never start a second postmaster.
    for _ in $(seq 1 120); do
      if pg_ready; then pgx_log "already running (socket $SOCK, port $PORT)"; return 0; fi
      [[ -n $(server_pid) ]] || break
      sleep 0.5
    done
    [[ -z $(server_pid) ]] || { log_tail; pgx_die "server (pid $(server_pid)) runs but does not accept connections on $SOCK"; }
  fi
  make_dirs
  if [[ ! -f $DATA/PG_VERSION ]]; then
    pgx_log "initdb $DATA"
    as_owner rm -rf "$DATA"   # leftovers of an interrupted initdb
    if ! as_owner "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
         >"$BASE/initdb.log" 2>&1; then
      tail -n 25 "$BASE/initdb.log" >&2
      pgx_die "initdb failed (full output in $BASE/initdb.log)"
    fi
    echo "include_if_exists = 'pgexport-local.conf'" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
  fi
  ver=$(cat "$DATA/PG_VERSION")
  [[ $("$PGBIN/postgres" --version) =~ \ $ver(\.|$) ]] ||
    pgx_die "$DATA was made by PostgreSQL $ver, not by $PGBIN; run '$0 clean' first"
  write_settings
  wait_zombie
  LOG_MARK=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
  pgx_log "starting PostgreSQL $ver (socket $SOCK, port $PORT)"
  # 9>&-: the server must not inherit our lock file descriptor, or the lock outlives us.
  if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null 2>&1 9>&-; then
    log_tail
    pgx_die "server failed to start (log: $LOG)"
  fi
  pg_ready || { log_tail; pgx_die "server started but does not accept connections on $SOCK"; }
  pgx_log "ready in $((SECONDS - t0))s"
}

do_stop() {
  if [[ -z $(server_pid) ]]; then
    pgx_log "not running"
    return 0
  fi
  pgx_log "stopping"
  LOG_MARK=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
  if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null 2>&1; then
    log_tail
    pgx_die "pg_ctl stop failed (log: $LOG)"
  fi
  pgx_log "stopped"
}

do_status() {
  local pid
  pid=$(server_pid)
  if [[ -n $pid ]] && pg_ready; then
    echo "running (pid $pid, socket $SOCK, port $PORT)"
  else
    echo "stopped"
    return 1
  fi
}

do_env() {
  [[ -n $FALLBACK_NOTE ]] && echo "# pg-local: $FALLBACK_NOTE"
  cat <<EOF
export PGHOST=$SOCK
export PGPORT=$PORT
export PGUSER=postgres
export PGDATABASE=postgres
EOF
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  start|stop|clean)
    # Serialise concurrent start/stop of the same cluster (two initdb runs would collide).
    (umask 022 && mkdir -p "$(dirname "$BASE")")
    exec 9>"$(dirname "$BASE")/pg.lock"
    flock -w 120 9 || pgx_die "another pg-local.sh holds $(dirname "$BASE")/pg.lock"
    ;;
esac
case $cmd in
  start) do_start ;;
  stop) do_stop ;;
  clean) do_stop; rm -rf "$BASE"; pgx_log "removed $BASE" ;;
  status) do_status ;;
  env) do_env ;;
  psql)
    check_binaries
    eval "$(do_env)"
    exec "$PGBIN/psql" "$@"
    ;;
  *) echo "usage: $0 start|stop|status|env|psql [ARGS]|clean" >&2; exit 2 ;;
esac
