#!/usr/bin/env bash
# Logs go to stderr: with --log-format json every line is a JSON object that CloudWatch Logs
# Insights can query (time, level, message, fields); the summary paragraph goes to stdout.
source "$(dirname "$0")/lib.sh"
need_postgres

PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "$WORK/out" --run-id logs \
  --include 'zoo.*' --log-format json --log-level info >"$WORK/stdout" 2>"$WORK/stderr"
lines=$(wc -l <"$WORK/stderr")
(( lines >= 3 )) || fail "expected at least start, per-table and commit lines, got $lines"
while IFS= read -r line; do
  jq -e 'type == "object" and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$")) and .level and .message' \
    <<<"$line" >/dev/null || fail "not a JSON log line: $line"
done <"$WORK/stderr"
jq -se 'map(select(.message == "export committed" and .run_id == "logs")) | length == 1' \
  "$WORK/stderr" >/dev/null || fail "no 'export committed' line with the run id"
grep -q "^Exported [0-9]* tables" "$WORK/stdout" || fail "no summary paragraph on stdout"

# A failure is one JSON line too, naming the error kind.
status=0
PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "$WORK/out" --run-id logs \
  --log-format json >/dev/null 2>"$WORK/stderr" || status=$?
[[ $status == 7 ]] || fail "expected exit 7 for a repeated run id, got $status"
jq -e '.level == "error" and .error == "run_exists"' "$WORK/stderr" >/dev/null ||
  fail "the error line is not JSON naming the kind: $(cat "$WORK/stderr")"
pass "$lines JSON log lines; the error is one JSON line with its kind"
