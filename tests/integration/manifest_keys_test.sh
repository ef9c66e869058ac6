#!/usr/bin/env bash
# Every table in the manifest names its key, so a warehouse can MERGE later changes: the
# primary key (composite, odd names), the replica identity index when one is set, "full row"
# under REPLICA IDENTITY FULL, and "none" for a table whose rows cannot be identified.
source "$(dirname "$0")/lib.sh"
need_postgres
db=pgexport_keys
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE with_pk (id int PRIMARY KEY, v text);
CREATE TABLE composite ("Tenant, Id" int, "a""b" text, v text, PRIMARY KEY ("a""b", "Tenant, Id"));
CREATE TABLE by_index (id int PRIMARY KEY, code text NOT NULL, v text);
CREATE UNIQUE INDEX by_index_code ON by_index (code);
ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_code;
CREATE TABLE full_row (v text, w int);
ALTER TABLE full_row REPLICA IDENTITY FULL;
CREATE TABLE no_key (v text);
CREATE TABLE parted (id int, day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
SQL
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$WORK/out" --run-id keys >/dev/null
manifest=$WORK/out/runs/keys/_manifest.json
key_of() { jq -c --arg t "$1" '.tables[] | select(.name == $t) | .key' "$manifest"; }
expect_key() { # $1 = table, $2 = expected key JSON
  [[ $(key_of "$1") == "$2" ]] || fail "$1: key $(key_of "$1"), expected $2"
}
expect_key with_pk '{"kind":"primary key","columns":["id"]}'
expect_key composite '{"kind":"primary key","columns":["a\"b","Tenant, Id"]}'
expect_key by_index '{"kind":"replica identity index","columns":["code"]}'
expect_key full_row '{"kind":"full row","columns":[]}'
expect_key no_key '{"kind":"none","columns":[]}'
expect_key parted '{"kind":"primary key","columns":["id","day"]}'
pass "the manifest names every table's key: primary key, replica identity index, full row, none"
