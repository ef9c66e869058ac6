# shellcheck shell=bash
# Shared by the static checks of deploy/ (sourced): a clean work directory, the built binary
# and the tools the checks need. No database or S3 server is used.
set -euo pipefail

: "${PGEXPORT_SOURCE_DIR:?run through ctest (scripts/test.sh -L deploy)}"
SOURCE=$PGEXPORT_SOURCE_DIR
PGEXPORT_BIN=$(readlink -f "${PGEXPORT_BIN:-$SOURCE/build/pgexport}")
export PGEXPORT_NODE_DIR=${PGEXPORT_NODE_DIR:-$SOURCE/tests/node}
WORK=${PGEXPORT_TEST_WORK:-$(mktemp -d)}
rm -rf "$WORK"
mkdir -p "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[[ -x $PGEXPORT_BIN ]] || fail "no pgexport binary at $PGEXPORT_BIN (build it first)"
need() { # COMMAND WHERE-IT-COMES-FROM
  command -v "$1" >/dev/null || fail "$1 is not installed ($2; scripts/install-deps.sh installs it)"
}
need jq "Debian package jq"
need node "Debian package nodejs"
[[ -d $PGEXPORT_NODE_DIR/node_modules/@cdktf/hcl2json && -d $PGEXPORT_NODE_DIR/node_modules/yaml ]] ||
  fail "the HCL and YAML parsers are not installed in $PGEXPORT_NODE_DIR (scripts/install-deps.sh --node)"
