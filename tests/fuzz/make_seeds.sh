#!/usr/bin/env bash
# Writes the seed inputs of the fuzz corpora from a running PostgreSQL (PG* variables; e.g.
# after `eval "$(scripts/pg-local.sh env)"`): COPY text and binary rows of the values PostgreSQL
# itself sends for each type of fuzz_tables.hpp, and pgoutput messages of a small workload read
# with pg_logical_slot_peek_binary_changes. The XML and config seeds are written by hand.
# Inputs the fuzzer found (crashes fixed, or new coverage kept with scripts/fuzz.sh --merge) sit
# beside the seeds and are not touched.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
corpus=$here/corpus
db=pgexport_fuzz_seeds
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -d "$db" -c "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')"

# One value expression per type, in the order of fuzzed_types() in fuzz_tables.hpp.
values=(
  "true" "(-32768)::int2" "2147483647::int4" "(-9223372036854775808)::int8" "4294967295::oid"
  "'-Infinity'::float4" "3.14159265358979::float8" "12345678.91::numeric(10,2)"
  "'-1234567890123456789012345678.0123456789'::numeric(38,10)" "'NaN'::numeric"
  "12300::numeric(5,-2)" "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid" "'infinity'::date"
  "'23:59:59.999999'::time" "'294276-12-31 23:59:59'::timestamp" "'4713-01-01 BC'::timestamptz"
  "'\\xdeadbeef00'::bytea" "E'tab\\there\\nnew\\\\line'::text" "'ünïcode'::varchar(10)"
  "'ab'::char(5)" "'pg_class'::name" "'happy'::mood" "'{\"a\": [1, 2.5e10, null]}'::json"
  "'{\"k\": \"v\"}'::jsonb" "'1 year 2 mons -3 days 04:05:06.789'::interval" "'[1,10)'::int4range"
  "'{{1,2},{3,NULL}}'::int4[]" "'{\"a b\",NULL,\"\\\\\"}'::text[]" "'{1.50,NaN}'::numeric(10,2)[]"
  "'[0:1]={2024-02-29 12:00:00+00,infinity}'::timestamptz[]"
)
mkdir -p "$corpus/copy_text" "$corpus/copy_binary" "$corpus/pgoutput"
for i in "${!values[@]}"; do
  sel=$(printf '%02x' "$i")
  { printf "\\x$sel"; psql -X -Atq -d "$db" -c "COPY (SELECT ${values[$i]} UNION ALL SELECT NULL) TO STDOUT"; } \
    >"$corpus/copy_text/seed-$sel"
  # Binary: 19 bytes of file header and 2 of trailer off; every tuple then framed with its
  # 16-bit length, as copy_binary_fuzz.cpp reads them. The top selector bit asks for the exact
  # profile, whose uuid and time columns take the binary forms sent here.
  psql -X -q -d "$db" -c "\\copy (SELECT ${values[$i]}) TO '$corpus/copy_binary/.raw' (FORMAT binary)"
  python3 - "$corpus/copy_binary/.raw" "$corpus/copy_binary/seed-$sel" "$i" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()[19:-2]
with open(sys.argv[2], 'wb') as out:
    out.write(bytes([0x80 | int(sys.argv[3])]) + len(raw).to_bytes(2, 'big') + raw)
PY
  rm -f "$corpus/copy_binary/.raw"
done

# pgoutput: a relation, begin/commit, insert, update (old and new key), delete, truncate.
psql -X -q -d "$db" <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, note text, n numeric);
CREATE TABLE f (a int, b text);
ALTER TABLE f REPLICA IDENTITY FULL;
CREATE PUBLICATION seeds FOR ALL TABLES;
SELECT pg_create_logical_replication_slot('seeds', 'pgoutput');
INSERT INTO t VALUES (1, 'one', 1.5), (2, NULL, 'NaN');
UPDATE t SET id = 3, note = repeat('x', 3000) WHERE id = 1;
INSERT INTO f VALUES (1, 'a'); UPDATE f SET b = 'b'; DELETE FROM f;
DELETE FROM t WHERE id = 2;
TRUNCATE t, f;
SQL
n=0
while read -r hex; do
  python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1][2:]))' "$hex" \
    >"$corpus/pgoutput/seed-$(printf '%02d' "$n")"
  n=$((n + 1))
done < <(psql -X -Atq -d "$db" -c "SELECT data FROM pg_logical_slot_peek_binary_changes('seeds', NULL, NULL, 'proto_version', '1', 'publication_names', 'seeds')")
psql -X -q -d "$db" -c "SELECT pg_drop_replication_slot('seeds')"
psql -X -q -d postgres -c "DROP DATABASE $db"
echo "seeds: $(ls "$corpus/copy_text" | wc -l) text, $(ls "$corpus/copy_binary" | wc -l) binary, $n pgoutput"
