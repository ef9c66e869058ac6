#!/usr/bin/env bash
# Fixture: loads the sample database (small scale) and the type zoo into `pgexport_sample`,
# which the read-only integration tests export.
source "$(dirname "$0")/lib.sh"
need_postgres
fresh_database "$SAMPLE_DB"
PGDATABASE=$SAMPLE_DB "$PGEXPORT_SOURCE_DIR/scripts/sampledb/load.sh" --scale "${PGEXPORT_TEST_SCALE:-0.05}" >/dev/null
sql "$SAMPLE_DB" -f "$PGEXPORT_SOURCE_DIR/tests/sql/type_zoo.sql" >/dev/null
pass "sample database and type zoo loaded into $SAMPLE_DB"
