# shellcheck shell=bash
# lib.sh - small helpers shared by pgexport's harness scripts (sourced, never run).
#
# Each script sets PGX_TAG (shown in its log lines) and then sources this file:
#   PGX_TAG=pg-local; . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It gives:
#   PGX_ROOT          the repository root (the directory above scripts/)
#   pgx_log MSG       timestamped line on stderr, so stdout stays clean for `eval "$(… env)"`
#   pgx_die MSG       one-line error on stderr, exit 1
#   pgx_need CMD HINT die with an install hint when CMD is not on PATH
#   pgx_as_root CMD…  run CMD as root: directly when we are root, else through sudo

# Resolve through symlinks so a script linked elsewhere still finds the repository.
# shellcheck disable=SC2034  # used by the scripts that source this file
PGX_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
PGX_TAG=${PGX_TAG:-pgexport}

pgx_log() { echo "[$PGX_TAG $(date +%T.%3N)] $*" >&2; }

pgx_die() { echo "[$PGX_TAG] error: $*" >&2; exit 1; }

pgx_need() { # $1=command $2=how to get it
  command -v "$1" >/dev/null 2>&1 || pgx_die "'$1' not found; $2 (or run scripts/install-deps.sh)"
}

pgx_as_root() {
  if (( EUID == 0 )); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    pgx_die "need root for '$1' and sudo is not installed"
  fi
}
