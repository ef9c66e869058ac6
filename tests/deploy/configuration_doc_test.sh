#!/usr/bin/env bash
# docs/configuration.md is exactly what the options table renders (`pgexport options
# --markdown`), and it matches what every command's --help lists: names, variables, defaults.
source "$(dirname "$0")/lib.sh"

"$PGEXPORT_BIN" options --markdown >"$WORK/configuration.md"
[[ $(grep -c '^| `--' "$WORK/configuration.md") -ge 40 ]] || fail "the rendered reference has too few options"
if ! diff -u "$SOURCE/docs/configuration.md" "$WORK/configuration.md" >"$WORK/diff"; then
  head -40 "$WORK/diff"
  fail "docs/configuration.md differs from the options table; regenerate it: $PGEXPORT_BIN options --markdown > docs/configuration.md"
fi
pass "docs/configuration.md is the options table's rendering"

node "$SOURCE/tests/deploy/check_configuration_doc.mjs" "$PGEXPORT_BIN" "$SOURCE/docs/configuration.md" ||
  fail "docs/configuration.md does not match --help"

# The hidden command refuses to guess a format.
status=0
"$PGEXPORT_BIN" options >/dev/null 2>"$WORK/stderr" || status=$?
[[ $status == 2 ]] && grep -q "give --markdown" "$WORK/stderr" || fail "pgexport options without --markdown: exit $status"
pass "pgexport options without --markdown is a usage error"
