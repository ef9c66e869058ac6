#!/usr/bin/env bash
# --table-format delta against real PostgreSQL, into a directory and into the RADOS Gateway.
# The reader is built from the Delta protocol, not from pgexport: DuckDB replays
# _delta_log/*.json (newline-delimited JSON) to find the live add paths at each version (for each
# path, the newest add or remove at or below the version decides), reads those files with
# read_parquet, and compares them with a copy of the table taken at that run (EXCEPT ALL both
# ways). Three runs with an insert, an update and a delete between them must give versions 0, 1
# and 2, each holding exactly its run's rows. Then: a retried run id changes nothing (exit 7),
# a second writer of the same version wins over pgexport (exit 20, nothing of the loser left),
# conflicting options are refused (exit 2), and verify passes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/delta_lib.sh"
need_postgres
need_s3
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] || fail "no $node_dir/node_modules: npm ci in tests/node"
trap stop_fault_proxy EXIT

db=pgexport_delta
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE items (id integer PRIMARY KEY, name text, amount numeric(12,2), happened timestamp);
INSERT INTO items SELECT i, 'item ' || i, i * 1.25, timestamp '2024-01-01 00:00' + i * interval '1 hour'
  FROM generate_series(1, 50) i;
CREATE TABLE notes (k bigint, body text);
INSERT INTO notes VALUES (1, 'a'), (2, NULL);
SQL

# DuckDB's answer to a query, one tab-separated line per row. read_parquet.mjs wants a file for
# its view `t`; the queries here do not use it.


# Rows of `items` as PostgreSQL has them now, kept for run $1.
keep_copy() { sql "$db" -c "COPY (SELECT id, name, amount, happened FROM items) TO STDOUT (FORMAT csv)" >"$WORK/items-$1.csv"; }

# Checks that version $2 of items (table root $1) holds exactly the rows of copy $3.
check_version() { # $1 = table root, $2 = version, $3 = copy label
  local files list
  files=$(live_files "$1" "$2")
  [[ -n $files ]] || fail "version $2 of $1 has no live files"
  list=$(while read -r path; do printf "'%s/%s'," "$1" "$path"; done <<<"$files")
  list="[${list%,}]"
  local counts
  counts=$(duck "$1/$(head -n1 <<<"$files")" "
    WITH delta AS (SELECT id, name, amount, happened FROM read_parquet($list)),
         copy AS (SELECT * FROM read_csv('$WORK/items-$3.csv', header = false,
                  columns = {'id': 'INTEGER', 'name': 'VARCHAR', 'amount': 'DECIMAL(12,2)',
                             'happened': 'TIMESTAMP'}))
    SELECT (SELECT count(*) FROM (SELECT * FROM delta EXCEPT ALL SELECT * FROM copy)),
           (SELECT count(*) FROM (SELECT * FROM copy EXCEPT ALL SELECT * FROM delta)),
           (SELECT count(*) FROM delta), (SELECT count(*) FROM copy)")
  read -r extra missing delta_rows copy_rows <<<"$counts"
  [[ $extra == 0 && $missing == 0 && $delta_rows == "$copy_rows" ]] ||
    fail "version $2 of $1: $extra rows not in run $3's copy, $missing missing ($delta_rows vs $copy_rows rows)"
  pass "version $2 of $1 holds run $3's $copy_rows rows exactly"
}

export_delta() { # $1 = destination, $2 = run id, further arguments to pgexport
  local destination=$1 run=$2
  shift 2
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$destination" --format parquet \
    --table-format delta --run-id "$run" "$@"
}

# Three runs with changes between them, into destination $1; local copy of it in $2.
three_runs() { # $1 = destination, $2 = local directory to read it from, $3 = label
  local destination=$1 local_dir=$2 label=$3
  sql "$db" -c "TRUNCATE items" -c "INSERT INTO items SELECT i, 'item ' || i, i * 1.25, timestamp '2024-01-01 00:00' + i * interval '1 hour' FROM generate_series(1, 50) i"
  keep_copy "$label-1"
  export_delta "$destination" "$label-1" >/dev/null 2>"$WORK/$label-1.log" || fail "run 1: $(cat "$WORK/$label-1.log")"
  sql "$db" -c "INSERT INTO items VALUES (51, 'new', 9.99, '2025-05-05 05:05')"
  keep_copy "$label-2"
  export_delta "$destination" "$label-2" >/dev/null 2>"$WORK/$label-2.log" || fail "run 2: $(cat "$WORK/$label-2.log")"
  sql "$db" -c "UPDATE items SET name = 'changed', amount = amount + 1 WHERE id <= 10" -c "DELETE FROM items WHERE id BETWEEN 40 AND 45"
  keep_copy "$label-3"
  export_delta "$destination" "$label-3" >/dev/null 2>"$WORK/$label-3.log" || fail "run 3: $(cat "$WORK/$label-3.log")"
  if [[ $destination == s3://* ]]; then
    aws_s3 s3 cp --recursive --only-show-errors "$destination" "$local_dir"
  fi
  local root=$local_dir/tables/public.items
  for version in 0 1 2; do check_version "$root" "$version" "$label-$((version + 1))"; done
  [[ ! -e $root/_delta_log/00000000000000000003.json ]] || fail "a fourth version exists after three runs"
  # The manifest records each table's version; the reader of all tables at one snapshot uses them.
  [[ $(jq -r '.tables[] | select(.name == "items") | .delta.version' "$local_dir/runs/$label-3/_manifest.json") == 2 ]] ||
    fail "the manifest of $label-3 does not record version 2 of items"
  [[ $(jq -r '.tables[] | select(.name == "notes") | .delta.version' "$local_dir/runs/$label-3/_manifest.json") == 2 ]] ||
    fail "the manifest of $label-3 does not record version 2 of notes"
  # Version 0 carries protocol and metaData; timestamp without time zone needs timestampNtz.
  jq -e -s 'map(select(.protocol)) | .[0].protocol | .minReaderVersion == 3 and .minWriterVersion == 7 and .readerFeatures == ["timestampNtz"] and .writerFeatures == ["timestampNtz"]' \
    "$root/_delta_log/00000000000000000000.json" >/dev/null || fail "version 0 lacks the timestampNtz protocol"
  jq -e -s 'map(select(.txn)) | .[0].txn.appId == "pgexport-public.items" and .[0].txn.version == 3' \
    "$root/_delta_log/00000000000000000002.json" >/dev/null || fail "version 2's txn is not run number 3 of pgexport-public.items"
  pass "$label: three runs are versions 0, 1, 2 with protocol, metaData and txn"
}

# --- a local directory -------------------------------------------------------------------------
dir=$WORK/dir
three_runs "$dir" "$dir" dir
"$PGEXPORT_BIN" verify --destination "$dir" --run-id dir-3 >/dev/null 2>"$WORK/verify.log" ||
  fail "verify of a Delta run failed: $(cat "$WORK/verify.log")"
entry=$dir/tables/public.notes/_delta_log/00000000000000000002.json
mv "$entry" "$WORK/entry.json"
set +e
"$PGEXPORT_BIN" verify --destination "$dir" --run-id dir-3 >"$WORK/verify-bad.out" 2>"$WORK/verify-bad.log"
code=$?
set -e
mv "$WORK/entry.json" "$entry"
[[ $code == 14 ]] || fail "verify without the Delta entry the manifest records exited $code, not 14"
grep -q "00000000000000000002.json" "$WORK/verify-bad.out" "$WORK/verify-bad.log" ||
  fail "verify did not name the missing Delta entry"
pass "verify checks the Delta run's files and the Delta version it records"

# A schema change: the next overwrite carries a new metaData with the new column.
sql "$db" -c "ALTER TABLE items ADD COLUMN extra integer"
export_delta "$dir" dir-4 >/dev/null 2>"$WORK/dir-4.log" || fail "run 4: $(cat "$WORK/dir-4.log")"
jq -e -s 'map(select(.metaData)) | length == 1 and (.[0].metaData.schemaString | contains("\"extra\""))' \
  "$dir/tables/public.items/_delta_log/00000000000000000003.json" >/dev/null ||
  fail "the run after ALTER TABLE did not write a new metaData with the new column"
id0=$(jq -r -s 'map(select(.metaData))[0].metaData.id' "$dir/tables/public.items/_delta_log/00000000000000000000.json")
id3=$(jq -r -s 'map(select(.metaData))[0].metaData.id' "$dir/tables/public.items/_delta_log/00000000000000000003.json")
[[ $id0 == "$id3" ]] || fail "the new metaData changed the table id ($id0, $id3)"
sql "$db" -c "ALTER TABLE items DROP COLUMN extra"
pass "a schema change writes a new metaData and keeps the table id"

# A retried run id (its manifest exists) is refused and changes no table.
before=$(find "$dir/tables" -type f | sort | sha256sum)
set +e
export_delta "$dir" dir-4 >/dev/null 2>"$WORK/retry.log"
code=$?
set -e
[[ $code == 7 ]] || fail "a retried run exited $code, not 7: $(cat "$WORK/retry.log")"
[[ $(find "$dir/tables" -type f | sort | sha256sum) == "$before" ]] || fail "a retried run changed the tables"
# The same after a crash between the Delta commits and the manifest: the log knows the run.
rm "$dir/runs/dir-4/_manifest.json"
set +e
export_delta "$dir" dir-4 >/dev/null 2>"$WORK/retry2.log"
code=$?
set -e
[[ $code == 7 ]] || fail "a run already in the Delta log exited $code, not 7: $(cat "$WORK/retry2.log")"
grep -q "already holds run 'dir-4'" "$WORK/retry2.log" || fail "no clear message: $(cat "$WORK/retry2.log")"
[[ $(find "$dir/tables" -type f | sort | sha256sum) == "$before" ]] ||
  fail "a run already in the Delta log was applied twice or left files"
pass "a retried run is detected and not applied twice"

# Conflicting options are refused before anything is read.
for bad in "--format csv" "--format parquet --parquet-profile exact" "--format parquet --spool $WORK/spool"; do
  set +e
  # shellcheck disable=SC2086
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$WORK/bad" --table-format delta $bad \
    >/dev/null 2>"$WORK/bad.log"
  code=$?
  set -e
  [[ $code == 2 ]] || fail "--table-format delta $bad exited $code, not 2"
  [[ ! -e $WORK/bad/tables ]] || fail "a refused export wrote tables"
done
pass "--table-format delta refuses csv, the exact profile and --spool (exit 2)"

# --- the RADOS Gateway ---------------------------------------------------------------------------
prefix=delta-$$-$RANDOM
s3_url=s3://$PGEXPORT_TEST_BUCKET/$prefix
three_runs "$s3_url" "$WORK/s3" s3

# A second writer of the same version: pgexport's create of version 3 of items is held back by
# the proxy until another writer has created version 3; pgexport must lose, with exit 20.
start_fault_proxy --delay 20 --delay-match 'PUT [^ ]*public\.items/_delta_log/00000000000000000003\.json'
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$s3_url" --s3-endpoint "$PROXY_URL" \
  --format parquet --table-format delta --run-id s3-4 >/dev/null 2>"$WORK/conflict.log" &
export_pid=$!
for _ in $(seq 1 600); do
  [[ -s $WORK/proxy.stats ]] && (( $(jq .delayed "$WORK/proxy.stats") >= 1 )) && break
  kill -0 "$export_pid" 2>/dev/null || break
  sleep 0.1
done
(( $(jq .delayed "$WORK/proxy.stats") >= 1 )) || fail "the export never tried to create version 3"
other='{"commitInfo":{"operation":"OTHER WRITER"}}'
printf '%s\n' "$other" >"$WORK/other.json"
aws_s3 s3 cp --only-show-errors "$WORK/other.json" "$s3_url/tables/public.items/_delta_log/00000000000000000003.json"
set +e
wait "$export_pid"
code=$?
set -e
stop_fault_proxy
[[ $code == 20 ]] || fail "the losing writer exited $code, not 20: $(cat "$WORK/conflict.log")"
grep -q "another writer committed Delta version 3" "$WORK/conflict.log" ||
  fail "no clear message: $(cat "$WORK/conflict.log")"
[[ $(aws_s3 s3 cp --only-show-errors "$s3_url/tables/public.items/_delta_log/00000000000000000003.json" -) == "$other" ]] ||
  fail "the other writer's version 3 was overwritten"
aws_s3 s3 ls "$s3_url/runs/s3-4/_manifest.json" >/dev/null 2>&1 && fail "the losing run published a manifest"
leftover=$(count_objects "$s3_url/tables/public.items/run-s3-4-")
[[ $leftover == 0 ]] || fail "the losing run left $leftover files in items"
# Nothing the live version 2 references is gone.
rm -rf "$WORK/s3"
aws_s3 s3 cp --recursive --only-show-errors "$s3_url" "$WORK/s3"
rm "$WORK/s3/tables/public.items/_delta_log/00000000000000000003.json"  # not a pgexport version
check_version "$WORK/s3/tables/public.items" 2 s3-3
pass "a second writer of the same version wins; the loser exits 20 and leaves nothing"
