#!/usr/bin/env bash
# A long export shows it is alive. On a terminal (a pseudo-terminal made by util-linux
# `script`) a live display is redrawn while it runs and removed before the summary. Without a
# terminal the logs are JSON lines (the automatic --log-format) with a "progress" event every
# --progress-interval whose counts are JSON numbers that only grow, the commit line last, and
# with --metrics emf one Embedded Metric Format line per table and one for the run.
#
# The export is made slow by the S3 fault proxy, which delays every request by half a second
# and injects no fault: one object per table with --jobs 1 makes the run last several seconds
# however fast the machine is.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
command -v script >/dev/null || fail "util-linux script is needed for the pseudo-terminal"
trap stop_fault_proxy EXIT
prefix=progress-$$-$RANDOM
db=pgexport_progress
tables=8
fresh_database "$db"
for i in $(seq 1 $tables); do
  sql "$db" -c "CREATE TABLE t$i (id int PRIMARY KEY, note text)" \
    -c "INSERT INTO t$i SELECT g, md5(g::text) FROM generate_series(1, 2000) g"
done
start_fault_proxy --rate 0 --delay 0.5

export_command=("$PGEXPORT_BIN" export --jobs 1 --s3-endpoint "$PROXY_URL")

# (a) On a terminal with text logs (the automatic choice there): the display. The command line
# is quoted for script's shell.
unset PGEXPORT_LOG_FORMAT
command_line=$(printf '%q ' env TERM=xterm PGDATABASE="$db" "${export_command[@]}" \
  --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/tty" --run-id tty --progress-interval 1s --log-level info)
script -q -e -c "$command_line" "$WORK/typescript" </dev/null >/dev/null ||
  { cat -v "$WORK/typescript"; fail "the export on a terminal failed"; }
# The display's drawings are "erase line" (CR, ESC [K) followed by its text.
draws=$(python3 - "$WORK/typescript" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
erase = "\r\x1b[K"
draws = len(re.findall(re.escape(erase) + r"tables \d+/\d+  rows ", data))
if draws < 3:
    sys.exit(f"the display was drawn {draws} times; expected several during a multi-second run")
# Log lines pass above the display: each starts on a line of its own, never after its text.
if re.search(r"ETA [^\r\n]*\d{4}-\d\d-\d\dT", data):
    sys.exit("a log line was written into the display's line")
logged = len(re.findall(re.escape(erase) + r"\d{4}-\d\d-\d\dT\S+ info  exported", data))
if logged < 8:
    sys.exit(f"{logged} 'exported' lines were written over the display; expected one per table")
# After the last drawing comes one erase, then the summary: nothing of the display is left.
rest = data[data.rfind(erase + "tables ") + len(erase):]
if rest.find(erase) < 0:
    sys.exit("the display was not erased at the end")
after = rest[rest.find(erase) + len(erase):]
if re.search(r"tables \d+/\d+  rows ", after):
    sys.exit("display text after the final erase")
# script(1) itself adds a "Script done" line at the end of the file.
lines = [l for l in after.replace("\r", "").split("\n")
         if l.strip() and not l.startswith("Script done")]
if not lines or not lines[-1].startswith("Exported "):
    sys.exit(f"the output does not end with the summary: {lines[-1:]}")
print(draws)
EOF
) || { cat -v "$WORK/typescript"; fail "the display is wrong"; }
pass "on a terminal the display was drawn $draws times, then removed before the summary"

# (b) Without a terminal: JSON lines, by default.
PGDATABASE=$db "${export_command[@]}" --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix/json" \
  --run-id json --progress-interval 200ms --metrics emf --log-level info \
  >"$WORK/json.out" 2>"$WORK/json.err" || { cat "$WORK/json.err"; fail "the export failed"; }
while IFS= read -r line; do
  jq -e 'type == "object"' <<<"$line" >/dev/null || fail "not a JSON line: $line"
done <"$WORK/json.err"
progress=$(jq -s '[.[] | select(.message == "progress")]' "$WORK/json.err")
events=$(jq 'length' <<<"$progress")
(( events >= 2 )) || { cat "$WORK/json.err"; fail "expected at least 2 progress events, got $events"; }
jq -e 'all(.[]; [.tables_done, .tables_total, .rows, .wire_bytes, .stored_bytes,
                 .bytes_per_second, .elapsed_seconds] | all(type == "number"))' \
  <<<"$progress" >/dev/null || fail "a progress count is not a JSON number: $progress"
jq -e 'all(.[]; .eta_seconds == null or (.eta_seconds | type == "number"))' <<<"$progress" \
  >/dev/null || fail "eta_seconds is not a number"
for key in tables_done rows wire_bytes stored_bytes elapsed_seconds; do
  jq -e --arg k "$key" '[.[][$k]] as $v | all(range(1; $v | length); $v[.] >= $v[. - 1])' \
    <<<"$progress" >/dev/null || fail "$key decreased between progress events: $progress"
done
# 0 until the tables are locked and planned, then their number.
jq -e --argjson n $tables 'all(.[]; .tables_total == 0 or .tables_total == $n) and
                           any(.[]; .tables_total == $n)' <<<"$progress" >/dev/null ||
  fail "tables_total is not $tables: $progress"
jq -se 'map(select(._aws == null)) | last | .message == "export committed" and (.rows | type == "number")' \
  "$WORK/json.err" >/dev/null || fail "the commit line is not the last log line"
[[ $(jq -s 'map(select(.message == "progress")) | last | .rows' "$WORK/json.err") -le 16000 ]] ||
  fail "more rows in progress than in the database"
grep -q '^Exported 8 tables' "$WORK/json.out" || fail "no summary on stdout"

# --metrics emf: one line per table and one for the run, in the namespace pgexport.
emf=$(jq -s '[.[] | select(._aws != null)]' "$WORK/json.err")
jq -e --argjson n $tables '
  ([.[] | select(.table != null)] | length == $n and all(.[]; .Rows == 2000)) and
  ([.[] | select(.command == "export" and .table == null)] | length == 1) and
  all(.[]; (._aws.Timestamp | type == "number") and
           ._aws.CloudWatchMetrics[0].Namespace == "pgexport" and
           (._aws.CloudWatchMetrics[0].Metrics | map(.Name) | index("WireBytes") != null))' \
  <<<"$emf" >/dev/null || fail "the EMF lines are not one per table plus one per run: $emf"
jq -e 'map(select(.table == null)) | .[0].Rows == 16000' <<<"$emf" >/dev/null ||
  fail "the run's EMF line does not count every row"
pass "without a terminal: $events JSON progress events with numeric, growing counts, the commit line last, $(jq length <<<"$emf") EMF lines"

# --progress-interval 0: no progress events.
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$WORK/quiet" --run-id quiet \
  --progress-interval 0 --log-level info >/dev/null 2>"$WORK/quiet.err"
[[ $(jq -s 'map(select(.message == "progress")) | length' "$WORK/quiet.err") == 0 ]] ||
  fail "--progress-interval 0 still logged progress"
pass "--progress-interval 0 logs no progress"
stop_fault_proxy
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null
