#!/usr/bin/env bash
# cdc init refuses tables whose UPDATE/DELETE publishing would break (and creates nothing),
# or sets REPLICA IDENTITY FULL on them when asked, after which the application's UPDATE
# still works; it records the slot's consistent point in the base run's manifest; a second
# init is refused; an init whose export fails leaves no slot and no publication behind;
# cdc status reports the slot and where the log starts (exit 2 for a destination without a base
# run), and cdc drop removes it (status then exits slot_lost, 16).
source "$(dirname "$0")/lib.sh"
need_postgres
db=pgexport_cdc_init
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE keyed (id int PRIMARY KEY, v text);
INSERT INTO keyed SELECT i, md5(i::text) FROM generate_series(1, 2000) i;
CREATE TABLE keyless (v text, n int);
INSERT INTO keyless VALUES ('a', 1), ('b', 2);
CREATE TABLE odd_times (id int PRIMARY KEY, t timestamp);
INSERT INTO odd_times VALUES (1, '294270-01-01 00:00:00');
SQL
export PGDATABASE=$db
slots() { sql "$db" -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgexport'"; }
publications() { sql "$db" -c "SELECT count(*) FROM pg_publication WHERE pubname = 'pgexport'"; }

status=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/refused" --exclude odd_times >/dev/null 2>"$WORK/refused.err" || status=$?
[[ $status == 2 ]] || fail "a keyless table: exit $status, expected 2: $(cat "$WORK/refused.err")"
grep -q "public.keyless" "$WORK/refused.err" && grep -q -- "--replica-identity-full" "$WORK/refused.err" ||
  fail "the refusal does not name the table and the fix: $(cat "$WORK/refused.err")"
[[ $(slots) == 0 && $(publications) == 0 ]] || fail "a refused init left a slot or publication"
[[ ! -e $WORK/refused/runs ]] || fail "a refused init wrote to the destination"
pass "keyless table refused with exit 2 and advice; nothing created"

# An export that fails after the slot exists (a timestamp Parquet cannot hold): undone.
status=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/failed" --format parquet --replica-identity-full --log-level info \
  >/dev/null 2>"$WORK/failed.err" || status=$?
[[ $status == 12 ]] || fail "the failing export: exit $status, expected 12: $(cat "$WORK/failed.err")"
grep -q "replication slot created" "$WORK/failed.err" || fail "the export failed before the slot existed; the test proves nothing"
[[ $(slots) == 0 && $(publications) == 0 ]] || fail "a failed init left its slot or publication behind"
pass "an init whose export fails after creating the slot drops slot and publication again"

"$PGEXPORT_BIN" cdc init --destination "$WORK/base" --run-id base --exclude odd_times \
  --replica-identity-full >/dev/null 2>"$WORK/init.err" || fail "cdc init failed: $(cat "$WORK/init.err")"
manifest=$WORK/base/runs/base/_manifest.json
point=$(jq -r .cdc.consistent_point "$manifest")
[[ $point =~ ^[0-9A-F]+/[0-9A-F]+$ ]] || fail "the manifest has no consistent point: $(jq -c .cdc "$manifest")"
[[ $(sql "$db" -c "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'pgexport'") == "$point" ]] ||
  fail "the manifest's consistent point $point is not the slot's"
[[ $(jq -r '.tables[] | select(.name == "keyless") | .key.kind' "$manifest") == "full row" ]] ||
  fail "keyless is not recorded with key 'full row'"
sql "$db" -c "UPDATE keyless SET n = n + 1 WHERE v = 'a'" -c "DELETE FROM keyless WHERE v = 'b'" ||
  fail "the application's UPDATE/DELETE on the keyless table fails after cdc init"
[[ $(sql "$db" -c "SELECT string_agg(pubname || ':' || tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'pgexport'") == "pgexport:keyed,pgexport:keyless" ]] ||
  fail "the publication does not hold exactly the exported tables"
pass "cdc init: consistent point $point recorded, REPLICA IDENTITY FULL set, the application's UPDATE works"

status=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/again" --exclude odd_times >/dev/null 2>"$WORK/again.err" || status=$?
[[ $status == 2 ]] && grep -q "exists already" "$WORK/again.err" || fail "a second init: exit $status: $(cat "$WORK/again.err")"

"$PGEXPORT_BIN" cdc status --destination "$WORK/base" --json >"$WORK/status.json" ||
  fail "cdc status failed: $(cat "$WORK/status.json")"
[[ $(jq -r '.slot_exists' "$WORK/status.json") == true && $(jq -r '.confirmed_flush_lsn' "$WORK/status.json") == "$point" ]] ||
  fail "cdc status: $(cat "$WORK/status.json")"
jq -e '.retained_wal_bytes | type == "number"' "$WORK/status.json" >/dev/null || fail "retained WAL is not a number"
# Before any batch: no entry, the log ends at the consistent point, the lag counts from the
# base run's snapshot.
jq -e --arg point "$point" --arg snapshot "$(jq -r .snapshot_at "$manifest")" '
  .log_entries == 0 and .log_end_lsn == $point and .last_batch == null and
  .base_run.run_id == "base" and .base_run.consistent_point == $point and
  .newest_commit_time == $snapshot and (.lag_seconds | type) == "number" and .lag_seconds >= 0 and
  .slot_problem == null and (.active | type) == "boolean"' "$WORK/status.json" >/dev/null ||
  fail "cdc status before any batch: $(cat "$WORK/status.json")"
status=0
"$PGEXPORT_BIN" cdc status --destination "$WORK/nothing-here" >/dev/null 2>"$WORK/nobase.err" || status=$?
[[ $status == 2 ]] && grep -q "cdc init" "$WORK/nobase.err" ||
  fail "cdc status of a destination without a base run: exit $status: $(cat "$WORK/nobase.err")"
"$PGEXPORT_BIN" cdc drop >"$WORK/drop.out" || fail "cdc drop failed"
[[ $(slots) == 0 && $(publications) == 0 ]] || fail "cdc drop left the slot or the publication"
status=0
"$PGEXPORT_BIN" cdc status --destination "$WORK/base" >/dev/null 2>&1 || status=$?
[[ $status == 16 ]] || fail "cdc status without a slot: exit $status, expected 16"
pass "second init refused; status reports the slot; drop removes slot and publication; status then exits 16"
