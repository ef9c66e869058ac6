#!/usr/bin/env bash
# install-deps.sh - install every Debian 12 package pgexport needs to build, test and demo.
#
#   scripts/install-deps.sh [--no-ceph] [--node] [--bench] [--fuzz] [--check]
#
#   --no-ceph  skip the local S3 server (Ceph RADOS Gateway) and awscli; the demo and the
#              PostgreSQL tests need only PostgreSQL
#   --node     also install the independent test readers in tests/node (npm ci)
#   --bench    also install what bench/ alone needs: the contenders' tools (pigz) and the
#              chart plotter (matplotlib)
#   --fuzz     also install what scripts/fuzz.sh needs: clang with libFuzzer and the sanitizers
#   --check    install nothing: list what is missing and exit 1 if anything is
#
# Idempotent and fast when nothing is missing: installed packages are read from dpkg's database
# (packages *provided* by an installed one count too), and apt is not touched at all then.
# `apt-get update` runs only when apt has no package lists yet, or when an install fails on
# stale lists. Uses sudo when not run as root.
set -euo pipefail
PGX_TAG=install-deps
# shellcheck source=scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

# Build: compiler, CMake/Ninja and the libraries pgexport links (libpq, codecs, ISA-L for
# CRC32C, libcurl/OpenSSL for S3) plus the test/bench frameworks and the formatter.
BUILD_PKGS=(build-essential cmake ninja-build pkg-config g++ libpq-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libzstd-dev zlib1g-dev libsnappy-dev liblz4-dev libisal-dev
  libcurl4-openssl-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev clang-format)
# A real PostgreSQL 15 for integration tests and the demo (scripts/pg-local.sh). Debian's
# postgresql-15 itself provides postgresql-contrib-15 (uuid-ossp, pg_trgm, btree_gist, ...).
PG_PKGS=(postgresql-15 postgresql-client-15 postgresql-contrib-15)
# Command-line tools the tests and scripts call: reference (de)compressors, JSON, timing,
# flock (util-linux), ss (iproute2), uuidgen (uuid-runtime), Node.js for tests/node, and
# systemd-analyze (systemd; only its verifier is used) for the checks of deploy/systemd, and
# faketime (a slow clock for the clock-skew case of the S3 bad-input test), and openssl (the
# certificates of the TLS test).
# NodeSource's nodejs package provides npm itself; that counts as installed.
TOOL_PKGS=(zstd gzip curl uuid-runtime iproute2 time jq util-linux nodejs npm systemd faketime
  openssl)
# Local S3 server (scripts/ceph-s3.sh) and an independent S3 client.
CEPH_PKGS=(ceph-mon ceph-osd radosgw ceph-common awscli)
# bench/run.sh: pigz is a contender (parallel gzip in a shell pipeline); matplotlib draws the
# SVG charts of bench/results.md.
BENCH_PKGS=(pigz python3-matplotlib)
# scripts/fuzz.sh: clang links the fuzz targets with libFuzzer (libclang-rt-14-dev holds it
# and the sanitizer runtimes).
FUZZ_PKGS=(clang libclang-rt-14-dev)

want_ceph=1 want_node=0 want_bench=0 want_fuzz=0 check_only=0
for arg in "$@"; do
  case $arg in
    --no-ceph) want_ceph=0 ;;
    --node) want_node=1 ;;
    --bench) want_bench=1 ;;
    --fuzz) want_fuzz=1 ;;
    --check) check_only=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) pgx_die "unknown option '$arg' (use --no-ceph, --node, --bench, --fuzz, --check)" ;;
  esac
done

pkgs=("${BUILD_PKGS[@]}" "${PG_PKGS[@]}" "${TOOL_PKGS[@]}")
(( want_ceph )) && pkgs+=("${CEPH_PKGS[@]}")
(( want_bench )) && pkgs+=("${BENCH_PKGS[@]}")
(( want_fuzz )) && pkgs+=("${FUZZ_PKGS[@]}")

command -v dpkg-query >/dev/null || pgx_die "dpkg-query not found: this script supports Debian/Ubuntu only"

# Names of all fully installed packages and of everything they provide, one per line.
installed_names() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' 2>/dev/null |
    awk -F'|' '$1 ~ /^ii/ {
      print $2
      n = split($3, p, ",")
      for (i = 1; i <= n; i++) { name = p[i]; sub(/^ +/, "", name); sub(/[ (].*$/, "", name); if (name != "") print name }
    }' | sort -u
}

missing_pkgs() {
  comm -23 <(printf '%s\n' "${pkgs[@]}" | sort -u) <(installed_names)
}

t0=$SECONDS
mapfile -t missing < <(missing_pkgs)

if (( ${#missing[@]} == 0 )); then
  pgx_log "all ${#pkgs[@]} packages already installed"
elif (( check_only )); then
  pgx_log "missing: ${missing[*]}"
  exit 1
else
  pgx_need apt-get "this script supports Debian/Ubuntu only"
  pgx_log "installing: ${missing[*]}"
  apt_install() {
    pgx_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  }
  apt_update() { pgx_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q; }
  # A fresh image has no package lists: apt cannot find anything until it is updated once.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt_update
  fi
  if ! apt_install; then
    # Usually stale lists (a package version that the mirror no longer serves): refresh, retry.
    pgx_log "apt-get install failed; running apt-get update and retrying once"
    apt_update
    apt_install || pgx_die "apt-get install failed for: ${missing[*]}"
  fi
  mapfile -t still < <(missing_pkgs)
  (( ${#still[@]} == 0 )) || pgx_die "still missing after install: ${still[*]}"
  pgx_log "installed ${#missing[@]} packages in $((SECONDS - t0))s"
fi

if (( want_node )); then
  node_dir=$PGX_ROOT/tests/node
  [[ -f $node_dir/package.json ]] || pgx_die "$node_dir/package.json not found"
  pgx_need npm "install Node.js and npm"
  stamp=$node_dir/node_modules/.package-lock.json   # npm rewrites it on every install
  if [[ -f $stamp && $stamp -nt $node_dir/package.json &&
        ( ! -f $node_dir/package-lock.json || $stamp -nt $node_dir/package-lock.json ) ]]; then
    pgx_log "tests/node: node_modules is up to date"
  elif (( check_only )); then
    pgx_log "tests/node: node_modules missing or out of date"
    exit 1
  else
    pgx_log "tests/node: installing test readers"
    # npm ci installs exactly what package-lock.json pins; npm install only creates the lock.
    if [[ -f $node_dir/package-lock.json ]]; then
      (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
      (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error)
    fi
  fi
fi
