#!/usr/bin/env bash
# Every table of the sample database and the type zoo, exported as CSV with four workers and
# small chunks (so large tables are split by ctid ranges), loads back into PostgreSQL with
# COPY FROM and equals its source, row for row. Also checks each compression codec.
source "$(dirname "$0")/lib.sh"
need_postgres

dest=$WORK/out
PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "$dest" --run-id csv-zstd \
  --jobs 4 --chunk-size 512KiB >"$WORK/summary.txt"
manifest=$dest/runs/csv-zstd/_manifest.json
[[ -f $manifest ]] || fail "no manifest written"
[[ $(jq -r .run_id "$dest/latest.json") == csv-zstd ]] || fail "latest.json does not name the run"
verify_manifest_objects "$dest" "$manifest"
split=$(jq '[.tables[] | select((.files | length) > 1)] | length' "$manifest")
(( split > 0 )) || fail "no table was split into ctid ranges; the test data is too small"
partitioned=$(jq '[.tables[] | select(.kind == "partitioned")] | length' "$manifest")
(( partitioned > 0 )) || fail "the sample database has no partitioned table in the manifest"
leaves=$(sql "$SAMPLE_DB" -c "SELECT count(*) FROM pg_class WHERE relispartition")
tables=$(verify_csv_roundtrip "$SAMPLE_DB" "$dest" "$manifest")
expected=$(sql "$SAMPLE_DB" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog','information_schema','roundtrip')
  AND n.nspname NOT LIKE 'pg\_%'")
[[ $tables == "$expected" ]] || fail "verified $tables tables, the database has $expected"
pass "csv+zstd: $tables tables ($split split, $partitioned partitioned, $leaves partitions folded) round-trip exactly"

for codec in gzip none; do
  PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "$dest" --run-id "csv-$codec" \
    --compression "$codec" --include 'zoo.*' >/dev/null
  verify_manifest_objects "$dest" "$dest/runs/csv-$codec/_manifest.json"
  n=$(verify_csv_roundtrip "$SAMPLE_DB" "$dest" "$dest/runs/csv-$codec/_manifest.json")
  pass "csv+$codec: $n zoo tables round-trip exactly"
done
