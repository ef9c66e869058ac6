#!/usr/bin/env bash
# The hand-off between `cdc init`'s full export and the change stream: a workload (pgbench,
# two clients: inserts into a large table and a small one, updates of the small one) runs
# before, during and after `cdc init`, whose export of the large table lasts long enough for
# commits to land while it runs. Each row committed then must appear exactly once overall:
# after `cdc run` and `materialize`, the run equals the live tables; no inserted id is both in
# the base export and a change file's insert, nor inserted twice in the change files; and the
# commit log is intact (sizes, SHA-256, rows, no change twice).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cdc_lib.sh"
need_postgres
db=pgexport_cdc_handoff
fresh_database "$db"
export PGDATABASE=$db
dest=$WORK/dest
WORKLOAD_PID=
trap 'stop_processes "$WORKLOAD_PID"' EXIT

# ~40 MB of COPY text in `big`, so the export lasts a while (half a second on an idle machine),
# and the workload inserts about 160 rows a second into it, so dozens commit meanwhile.
sql "$db" <<'SQL'
CREATE SEQUENCE big_ids START 1000000;
CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL, created timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO big (id, payload)
  SELECT i, md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) FROM generate_series(1, 400000) i;
CREATE SEQUENCE item_ids START 1000;
CREATE TABLE items (id bigint PRIMARY KEY, n integer NOT NULL, note text,
                    created timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO items (id, n, note) SELECT i, 0, 'item ' || i FROM generate_series(1, 200) i;
SQL
mkdir -p "$WORK/workload"
cat >"$WORK/workload/insert.sql" <<'SQL'
INSERT INTO big (id, payload) VALUES (nextval('big_ids'), md5(random()::text));
SQL
cat >"$WORK/workload/items.sql" <<'SQL'
\set pick random(1, 200)
BEGIN;
INSERT INTO items (id, n, note) VALUES (nextval('item_ids'), 1, 'new, "quoted"');
UPDATE items SET n = n + 1, note = 'updated' WHERE id = :pick;
COMMIT;
SQL
pgbench -n -c 2 -j 2 -R 200 -T 3600 --max-tries 20 -f "$WORK/workload/insert.sql@4" \
  -f "$WORK/workload/items.sql@1" >"$WORK/workload.log" 2>&1 &
WORKLOAD_PID=$!
rows_since() { sql "$db" -c "SELECT count(*) FROM big WHERE id >= 1000000 AND created > '$1'"; }
wait_until "$db" "the workload has inserted 50 rows" "SELECT count(*) >= 50 FROM big WHERE id >= 1000000"

"$PGEXPORT_BIN" cdc init --destination "$dest" --run-id base --format csv --jobs 1 \
  >/dev/null 2>"$WORK/init.err" || fail "cdc init failed: $(cat "$WORK/init.err")"
manifest=$dest/runs/base/_manifest.json
finished=$(jq -r .finished_at "$manifest")
wait_until "$db" "the workload has inserted 50 rows after cdc init" \
  "SELECT count(*) >= 50 FROM big WHERE id >= 1000000 AND created > '$finished'"
cdc_stop_workload

"$PGEXPORT_BIN" cdc run --destination "$dest" --until-caught-up --batch-interval 1s --batch-size 64KiB \
  >"$WORK/run.out" 2>"$WORK/run.err" || fail "cdc run failed: $(cat "$WORK/run.err")"
entries=$(cdc_check_log "$db" "$dest")

# The base export's ids, loaded back from its files.
sql "$db" -c "DROP SCHEMA IF EXISTS handoff CASCADE" -c "CREATE SCHEMA handoff" \
  -c "CREATE TABLE handoff.big (LIKE public.big)" -c "CREATE TABLE handoff.items (LIKE public.items)"
for table in big items; do
  while read -r key; do
    sql "$db" -c "\\copy handoff.$table FROM PROGRAM '$(decompress_command "$key") $dest/$key' (FORMAT csv, HEADER true)"
  done < <(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .files[].key' "$manifest")
done

# The premise: commits landed while the export ran, after the slot's snapshot (so in change
# files only), and before it (so in the base only).
during=$(sql "$db" -c "SELECT count(*) FROM cdc_check.changes c JOIN big b ON b.id::text = c.first_value
                        WHERE c.relation = 'public.big' AND c.op = 'I' AND b.created < '$finished'")
before=$(sql "$db" -c "SELECT count(*) FROM handoff.big WHERE id >= 1000000")
(( during > 0 && before > 0 )) ||
  fail "the test proves nothing: $during rows committed during cdc init's export were shipped as changes, $before rows of the workload are in the base"

twice=$(sql "$db" <<'SQL'
SELECT string_agg(problem, '; ') FROM (
  SELECT format('%s id %s is in the base export and inserted by change (%s, %s)', c.relation, c.first_value, c.commit_lsn, c.seq) AS problem
  FROM cdc_check.changes c
  WHERE c.op = 'I' AND ((c.relation = 'public.big' AND EXISTS (SELECT 1 FROM handoff.big h WHERE h.id = c.first_value::bigint))
                     OR (c.relation = 'public.items' AND EXISTS (SELECT 1 FROM handoff.items h WHERE h.id = c.first_value::bigint)))
  UNION ALL
  SELECT format('%s id %s is inserted %s times in the change files', relation, first_value, count(*))
  FROM cdc_check.changes WHERE op = 'I' GROUP BY relation, first_value HAVING count(*) > 1
  LIMIT 10) p
SQL
)
[[ -z $twice ]] || fail "rows committed around cdc init appear twice: $twice"
missing=$(sql "$db" -c "SELECT count(*) FROM big b
                          WHERE NOT EXISTS (SELECT 1 FROM handoff.big h WHERE h.id = b.id)
                            AND NOT EXISTS (SELECT 1 FROM cdc_check.changes c WHERE c.relation = 'public.big'
                                              AND c.op = 'I' AND c.first_value = b.id::text)")
[[ $missing == 0 ]] || fail "$missing rows of big are neither in the base export nor inserted by a change"
pass "$before workload rows in the base, $during committed during the export shipped as changes ($entries log entries): none in both, none twice, none missing"

"$PGEXPORT_BIN" materialize --destination "$dest" --output "$WORK/materialized" --run-id now \
  >"$WORK/materialize.out" 2>"$WORK/materialize.err" || fail "materialize failed: $(cat "$WORK/materialize.err")"
tables=$(cdc_check_materialized "$db" "$WORK/materialized")
[[ $tables == 2 ]] || fail "the materialized run holds $tables tables, not 2"
"$PGEXPORT_BIN" verify --destination "$WORK/materialized" >/dev/null 2>"$WORK/verify.err" ||
  fail "pgexport verify fails on the materialized run: $(cat "$WORK/verify.err")"
pass "materialized: big ($(sql "$db" -c "SELECT count(*) FROM big") rows) and items equal the live tables; verify passes"

"$PGEXPORT_BIN" cdc drop >/dev/null 2>&1 || fail "cdc drop failed"
psql -X -d postgres -qc "DROP DATABASE $db" >/dev/null
