#!/usr/bin/env bash
# Delta checkpoints against real PostgreSQL, into a directory and into the RADOS Gateway. The
# reader is built in this test from the Delta protocol: the live files of the newest version are
# the add paths of the checkpoint (read by DuckDB's read_parquet, and by hyparquet) updated by the
# JSON entries after it; they must be the live files a replay of every JSON entry gives, and the
# rows they hold must be the table's rows at the last run. Then the entries before the checkpoint
# are deleted, as a log retention would: pgexport still commits the next version correctly and
# still refuses a retried run id (exit 7).
#
# Directory: 101 real runs (versions 0 to 100, about 15 s) reach the default interval of 100.
# RADOS Gateway: 101 runs took 273 s on a loaded 2-core machine, too slow for every test run, so
# the test writes version 1 itself through the protocol (a metaData setting
# delta.checkpointInterval=5), so five runs reach a checkpoint; pgexport must keep that
# configuration in the metaData it writes for a later schema change.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/delta_lib.sh"
need_postgres
need_s3
node_dir=${PGEXPORT_NODE_DIR:-$PGEXPORT_SOURCE_DIR/tests/node}
[[ -d $node_dir/node_modules ]] || fail "no $node_dir/node_modules: npm ci in tests/node"
ln -sfn "$node_dir/node_modules" "$WORK/node_modules"

db=pgexport_delta_checkpoint
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE items (id integer PRIMARY KEY, name text, happened timestamp);
INSERT INTO items SELECT i, 'item ' || i, timestamp '2024-01-01 00:00' + i * interval '1 hour'
  FROM generate_series(1, 20) i;
SQL


export_delta() { # $1 = destination, $2 = run id, further arguments to pgexport
  local destination=$1 run=$2
  shift 2
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$destination" --format parquet \
    --table-format delta --run-id "$run" "$@"
}

run_ok() { # $1 = destination, $2 = run id
  export_delta "$1" "$2" >/dev/null 2>"$WORK/$2.log" || fail "run $2: $(cat "$WORK/$2.log")"
}


# The live files from checkpoint $2 and the JSON entries after it, by DuckDB.
checkpoint_live_files() { # $1 = table root directory, $2 = checkpoint version
  local checkpoint
  checkpoint=$(printf '%s/_delta_log/%020d.checkpoint.parquet' "$1" "$2")
  local later=()
  for entry in "$1"/_delta_log/*.json; do
    local version=$((10#$(basename "$entry" .json)))
    ((version > $2)) && later+=("'$entry'")
  done
  local json_part="SELECT NULL::BIGINT AS version, NULL AS path, NULL::BOOLEAN AS live WHERE false"
  if ((${#later[@]} > 0)); then
    local list
    list=$(IFS=,; echo "${later[*]}")
    json_part="
      SELECT version, \"add\".path, true FROM actions WHERE \"add\" IS NOT NULL
      UNION ALL SELECT version, \"remove\".path, false FROM actions WHERE \"remove\" IS NOT NULL"
    json_part="WITH actions AS (
      SELECT CAST(regexp_extract(filename, '([0-9]{20})\\.json\$', 1) AS BIGINT) AS version,
             \"add\", \"remove\"
      FROM read_json([$list], format = 'newline_delimited', filename = true,
                     columns = {'add': 'STRUCT(path VARCHAR)', 'remove': 'STRUCT(path VARCHAR)'}))
      $json_part"
  fi
  duck "$checkpoint" "
    WITH events AS (
      SELECT $2 AS version, \"add\".path AS path, true AS live
        FROM read_parquet('$checkpoint') WHERE \"add\" IS NOT NULL
      UNION ALL SELECT * FROM ($json_part))
    SELECT path FROM (SELECT path, arg_max(live, version) AS live FROM events GROUP BY path)
    WHERE live ORDER BY path"
}

# hyparquet's view of a checkpoint: one JSON object per line for each action row.
cat >"$WORK/checkpoint_rows.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
const bytes = readFileSync(process.argv[2]);
const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const rows = await parquetReadObjects({ file, compressors });
const safe = (key, value) => (typeof value === 'bigint' ? value.toString() : value);
for (const row of rows) process.stdout.write(JSON.stringify(row, safe) + '\n');
JS
hyparquet_rows() { (cd "$WORK" && node checkpoint_rows.mjs "$1"); }

# Checks the checkpoint of version $2 in table root $1 against the protocol and both readers.
check_checkpoint() { # $1 = table root, $2 = version, $3 = expected minReaderVersion
  local checkpoint pointer
  checkpoint=$(printf '%s/_delta_log/%020d.checkpoint.parquet' "$1" "$2")
  [[ -s $checkpoint ]] || fail "no checkpoint at version $2 in $1"
  pointer=$1/_delta_log/_last_checkpoint
  [[ $(jq .version "$pointer") == "$2" ]] || fail "_last_checkpoint is $(cat "$pointer"), not version $2"
  [[ $(jq .sizeInBytes "$pointer") == "$(stat -c %s "$checkpoint")" ]] || fail "_last_checkpoint's sizeInBytes is not the file's size"
  local counts
  counts=$(duck "$checkpoint" "SELECT count(*), count(\"add\"), count(protocol), count(metaData),
                                      count(txn) FROM read_parquet('$checkpoint')")
  read -r rows adds protocols metadatas txns <<<"$counts"
  [[ $(jq .size "$pointer") == "$rows" && $(jq .numOfAddFiles "$pointer") == "$adds" ]] ||
    fail "_last_checkpoint ($(cat "$pointer")) does not count the checkpoint's $rows actions and $adds adds"
  [[ $protocols == 1 && $metadatas == 1 && $txns == 1 ]] ||
    fail "the checkpoint has $protocols protocol, $metadatas metaData and $txns txn rows"
  # hyparquet reads the same add paths and the protocol with its features.
  hyparquet_rows "$checkpoint" >"$WORK/hyparquet.jsonl"
  [[ $(jq -r 'select(.add) | .add.path' "$WORK/hyparquet.jsonl" | sort) == \
     "$(duck "$checkpoint" "SELECT \"add\".path FROM read_parquet('$checkpoint') WHERE \"add\" IS NOT NULL ORDER BY 1")" ]] ||
    fail "hyparquet and DuckDB read different add paths from the checkpoint"
  jq -e -s --argjson reader "$3" 'map(select(.protocol))[0].protocol | .minReaderVersion == $reader' \
    "$WORK/hyparquet.jsonl" >/dev/null || fail "the checkpoint's protocol is not reader $3: $(grep protocol "$WORK/hyparquet.jsonl")"
  if [[ $3 == 3 ]]; then
    jq -e -s 'map(select(.protocol))[0].protocol | .readerFeatures == ["timestampNtz"] and .writerFeatures == ["timestampNtz"]' \
      "$WORK/hyparquet.jsonl" >/dev/null || fail "the checkpoint lacks the timestampNtz features"
  fi
  jq -e -s 'map(select(.txn))[0].txn.appId == "pgexport-public.items"' "$WORK/hyparquet.jsonl" >/dev/null ||
    fail "the checkpoint's txn is not pgexport's"
  pass "checkpoint $2 of $1: $rows actions, $adds add, read alike by DuckDB and hyparquet; _last_checkpoint matches"
}

# The rows the live files $2 (one path a line) of table root $1 hold equal PostgreSQL's now.
check_rows() { # $1 = table root, $2 = live files
  local list counts
  list=$(while read -r path; do printf "'%s/%s'," "$1" "$path"; done <<<"$2")
  sql "$db" -c "COPY (SELECT id, name, happened FROM items) TO STDOUT (FORMAT csv)" >"$WORK/copy.csv"
  counts=$(duck "$1/$(head -n1 <<<"$2")" "
    WITH delta AS (SELECT id, name, happened FROM read_parquet([${list%,}])),
         copy AS (SELECT * FROM read_csv('$WORK/copy.csv', header = false,
                  columns = {'id': 'INTEGER', 'name': 'VARCHAR', 'happened': 'TIMESTAMP'}))
    SELECT (SELECT count(*) FROM (SELECT * FROM delta EXCEPT ALL SELECT * FROM copy)),
           (SELECT count(*) FROM (SELECT * FROM copy EXCEPT ALL SELECT * FROM delta)),
           (SELECT count(*) FROM copy)")
  read -r extra missing copy_rows <<<"$counts"
  [[ $extra == 0 && $missing == 0 ]] || fail "$1: $extra rows not in PostgreSQL's, $missing missing"
  pass "$1: the live files hold PostgreSQL's $copy_rows rows exactly"
}

# A retried run whose Delta commit exists (its manifest removed, as after a crash) is refused.
check_retry_refused() { # $1 = destination, $2 = run id, $3 = local copy to compare (or "")
  set +e
  export_delta "$1" "$2" >/dev/null 2>"$WORK/retry-$2.log"
  local code=$?
  set -e
  [[ $code == 7 ]] || fail "the retried run $2 exited $code, not 7: $(cat "$WORK/retry-$2.log")"
  grep -q "already holds run '$2'" "$WORK/retry-$2.log" || fail "no clear message: $(cat "$WORK/retry-$2.log")"
  pass "after the entries before the checkpoint are gone, the retried run $2 is refused (exit 7)"
}

# --- a local directory: the default interval, 101 runs -------------------------------------------
dir=$WORK/dir
root=$dir/tables/public.items
started=$(date +%s%N)
for run in $(seq 1 101); do
  sql "$db" -c "UPDATE items SET name = 'run $run' WHERE id = 1"
  run_ok "$dir" "r$run"
done
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "101 runs into a directory took ${elapsed_ms} ms"
[[ ! -e $root/_delta_log/00000000000000000099.checkpoint.parquet ]] || fail "a checkpoint before version 100"
check_checkpoint "$root" 100 3
sql "$db" -c "UPDATE items SET name = 'run 102' WHERE id = 1" -c "DELETE FROM items WHERE id = 20"
run_ok "$dir" r102
[[ ! -e $root/_delta_log/00000000000000000101.checkpoint.parquet ]] || fail "a checkpoint at version 101"
from_checkpoint=$(checkpoint_live_files "$root" 100)
[[ -n $from_checkpoint && $from_checkpoint == "$(live_files "$root")" ]] ||
  fail "the checkpoint and later entries give other live files than the JSON replay"
check_rows "$root" "$from_checkpoint"

# Retention deletes the entries before the checkpoint; pgexport reads the checkpoint instead.
for v in $(seq 0 99); do rm "$(printf '%s/_delta_log/%020d.json' "$root" "$v")"; done
sql "$db" -c "INSERT INTO items VALUES (100, 'after the cleanup', '2025-01-01')"
run_ok "$dir" r103
[[ -e $root/_delta_log/00000000000000000102.json ]] || fail "the run after the cleanup did not commit version 102"
jq -e -s 'map(select(.txn))[0].txn.version == 103 and (map(select(.remove)) | length == 1)' \
  "$root/_delta_log/00000000000000000102.json" >/dev/null ||
  fail "version 102 is not run number 103 removing the one live file"
check_rows "$root" "$(checkpoint_live_files "$root" 100)"
rm "$dir/runs/r103/_manifest.json"
before=$(find "$dir/tables" -type f | sort | sha256sum)
check_retry_refused "$dir" r103
[[ $(find "$dir/tables" -type f | sort | sha256sum) == "$before" ]] || fail "the refused retry changed the table"

# --- the RADOS Gateway: the interval set through the protocol ------------------------------------
prefix=delta-checkpoint-$$-$RANDOM
s3_url=s3://$PGEXPORT_TEST_BUCKET/$prefix
s3_root=$s3_url/tables/public.items
run_ok "$s3_url" s1
aws_s3 s3 cp --only-show-errors "$s3_root/_delta_log/00000000000000000000.json" "$WORK/v0.json"
{
  echo '{"commitInfo":{"timestamp":1,"operation":"SET TBLPROPERTIES","engineInfo":"the test"}}'
  jq -c 'select(.metaData) | .metaData.configuration = {"delta.checkpointInterval": "5"}' "$WORK/v0.json"
} >"$WORK/v1.json"
aws_s3 s3 cp --only-show-errors "$WORK/v1.json" "$s3_root/_delta_log/00000000000000000001.json"
for run in 2 3 4; do run_ok "$s3_url" "s$run"; done
sql "$db" -c "ALTER TABLE items ADD COLUMN extra integer"
run_ok "$s3_url" s5
sql "$db" -c "ALTER TABLE items DROP COLUMN extra"
local_s3=$WORK/s3
aws_s3 s3 cp --recursive --only-show-errors "$s3_url/tables" "$local_s3/tables"
jq -e -s 'map(select(.metaData)) | length == 1 and .[0].metaData.configuration == {"delta.checkpointInterval": "5"}' \
  "$local_s3/tables/public.items/_delta_log/00000000000000000005.json" >/dev/null ||
  fail "the metaData of the schema change does not keep delta.checkpointInterval"
check_checkpoint "$local_s3/tables/public.items" 5 3
[[ $(duck "$local_s3/tables/public.items/_delta_log/00000000000000000005.checkpoint.parquet" \
     "SELECT map_keys(metaData.configuration)[1] FROM read_parquet('$local_s3/tables/public.items/_delta_log/00000000000000000005.checkpoint.parquet') WHERE metaData IS NOT NULL") == delta.checkpointInterval ]] ||
  fail "the checkpoint's metaData lacks the configuration"
from_checkpoint=$(checkpoint_live_files "$local_s3/tables/public.items" 5)
[[ -n $from_checkpoint && $from_checkpoint == "$(live_files "$local_s3/tables/public.items")" ]] ||
  fail "S3: the checkpoint gives other live files than the JSON replay"
for v in 0 1 2 3 4; do aws_s3 s3 rm --only-show-errors "$(printf '%s/_delta_log/%020d.json' "$s3_root" "$v")"; done
run_ok "$s3_url" s6
aws_s3 s3 ls "$s3_root/_delta_log/00000000000000000006.json" >/dev/null || fail "S3: no version 6 after the cleanup"
aws_s3 s3 rm --only-show-errors "$s3_url/runs/s6/_manifest.json"
check_retry_refused "$s3_url" s6
rm -rf "$local_s3"
aws_s3 s3 cp --recursive --only-show-errors "$s3_url/tables" "$local_s3/tables"
check_rows "$local_s3/tables/public.items" "$(checkpoint_live_files "$local_s3/tables/public.items" 5)"
pass "S3: a checkpoint at the table's own interval, kept configuration, and a log cleaned up before it"

# --- a log that only a multi-part checkpoint covers is refused (exit 6) ---------------------------
refused=$WORK/refused
log_dir=$refused/tables/public.items/_delta_log
mkdir -p "$log_dir"
echo '{"commitInfo":{"operation":"WRITE","engineInfo":"another engine"}}' >"$log_dir/00000000000000000011.json"
: >"$log_dir/00000000000000000010.checkpoint.0000000001.0000000002.parquet"
: >"$log_dir/00000000000000000010.checkpoint.0000000002.0000000002.parquet"
set +e
export_delta "$refused" m1 >/dev/null 2>"$WORK/refused.log"
code=$?
set -e
[[ $code == 6 ]] || fail "a log needing a multi-part checkpoint exited $code, not 6: $(cat "$WORK/refused.log")"
grep -q "a multi-part or V2 checkpoint, which pgexport does not read" "$WORK/refused.log" ||
  fail "no clear message: $(cat "$WORK/refused.log")"
[[ -z $(find "$refused/tables/public.items" -name 'part-*') && ! -e $refused/runs/m1/_manifest.json ]] ||
  fail "the refused run left files or a manifest"
pass "a log that needs a multi-part checkpoint is refused (exit 6) and nothing is left"
