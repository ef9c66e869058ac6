#!/usr/bin/env bash
# A role whose search_path puts public before pg_catalog cannot make pgexport call a user's
# function in place of a catalog one: every function our SQL uses is shadowed in public by one
# that counts its calls and raises, and a domain public.text shadows the type Parquet casts to.
# The export succeeds (CSV and Parquet) and no shadow was ever called.
source "$(dirname "$0")/lib.sh"
require_postgres
db=pgexport_search_path
role=pgexport_search_path_reader
fresh_database "$db"
sql postgres -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role LOGIN"
sql "$db" <<'SQL'
CREATE TABLE public.shipments (id int PRIMARY KEY, took interval, note text);
INSERT INTO public.shipments SELECT i, i * interval '1 minute', 'n' || i FROM generate_series(1, 100) i;
CREATE TABLE public.measurements (at date, value int) PARTITION BY RANGE (at);
CREATE TABLE public.measurements_2026 PARTITION OF public.measurements
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO public.measurements VALUES ('2026-03-01', 1), ('2026-04-01', 2);
-- A call would roll back an INSERT into a log table together with the failed statement, so
-- the log is a sequence: nextval() is not transactional. (In the export's READ ONLY
-- transaction nextval() itself fails, which fails the export just as well.)
CREATE SEQUENCE public.shadow_calls;
CREATE FUNCTION public.shadow_called(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('public.shadow_calls');
  RAISE EXCEPTION 'the shadowing public.% was called', name;
END $$;
SQL
# One shadow per catalog function pgexport calls, with the catalog's own signature.
while read -r signature returns; do
  name=${signature%%(*}
  sql "$db" -c "CREATE FUNCTION public.$signature RETURNS $returns LANGUAGE plpgsql AS \$\$
    BEGIN PERFORM public.shadow_called('$name'); RETURN NULL; END \$\$"
done <<'LIST'
pg_relation_size(regclass) bigint
format_type(oid,integer) text
current_setting(text) text
set_config(text,text,boolean) text
pg_export_snapshot() text
txid_current_snapshot() txid_snapshot
pg_current_wal_lsn() pg_lsn
pg_is_in_recovery() boolean
current_database() name
has_table_privilege(oid,text) boolean
has_schema_privilege(oid,text) boolean
pg_has_role(oid,text) boolean
LIST
sql "$db" -c "CREATE FUNCTION public.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS \$\$
  BEGIN PERFORM public.shadow_called('unnest'); END \$\$"
# Parquet casts intervals to text on the server; a public.text must not be what it gets.
sql "$db" -c "CREATE DOMAIN public.text AS integer"
sql "$db" -c "GRANT USAGE ON SCHEMA public TO $role" -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO $role" \
  -c "GRANT USAGE ON SEQUENCE public.shadow_calls TO $role" \
  -c "ALTER ROLE $role IN DATABASE $db SET search_path = public, pg_catalog"

# The premise: with that search_path, the role's unqualified calls reach the shadows.
calls() { sql "$db" -c "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.shadow_calls"; }
psql -X -d "$db" -U "$role" -Atqc "SELECT pg_relation_size('public.shipments')" >/dev/null 2>"$WORK/premise" &&
  fail "an unqualified pg_relation_size() did not reach the shadow: the test proves nothing"
grep -q "the shadowing public.pg_relation_size was called" "$WORK/premise" ||
  fail "unexpected premise failure: $(cat "$WORK/premise")"
# public.text is a domain over integer, so adding 1 works only when ::text resolves to it.
[[ $(psql -X -d "$db" -U "$role" -Atqc "SELECT '7'::text + 1" 2>&1) == 8 ]] ||
  fail "an unqualified ::text did not resolve to the public.text domain: the test proves nothing"
before=$(calls)
(( before >= 1 )) || fail "the shadow did not count its call"

for format in csv parquet; do
  dest=$WORK/$format
  status=0
  PGDATABASE=$db "$PGEXPORT_BIN" export --source "user=$role" --destination "$dest" \
    --run-id search-path --format "$format" --jobs 2 >"$WORK/stdout" 2>"$WORK/stderr" || status=$?
  [[ $status == 0 ]] || { cat "$WORK/stderr"; fail "$format: exit $status, expected 0"; }
  manifest=$dest/runs/search-path/_manifest.json
  [[ $(jq '[.tables[] | {(.name): .rows}] | add | .shipments' "$manifest") == 100 ]] ||
    fail "$format: shipments should have 100 rows"
  [[ $(jq '[.tables[] | {(.name): .rows}] | add | .measurements' "$manifest") == 2 ]] ||
    fail "$format: measurements should have 2 rows"
  [[ $(calls) == "$before" ]] || fail "$format: a shadowing function was called during the export"
  pass "$format export as a role with search_path 'public, pg_catalog' called no shadow"
done
[[ $(jq -r '.tables[] | select(.name == "shipments") | .columns[] | select(.name == "took") | .pg_type' \
  "$WORK/parquet/runs/search-path/_manifest.json") == interval ]] || fail "took is not described as interval"

sql "$db" -c "REVOKE ALL ON SCHEMA public FROM $role" -c "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM $role" \
  -c "REVOKE ALL ON SEQUENCE public.shadow_calls FROM $role" -c "ALTER ROLE $role IN DATABASE $db RESET ALL"
sql postgres -c "DROP ROLE $role"
