#!/usr/bin/env bash
# jsonl_e2e.sh - checks the JSON Lines encoder against a real PostgreSQL.
#
#   tests/unit/format/data/jsonl_e2e.sh BUILD_DIR [--update]
#
# 1. Starts a private cluster (initdb into $JSONL_E2E_DIR, default /tmp/jsonl-pg, port
#    $JSONL_E2E_PORT, default 54420, Unix socket only), unless one already runs there.
# 2. Creates jsonl_types (jsonl_types.sql) and reads it back with COPY ... TO STDOUT under the
#    export session settings, and its column types (jsonl_schema.sql).
# 3. Checks that they equal the committed fixtures jsonl_types.copy and jsonl_types.schema
#    (--update rewrites the fixtures instead).
# 4. Runs the JsonlFixture unit test from BUILD_DIR, which encodes the rows.
# 5. Checks every line and value of the encoder's output with PostgreSQL's JSON parsers
#    (jsonl_verify.sql); with --update, the checked output becomes jsonl_types.jsonl.
# 6. Stops the cluster if it started it.
# Needs root (the server runs as the postgres user) and PostgreSQL in $PG_BIN.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${1:?usage: jsonl_e2e.sh BUILD_DIR [--update]}
update=${2:-}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
dir=${JSONL_E2E_DIR:-/tmp/jsonl-pg}
port=${JSONL_E2E_PORT:-54420}

as_postgres() { runuser -u postgres -- "$@"; }

# The settings pgexport applies to every export session.
export PGOPTIONS="-c DateStyle=ISO,YMD -c IntervalStyle=postgres -c TimeZone=UTC \
-c extra_float_digits=1 -c bytea_output=hex -c client_encoding=UTF8"
psql() { as_postgres env PGOPTIONS="$PGOPTIONS" "$pg_bin/psql" -h "$dir" -p "$port" -X -q \
  -v ON_ERROR_STOP=1 postgres "$@"; }

started=
stop() {
  if [[ -n $started ]]; then as_postgres "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
}
trap stop EXIT

if ! as_postgres "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  if [[ ! -d $dir/data ]]; then
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    as_postgres "$pg_bin/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 -U postgres >/dev/null
  fi
  as_postgres "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -c unix_socket_directories=$dir -c listen_addresses=''" start >/dev/null
  started=1
fi

work=$(mktemp -d "$dir/e2e.XXXXXX")
chown postgres:postgres "$work"
trap 'rm -rf "$work"; stop' EXIT

psql -f "$here/jsonl_types.sql"
psql -c "COPY (SELECT * FROM jsonl_types ORDER BY id) TO STDOUT" > "$work/rows.copy"
psql -At -F $'\t' -f "$here/jsonl_schema.sql" > "$work/types.schema"

if [[ $update == --update ]]; then
  cp "$work/rows.copy" "$here/jsonl_types.copy"
  cp "$work/types.schema" "$here/jsonl_types.schema"
else
  cmp "$work/rows.copy" "$here/jsonl_types.copy" ||
    { echo "jsonl_types.copy differs from this server's COPY output (--update?)"; exit 1; }
  cmp "$work/types.schema" "$here/jsonl_types.schema" ||
    { echo "jsonl_types.schema differs from this server's catalog (--update?)"; exit 1; }
fi

# The unit test compares with jsonl_types.jsonl; that may fail here when --update is making it.
PGEXPORT_JSONL_FIXTURE_OUT="$work/out.jsonl" "$build_dir/unit_format" \
  --gtest_filter='JsonlFixture.*' --gtest_brief=1 || [[ $update == --update ]]
chmod 644 "$work/out.jsonl"

result=$(psql -v lines="$work/out.jsonl" -v schema="$work/types.schema" -f "$here/jsonl_verify.sql")
echo "$result"
if [[ $(tail -n 1 <<<"$result") != *" 0 failed" ]]; then exit 1; fi
if [[ $update == --update ]]; then cp "$work/out.jsonl" "$here/jsonl_types.jsonl"; fi
