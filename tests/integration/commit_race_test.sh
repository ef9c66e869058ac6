#!/usr/bin/env bash
# Two exports started together for one run id (EventBridge delivers at least once, so two ECS
# tasks can start for one tick) while a workload changes the data, to S3 and to a directory,
# 20 times each: every time exactly one commits (exit 0), the other exits run_exists (7) and
# removes only its own objects, and `pgexport verify` passes on the committed run. Then 20
# racing pairs with different run ids: latest.json never moves backwards.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
rounds=${PGEXPORT_TEST_RACE_ROUNDS:-20}
prefix=race-$$-$RANDOM
s3_url=s3://$PGEXPORT_TEST_BUCKET/$prefix

db=pgexport_race
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE account (id int PRIMARY KEY, balance bigint NOT NULL, note text NOT NULL);
INSERT INTO account SELECT i, 1000, md5(i::text) FROM generate_series(1, 20000) i;
CREATE TABLE ledger (id bigserial PRIMARY KEY, account int NOT NULL, amount int NOT NULL);
SQL
cat >"$WORK/workload.sql" <<'SQL'
\set a random(1, 20000)
BEGIN;
UPDATE account SET balance = balance - 1 WHERE id = :a;
INSERT INTO ledger (account, amount) VALUES (:a, -1);
COMMIT;
SQL
/usr/lib/postgresql/15/bin/pgbench -n -c 2 -T 600 -f "$WORK/workload.sql" "$db" >"$WORK/pgbench.log" 2>&1 &
load_pid=$!
trap 'kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  (( $(sql "$db" -c "SELECT count(*) FROM ledger") > 0 )) && break
  kill -0 "$load_pid" 2>/dev/null || fail "the workload stopped: $(tail -n 3 "$WORK/pgbench.log")"
  sleep 0.1
done

# Both twins start, then both are waited for: exactly one 0 and one 7, and the committed
# run verifies (every object's size, SHA-256 and row count as its manifest says).
race_twins() { # $1 = destination, $2 = run id
  local dest=$1 id=$2 a=0 b=0
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id "$id" --jobs 2 \
    --chunk-size 256KiB >/dev/null 2>"$WORK/$id.a.err" & local pid_a=$!
  PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$dest" --run-id "$id" --jobs 2 \
    --chunk-size 256KiB >/dev/null 2>"$WORK/$id.b.err" & local pid_b=$!
  wait "$pid_a" || a=$?
  wait "$pid_b" || b=$?
  [[ "$a $b" == "0 7" || "$a $b" == "7 0" ]] ||
    fail "twins of run $id exited $a and $b, expected one 0 and one 7: $(cat "$WORK/$id".?.err)"
  local loser=$WORK/$id.a.err
  [[ $a == 7 ]] || loser=$WORK/$id.b.err
  grep -q "committed run '$id' .* first\|already holds run '$id'" "$loser" ||
    fail "the losing twin's message is unclear: $(cat "$loser")"
  "$PGEXPORT_BIN" verify --destination "$dest" --run-id "$id" >"$WORK/$id.verify" 2>&1 ||
    fail "verify failed on run $id: $(cat "$WORK/$id.verify")"
}

for destination in "$WORK/dir" "$s3_url"; do
  for round in $(seq 1 "$rounds"); do race_twins "$destination" "twin-$round"; done
done
# The losers removed their own attempts only: every object under runs/ is listed by a manifest.
listed=$(cat "$WORK"/dir/runs/*/_manifest.json | jq -r '.tables[].files[].key' | sort)
present=$(cd "$WORK/dir" && find runs -type f ! -name _manifest.json | sort)
[[ $listed == "$present" ]] || fail "objects outside the committed manifests were left in the directory"
aws_s3 s3 cp --recursive --only-show-errors "$s3_url/runs" "$WORK/s3-runs"
listed=$(cat "$WORK"/s3-runs/*/_manifest.json | jq -r '.tables[].files[].key' | sed 's#^runs/##' | sort)
present=$(cd "$WORK/s3-runs" && find . -type f ! -name _manifest.json | sed 's#^\./##' | sort)
[[ $listed == "$present" ]] || fail "objects outside the committed manifests were left in the bucket"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "multipart uploads were left open"
pass "$rounds twin pairs each to a directory and to S3: one commit, one run_exists, every run verifies"

# Racing pairs with different ids: after each pair latest.json names the committed run with the
# newest snapshot, and what it names never goes back in time.
previous=""
for round in $(seq 1 "$rounds"); do
  pids=()
  for side in a b; do
    PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$s3_url/latest" --run-id "pair-$round-$side" \
      --jobs 1 --include 'public.account' >/dev/null 2>"$WORK/pair.$side.err" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || fail "a racing export failed: $(cat "$WORK"/pair.?.err)"
  done
  latest=$(aws_s3 s3 cp --only-show-errors "$s3_url/latest/latest.json" -)
  named=$(jq -r .snapshot_at <<<"$latest")
  newest=""
  for side in a b; do
    taken=$(aws_s3 s3 cp --only-show-errors "$s3_url/latest/runs/pair-$round-$side/_manifest.json" - |
      jq -r .snapshot_at)
    [[ $taken > $newest ]] && newest=$taken
  done
  [[ $named == "$newest" ]] || fail "round $round: latest.json names snapshot $named, the newest is $newest"
  [[ -z $previous || ! $named < $previous ]] || fail "latest.json moved back from $previous to $named"
  previous=$named
done
pass "$rounds racing pairs: latest.json always names the newest snapshot and never moves back"
aws_s3 s3 rm --recursive --only-show-errors "$s3_url" >/dev/null
