#!/usr/bin/env bash
# Row-level security never shortens a table silently: a role that a policy would hide rows
# from (not the owner, not BYPASSRLS) gets exit 15 naming the table before anything is
# written; the same role with BYPASSRLS exports every row. A missing SELECT privilege is the
# same exit code with its own wording.
source "$(dirname "$0")/lib.sh"
require_postgres
db=pgexport_row_security
role=pgexport_rls_reader
fresh_database "$db"
sql postgres -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role LOGIN NOBYPASSRLS"
sql "$db" <<SQL
CREATE TABLE public.shipments (id int PRIMARY KEY, branch text NOT NULL);
INSERT INTO public.shipments
  SELECT i, CASE WHEN i % 2 = 0 THEN 'east' ELSE 'west' END FROM generate_series(1, 1000) i;
ALTER TABLE public.shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY east_only ON public.shipments FOR SELECT USING (branch = 'east');
CREATE TABLE public.carriers (id int, name text);
INSERT INTO public.carriers VALUES (1, 'a'), (2, 'b');
GRANT USAGE ON SCHEMA public TO $role;
GRANT SELECT ON public.shipments, public.carriers TO $role;
SQL
# The premise: the policy really hides half the rows from this role.
visible=$(psql -X -d "$db" -U "$role" -Atqc "SELECT count(*) FROM public.shipments")
[[ $visible == 500 ]] || fail "the policy should show the role 500 of 1000 rows, it shows $visible"

# run_as ROLE DEST: exports the database as ROLE; sets status.
run_as() {
  status=0
  PGDATABASE=$db "$PGEXPORT_BIN" export --source "user=$1" --destination "$2" --run-id rls \
    --compression none >"$WORK/stdout" 2>"$WORK/stderr" || status=$?
}
expect_refused() { # DEST PATTERN
  [[ $status == 15 ]] || { cat "$WORK/stderr"; fail "exit $status, expected 15 (insufficient_privilege)"; }
  [[ $(grep -vc '^$' "$WORK/stderr") == 1 ]] || { cat "$WORK/stderr"; fail "expected one line on stderr"; }
  grep -qE -- "$2" "$WORK/stderr" || { cat "$WORK/stderr"; fail "message does not match '$2'"; }
  [[ -z $(find "$1" -name '_manifest.json' 2>/dev/null) ]] || fail "a manifest was written"
  [[ -z $(find "$1" -path '*/runs/*' 2>/dev/null) ]] || fail "something was written under runs/"
}

dest=$WORK/refused
run_as "$role" "$dest"
expect_refused "$dest" "row-level security would hide rows of public\.shipments from role $role.*BYPASSRLS.*--exclude"
grep -q "public.carriers" "$WORK/stderr" && fail "the readable table was named as a problem"
pass "exit 15 before writing anything: $(cut -c1-160 "$WORK/stderr")"

sql "$db" -c "REVOKE SELECT ON public.carriers FROM $role"
dest=$WORK/no-select
run_as "$role" "$dest"
expect_refused "$dest" "may not read public\.carriers.*grant it SELECT"
pass "exit 15 for a missing SELECT privilege"
sql "$db" -c "GRANT SELECT ON public.carriers TO $role"

sql postgres -c "ALTER ROLE $role BYPASSRLS"
dest=$WORK/bypass
run_as "$role" "$dest"
[[ $status == 0 ]] || { cat "$WORK/stderr"; fail "with BYPASSRLS: exit $status, expected 0"; }
manifest=$dest/runs/rls/_manifest.json
[[ $(jq '.tables[] | select(.name == "shipments") | .rows' "$manifest") == 1000 ]] ||
  fail "the manifest does not count 1000 shipments"
rows=$(csv_rows "$dest" "$manifest" shipments)
[[ $rows == 1000 ]] || fail "the files hold $rows shipments, expected all 1000"
west=$(jq -r '.tables[] | select(.name == "shipments") | .files[].key' "$manifest" |
  while read -r key; do tail -n +2 "$dest/$key"; done | grep -c ',west$' || true)
[[ $west == 500 ]] || fail "expected the 500 rows the policy hides, found $west"
pass "with BYPASSRLS all 1000 rows are exported, 500 of them hidden by the policy"

sql "$db" -c "REVOKE ALL ON SCHEMA public FROM $role" -c "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM $role"
sql postgres -c "DROP ROLE $role"
