#!/usr/bin/env bash
# cdc init refuses tables whose UPDATE/DELETE publishing would break (no key, partitions of a
# key-less partitioned table, identity NOTHING) and creates nothing, or sets REPLICA IDENTITY
# FULL on them (a partitioned table and each partition) when asked, after which the
# application's UPDATE and DELETE still work and `cdc run` + `materialize` capture them; it records the slot's consistent point in the base run's manifest; a second
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
-- The server checks the partition a change lands in, so each partition needs the identity.
CREATE TABLE keyless_parts (at date NOT NULL, v text) PARTITION BY RANGE (at);
CREATE TABLE keyless_parts_2025 PARTITION OF keyless_parts FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE keyless_parts_2026 PARTITION OF keyless_parts FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO keyless_parts VALUES ('2025-06-01', 'a'), ('2026-06-01', 'b');
-- A primary key does not help a table whose identity was set to NOTHING.
CREATE TABLE identity_nothing (id int PRIMARY KEY, v text);
ALTER TABLE identity_nothing REPLICA IDENTITY NOTHING;
INSERT INTO identity_nothing VALUES (1, 'a'), (2, 'b');
CREATE TABLE odd_times (id int PRIMARY KEY, t timestamp);
INSERT INTO odd_times VALUES (1, '294270-01-01 00:00:00');
SQL
export PGDATABASE=$db
slots() { sql "$db" -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgexport'"; }
publications() { sql "$db" -c "SELECT count(*) FROM pg_publication WHERE pubname = 'pgexport'"; }

status=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/refused" --exclude odd_times >/dev/null 2>"$WORK/refused.err" || status=$?
[[ $status == 2 ]] || fail "a keyless table: exit $status, expected 2: $(cat "$WORK/refused.err")"
for table in public.keyless public.keyless_parts_2025 public.keyless_parts_2026 public.identity_nothing; do
  grep -qE "$table( |,|;)" "$WORK/refused.err" || fail "the refusal does not name $table: $(cat "$WORK/refused.err")"
done
grep -q -- "--replica-identity-full" "$WORK/refused.err" ||
  fail "the refusal does not name the fix: $(cat "$WORK/refused.err")"
[[ $(slots) == 0 && $(publications) == 0 ]] || fail "a refused init left a slot or publication"
[[ ! -e $WORK/refused/runs ]] || fail "a refused init wrote to the destination"
[[ $(sql "$db" -c "SELECT string_agg(relreplident::text, '' ORDER BY relname) FROM pg_class
                   WHERE relname IN ('keyless', 'keyless_parts_2025', 'keyless_parts_2026', 'identity_nothing')") == nddd ]] ||
  fail "a refused init changed a table's replica identity"
pass "tables without replica identity (plain, partitions, identity NOTHING) refused with exit 2 and advice; nothing created"

# An export that fails after the slot exists (a timestamp Parquet cannot hold, which
# --strict-types makes an error rather than a column of text): undone.
status=0
"$PGEXPORT_BIN" cdc init --destination "$WORK/failed" --format parquet --strict-types \
  --replica-identity-full --log-level info \
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
sql "$db" -c "UPDATE keyless_parts SET v = v || '!'" -c "UPDATE keyless_parts SET at = '2026-02-01' WHERE at = '2025-06-01'" \
  -c "DELETE FROM keyless_parts WHERE v = 'b!'" -c "UPDATE identity_nothing SET v = 'c' WHERE id = 1" \
  -c "DELETE FROM identity_nothing WHERE id = 2" ||
  fail "the application's UPDATE/DELETE on a partitioned keyless table or an identity-NOTHING table fails after cdc init"
[[ $(sql "$db" -c "SELECT string_agg(relname || '=' || relreplident::text, ',' ORDER BY relname) FROM pg_class
                   WHERE relname IN ('keyless', 'keyless_parts_2025', 'keyless_parts_2026', 'identity_nothing')") == \
   "identity_nothing=f,keyless=f,keyless_parts_2025=f,keyless_parts_2026=f" ]] ||
  fail "REPLICA IDENTITY FULL was not set on every table and partition that needed it"
[[ $(sql "$db" -c "SELECT string_agg(pubname || ':' || tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'pgexport'") == "pgexport:identity_nothing,pgexport:keyed,pgexport:keyless,pgexport:keyless_parts" ]] ||
  fail "the publication does not hold exactly the exported tables: $(sql "$db" -c "SELECT string_agg(tablename, ',') FROM pg_publication_tables WHERE pubname = 'pgexport'")"
# Rows are identified by the primary key where there is one, else by the full row.
for expected in keyless=full_row keyless_parts=full_row identity_nothing=primary_key; do
  table=${expected%=*} kind=${expected#*=}
  [[ $(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .key.kind' "$manifest") == "${kind/_/ }" ]] ||
    fail "$table is not recorded with key '${kind/_/ }': $(jq -c --arg t "$table" '.tables[] | select(.name == $t) | .key' "$manifest")"
done
pass "cdc init: consistent point $point recorded, REPLICA IDENTITY FULL set, the application's UPDATE and DELETE work"


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
# Those changes (a row moved between partitions among them) are captured: shipped and applied,
# the tables equal the live ones.
"$PGEXPORT_BIN" cdc run --destination "$WORK/base" --until-caught-up >/dev/null 2>"$WORK/run.err" ||
  fail "cdc run failed: $(cat "$WORK/run.err")"
"$PGEXPORT_BIN" materialize --destination "$WORK/base" --output "$WORK/materialized" --run-id now \
  >/dev/null 2>"$WORK/materialize.err" || fail "materialize failed: $(cat "$WORK/materialize.err")"
[[ $(verify_csv_roundtrip "$db" "$WORK/materialized" "$WORK/materialized/runs/now/_manifest.json") == 4 ]] ||
  fail "the materialized run does not hold the 4 captured tables"
pass "the changes of the key-less tables are captured: materialized, all 4 tables equal the live ones"
"$PGEXPORT_BIN" cdc drop >"$WORK/drop.out" || fail "cdc drop failed"
[[ $(slots) == 0 && $(publications) == 0 ]] || fail "cdc drop left the slot or the publication"
status=0
"$PGEXPORT_BIN" cdc status --destination "$WORK/base" >/dev/null 2>&1 || status=$?
[[ $status == 16 ]] || fail "cdc status without a slot: exit $status, expected 16"
pass "second init refused; status reports the slot; drop removes slot and publication; status then exits 16"
