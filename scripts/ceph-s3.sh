#!/usr/bin/env bash
# ceph-s3.sh - a throwaway local S3 server for pgexport's S3 tests: single-node Ceph (one
# monitor, one in-memory OSD, no manager) with the RADOS Gateway on 127.0.0.1.
#
#   scripts/ceph-s3.sh start    # idempotent: no-op when serving; else a fresh, empty cluster
#   scripts/ceph-s3.sh stop     # idempotent: SIGTERM by pid file, SIGKILL after 10 s; keeps logs
#   scripts/ceph-s3.sh clean    # stop and delete the data directory
#   scripts/ceph-s3.sh status   # exit 0 iff the gateway answers a signed S3 request
#   scripts/ceph-s3.sh env      # export lines: eval "$(scripts/ceph-s3.sh env)"
#
# Why a real Ceph gateway rather than a mock: it enforces what AWS S3 enforces and pgexport must
# get right (SigV4, x-amz-content-sha256, Content-MD5, the 5 MiB minimum part, part ETags on
# complete, If-None-Match: * on PUT), and supports multipart listing/abort, ranged GET, canned
# ACLs and SSE-KMS (built-in testing keys testkey-1 and testkey-2).
# Its differences from AWS that matter to pgexport: error bodies have an empty <Message>;
# x-amz-checksum-* values are not verified; SSE AES256 is accepted but not applied; aws-chunked
# trailer uploads are rejected; a bogus uploadId on complete gives 500, not 404.
#
# start creates the user with fixed keys and two empty buckets, pgexport-test and
# pgexport-test-2 (region us-east-1, so CreateBucket carries no LocationConstraint).
# Objects live in the OSD's RAM (about 1.7x their size; capped by CEPH_S3_MEM_BYTES) and are
# discarded by the next start. Cold start takes about 3-4 s.
#
# Needs (Debian 12): ceph-mon ceph-osd radosgw ceph-common curl uuid-runtime iproute2
# (scripts/install-deps.sh). No systemd, no block devices, no cephx keys.
# Env: CEPH_S3_DIR (/tmp/pgexport-ceph-s3)  CEPH_S3_PORT (7480)  CEPH_S3_MON_PORT (3300)
#      CEPH_S3_MEM_BYTES (4 GiB)  CEPH_S3_START_TIMEOUT (60 s)
set -euo pipefail
PGX_TAG=ceph-s3
# shellcheck source=scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

# Absolute: the daemons change to / when they detach, so a relative path would break them.
BASE=$(realpath -m "${CEPH_S3_DIR:-/tmp/pgexport-ceph-s3}")
RGW_PORT=${CEPH_S3_PORT:-7480}
MON_PORT=${CEPH_S3_MON_PORT:-3300}
MEM_BYTES=${CEPH_S3_MEM_BYTES:-4294967296}
START_TIMEOUT=${CEPH_S3_START_TIMEOUT:-60}
# Fixed test credentials, shaped like AWS ones (20 and 40 characters). They guard nothing:
# the gateway listens on loopback only and its data is thrown away on restart.
ACCESS_KEY=PGEXPORTTESTKEY00001
SECRET_KEY=pgexportTestSecretKey0000000000000000001
BUCKETS=(pgexport-test pgexport-test-2)
REGION=us-east-1
FSID=3f0c2a9e-5d1b-4c7e-9a60-70676578706f
CONF=$BASE/ceph.conf
ENDPOINT=http://127.0.0.1:$RGW_PORT
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

check_port() { # $1=variable name shown to the user $2=value
  if ! [[ $2 =~ ^[0-9]+$ ]] || (( $2 < 1 || $2 > 65535 )); then
    pgx_die "$1 must be a port number (1-65535), got '$2'"
  fi
}
check_port CEPH_S3_PORT "$RGW_PORT"
check_port CEPH_S3_MON_PORT "$MON_PORT"

ceph_cli() { ceph -c "$CONF" --connect-timeout 10 "$@"; }

# Pid of one of OUR daemons (alive, right program, started with our config file), else nothing.
# Checking the command line keeps a stale pid file from ever naming someone else's process.
daemon_pid() { # $1=program $2=daemon name
  local f=$BASE/run/$2.pid pid
  pid=$(cat "$f" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/comm ]] || return 0
  [[ $(cat "/proc/$pid/comm") == "$1" ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONF" || return 0
  echo "$pid"
}

# A signed S3 request with curl's own SigV4 (curl >= 7.75). The gateway insists on a signed
# x-amz-content-sha256 header, which curl does not add by itself.
s3_curl() { # $1=method $2=path, rest: extra curl options
  local method=(-X "$1") path=$2; shift 2
  # curl -X HEAD would wait for a body that never comes (until --max-time): use --head.
  [[ ${method[1]} == HEAD ]] && method=(--head)
  curl -sS --max-time 10 "${method[@]}" --aws-sigv4 "aws:amz:$REGION:s3" \
    --user "$ACCESS_KEY:$SECRET_KEY" -H "x-amz-content-sha256: $EMPTY_SHA256" "$@" "$ENDPOINT$path"
}
s3_ok() { s3_curl GET / -f -o /dev/null 2>/dev/null; }

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Poll until a command succeeds; fail early if the daemon it depends on has died.
wait_for() { # $1=what $2=program:name that must stay alive ("" for none) $3...=command
  local what=$1 dep=$2; shift 2
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $dep && -z $(daemon_pid "${dep%%:*}" "${dep#*:}") ]]; then
      tail -n 20 "$BASE/log/${dep#*:}.log" >&2 2>/dev/null || true
      pgx_die "${dep#*:} died while waiting for $what (logs in $BASE/log)"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 20 "$BASE"/log/*.log >&2 2>/dev/null || true
      pgx_die "timed out after ${START_TIMEOUT}s waiting for $what (logs in $BASE/log)"
    fi
    sleep 0.2
  done
}

# SIGTERM by pid file, SIGKILL after 10 s. The gateway goes first and alone: it needs the
# cluster to shut down cleanly (with the monitor gone it hangs until killed). The OSD and the
# monitor then go together, which saves about 2 s; their data is thrown away anyway.
stop_daemons() { # $@ = program:name pairs, signalled together, then waited for
  local d prog name pid i pids=() names=()
  for d in "$@"; do
    prog=${d%%:*} name=${d#*:}
    pid=$(daemon_pid "$prog" "$name")
    if [[ -n $pid ]]; then
      pgx_log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid") names+=("$name")
    fi
  done
  for i in "${!pids[@]}"; do
    for _ in $(seq 1 100); do [[ -d /proc/${pids[$i]} ]] || break; sleep 0.1; done
    if [[ -d /proc/${pids[$i]} ]]; then
      pgx_log "${names[$i]} still alive after 10 s: SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  for d in "$@"; do rm -f "$BASE/run/${d#*:}.pid"; done
}
do_stop() {
  stop_daemons radosgw:client.rgw.a
  stop_daemons ceph-osd:osd.0 ceph-mon:mon.a
}

write_conf() {
  cat >"$CONF" <<EOF
# Written by scripts/ceph-s3.sh on every start.
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
# No cephx: only loopback reaches the daemons, and there are no keyrings to manage.
auth cluster required = none
auth service required = none
auth client required = none
# radosgw asks the monitor for "secure" mode by default, which auth=none cannot give: without
# this it hangs at startup ("get_initial_auth_request returned -13").
ms mon client mode = crc secure
run dir = $BASE/run
admin socket = $BASE/run/\$name.asok
pid file = $BASE/run/\$name.pid
log file = $BASE/log/\$name.log
crash dir = $BASE/crash
mon cluster log file = $BASE/log/cluster.log
mon data = $BASE/mon
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 2
mon data avail crit = 1
mon max pg per osd = 1000
# One monitor: commit map changes at once. The gateway creates its pools at startup (about
# eight map epochs); with the default 1 s interval that alone takes about 9 s.
paxos propose interval = 0.05
paxos min wait = 0.01
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd data = $BASE/osd
# On SIGTERM the OSD waits up to 5 s for the monitor to acknowledge its "going down" message;
# stop signals the monitor at the same moment, so the answer often never comes.
osd mon shutdown timeout = 0.2
# Objects in RAM: no block device or file system setup, and a restart starts empty.
osd objectstore = memstore
memstore device bytes = $MEM_BYTES

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $BASE/rgw
rgw thread pool size = 64
# Let pgexport's SSE options be tested over plain http: aws:kms uses the built-in testing KMS
# with the fixed keys below.
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=YmluCmJvb3N0CmJvb3N0LWJ1aWxkCmNlcGguY29uZgo= testkey-2=aWIKTWFrZWZpbGUKbWFuCm91dApzcmMKVGVzdGluZwo=
EOF
}

# Create the test buckets that do not exist yet (a test may have deleted one).
ensure_buckets() {
  local b code
  for b in "${BUCKETS[@]}"; do
    code=$(s3_curl HEAD "/$b" -o /dev/null -w '%{http_code}' 2>/dev/null || true)
    [[ $code == 200 ]] && continue
    code=$(s3_curl PUT "/$b" -o "$BASE/log/create-bucket.out" -w '%{http_code}' 2>&1 || true)
    [[ $code == 200 ]] || pgx_die "could not create bucket $b (HTTP $code: $(head -c 300 "$BASE/log/create-bucket.out" 2>/dev/null))"
  done
}

do_start() {
  local t0=$SECONDS b uuid id
  if [[ -n $(daemon_pid radosgw client.rgw.a) ]] && s3_ok; then
    ensure_buckets
    pgx_log "already running at $ENDPOINT"
    return 0
  fi
  for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool; do
    pgx_need "$b" "apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common"
  done
  pgx_need curl "apt-get install curl"
  pgx_need uuidgen "apt-get install uuid-runtime"
  pgx_need ss "apt-get install iproute2"
  do_stop   # half-started leftovers of an earlier attempt
  for b in "$RGW_PORT" "$MON_PORT"; do
    port_busy "$b" && pgx_die "port $b is already in use: $(ss -Hltnp "sport = :$b" | head -n 1)"
  done
  rm -rf "$BASE"
  mkdir -p "$BASE"/{run,log,crash,mon,osd,rgw}
  write_conf

  pgx_log "monitor"
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$BASE/monmap" >/dev/null
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$BASE/monmap" 2>>"$BASE/log/stderr.log"
  # 9>&-: a daemon that inherits our lock descriptor holds the lock for its whole life, and
  # the next `stop` waits for it forever.
  ceph-mon -c "$CONF" -i a 2>>"$BASE/log/stderr.log" 9>&-
  wait_for "the monitor" ceph-mon:mon.a ceph_cli mon stat

  pgx_log "osd (memstore)"
  uuid=$(uuidgen)
  id=$(ceph_cli osd new "$uuid")
  [[ $id == 0 ]] || pgx_die "expected osd id 0, got '$id'"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" 2>>"$BASE/log/stderr.log"
  ceph-osd -c "$CONF" -i 0 2>>"$BASE/log/stderr.log" 9>&-
  wait_for "osd.0 up" ceph-osd:osd.0 bash -c "ceph -c '$CONF' --connect-timeout 10 osd dump 2>/dev/null | grep -q '^osd.0 up'"

  pgx_log "radosgw on $ENDPOINT"
  # radosgw stays in the foreground until it has reached the cluster, then daemonizes; if the
  # cluster never answers it would wait forever, hence the timeout.
  timeout "$START_TIMEOUT" radosgw -c "$CONF" -n client.rgw.a 2>>"$BASE/log/stderr.log" 9>&- ||
    pgx_die "radosgw did not start (see $BASE/log/client.rgw.a.log)"
  wait_for "the gateway's HTTP port" radosgw:client.rgw.a curl -fsS -o /dev/null --max-time 5 "$ENDPOINT/"

  pgx_log "test user and buckets ${BUCKETS[*]}"
  radosgw-admin -c "$CONF" user create --uid=pgexport-test --display-name="pgexport tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null 2>>"$BASE/log/stderr.log" ||
    pgx_die "radosgw-admin user create failed (see $BASE/log/stderr.log)"
  wait_for "a signed S3 request" radosgw:client.rgw.a s3_ok
  ensure_buckets
  pgx_log "ready in $((SECONDS - t0))s at $ENDPOINT"
}

do_env() {
  cat <<EOF
export AWS_ENDPOINT_URL=$ENDPOINT
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_REGION=$REGION
export AWS_DEFAULT_REGION=$REGION
export PGEXPORT_TEST_BUCKET=${BUCKETS[0]}
export PGEXPORT_TEST_BUCKET_2=${BUCKETS[1]}
# For tests that change the gateway's users and keys with radosgw-admin -c.
export CEPH_S3_CONF=$CONF
# Newer AWS clients add checksum trailers (aws-chunked) by default; the gateway rejects them.
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required
export AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
# Credentials come from the lines above: no client should look for an instance metadata service.
export AWS_EC2_METADATA_DISABLED=true
EOF
}

cmd=${1:-}
case $cmd in
  start|stop|clean)
    # Serialise concurrent start/stop on the same directory (e.g. parallel test jobs).
    mkdir -p "$(dirname "$BASE")"
    exec 9>"$BASE.lock"
    flock -w 300 9 || pgx_die "another ceph-s3.sh holds $BASE.lock"
    ;;
esac
case $cmd in
  start) do_start ;;
  stop) do_stop ;;
  clean) do_stop; rm -rf "$BASE"; pgx_log "removed $BASE" ;;
  status)
    if [[ -n $(daemon_pid radosgw client.rgw.a) ]] && s3_ok; then
      echo "running at $ENDPOINT"
    else
      echo "stopped"
      exit 1
    fi
    ;;
  env) do_env ;;
  *) echo "usage: $0 start|stop|clean|status|env" >&2; exit 2 ;;
esac
