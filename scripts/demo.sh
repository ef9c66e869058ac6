#!/usr/bin/env bash
# demo.sh - pgexport on its embedded default, from a fresh Debian 12 machine: installs what is
# needed, builds, starts a throwaway PostgreSQL 15, loads the sample database (a household-goods
# moving logistics schema), exports it to a local directory, and prints where the result is.
#
#   scripts/demo.sh [--scale N] [PGEXPORT EXPORT OPTIONS...]
#
# e.g. scripts/demo.sh --format jsonl --compression gzip
# The export lands in out/demo/ (runs/<run-id>/ and latest.json); the database is stopped at
# the end and kept in .local/ so the next run starts faster.
set -euo pipefail
PGX_TAG=demo
# shellcheck source=scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
cd "$PGX_ROOT"

scale=1
if [[ ${1:-} == --scale ]]; then scale=$2; shift 2; fi

scripts/install-deps.sh --no-ceph
pgx_log "building"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target pgexport

export PGEXPORT_LOCAL_DIR=${PGEXPORT_LOCAL_DIR:-$PGX_ROOT/.local}
trap 'scripts/pg-local.sh stop >/dev/null 2>&1 || true' EXIT
scripts/pg-local.sh start
eval "$(scripts/pg-local.sh env)"
export PGDATABASE=pgexport_demo
if [[ $(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = 'pgexport_demo'") == 0 ]]; then
  psql -d postgres -qc "CREATE DATABASE pgexport_demo"
  scripts/sampledb/load.sh --scale "$scale"
fi

out=$PGX_ROOT/out/demo
pgx_log "exporting database pgexport_demo to $out"
build/pgexport export --destination "$out" "$@"

run=$(jq -r .run_id "$out/latest.json")
echo
echo "Result: $out/runs/$run/  (manifest: $out/runs/$run/_manifest.json, pointer: $out/latest.json)"
jq -r '.tables[] | "\(.rows)\t\(.bytes)\t\(.schema).\(.name)"' "$out/runs/$run/_manifest.json" |
  sort -rn | head -n 10 | awk -F'\t' 'BEGIN { print "Largest tables (rows, bytes stored, table):" }
                                       { printf "  %10d %12d  %s\n", $1, $2, $3 }'
