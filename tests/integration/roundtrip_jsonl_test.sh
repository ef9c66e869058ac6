#!/usr/bin/env bash
# Every table of the sample database and the type zoo, exported as JSON Lines, parses with
# PostgreSQL's JSON parser and rebuilds into rows equal to the source (tests/sql/jsonl_check.sql).
source "$(dirname "$0")/lib.sh"
need_postgres

dest=$WORK/out
PGDATABASE=$SAMPLE_DB "$PGEXPORT_BIN" export --destination "$dest" --run-id jsonl \
  --format jsonl --compression gzip --jobs 3 --chunk-size 1MiB >/dev/null
manifest=$dest/runs/jsonl/_manifest.json
verify_manifest_objects "$dest" "$manifest"
[[ $(jq -r '.tables[0].files[0].key' "$manifest") == *.jsonl.gz ]] || fail "files are not named .jsonl.gz"
tables=$(verify_jsonl_roundtrip "$SAMPLE_DB" "$dest" "$manifest")
pass "jsonl+gzip: $tables tables parse as JSON and rebuild into the source rows"
