#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh Debian 12 machine: installs what is needed,
# builds, starts a throwaway PostgreSQL 15 and a local S3 server (Ceph RADOS Gateway) on
# 127.0.0.1, runs every test through CTest, and stops the servers again.
#
#   scripts/test.sh [CTEST ARGS...]     e.g. scripts/test.sh -L unit   or   -R roundtrip
#
# The last lines printed are CTest's summary; the exit code is CTest's.
set -euo pipefail
PGX_TAG=test
# shellcheck source=scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
cd "$PGX_ROOT"

scripts/install-deps.sh --node
pgx_log "building"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

export PGEXPORT_LOCAL_DIR=${PGEXPORT_LOCAL_DIR:-$PGX_ROOT/.local}
stop_servers() {
  scripts/ceph-s3.sh stop >/dev/null 2>&1 || true
  scripts/pg-local.sh stop >/dev/null 2>&1 || true
}
trap stop_servers EXIT
scripts/pg-local.sh start
# The suite writes (and deletes) a few GB in all; the memory-backed OSD's accounting does not
# give every deleted byte back, so give it room beyond the 4 GiB default.
export CEPH_S3_MEM_BYTES=${CEPH_S3_MEM_BYTES:-8589934592}
scripts/ceph-s3.sh start
eval "$(scripts/pg-local.sh env)"
eval "$(scripts/ceph-s3.sh env)"
export PGEXPORT_TEST_S3_ENDPOINT=$AWS_ENDPOINT_URL
export PGEXPORT_NODE_DIR=$PGX_ROOT/tests/node
# The Parquet writer's own PostgreSQL round trip gets a database of its own.
psql -d postgres -qc "DROP DATABASE IF EXISTS pgexport_unit WITH (FORCE)" -c "CREATE DATABASE pgexport_unit"
export PGEXPORT_TEST_PG_CONNINFO="dbname=pgexport_unit"

pgx_log "running tests"
status=0
log=build/ctest-output.log
ctest --test-dir build --output-on-failure -j 2 --timeout 1500 "$@" 2>&1 | tee "$log" || status=$?
stop_servers
trap - EXIT
# CTest counts a skipped test as passed. A green run must mean every test ran, so any skip
# fails the run, except for tests that only skip when the host itself cannot do what they
# need (they say why in their output).
HOST_DEPENDENT_TESTS=(integration.readonly_root)
mapfile -t skipped < <(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (Skipped)$/\1/p' "$log")
unexpected=()
for name in "${skipped[@]}"; do
  [[ " ${HOST_DEPENDENT_TESTS[*]} " == *" $name "* ]] || unexpected+=("$name")
done
if (( ${#unexpected[@]} )); then
  echo "FAIL: ${#unexpected[@]} tests were skipped, so they did not run: ${unexpected[*]}"
  exit 1
fi
exit "$status"
