#!/usr/bin/env bash
# cleanup under changes/, in a directory and in RADOS Gateway (S3): a cdc run killed (SIGKILL)
# in the middle of a batch leaves a change file it committed early (one file open at a time)
# and an unfinished upload; the next cdc run ships the same changes under its own attempt.
# cleanup within the grace period leaves the orphans alone; --dry-run lists them and changes
# nothing; --grace 0 removes the orphan and the upload and keeps every file a log entry lists,
# the log itself and a key that is not pgexport's; materialize still reads the log after it.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
db=pgexport_cdc_cleanup
fresh_database "$db"
sql "$db" <<'SQL'
CREATE TABLE a (id int PRIMARY KEY, v text);
CREATE TABLE b (id int PRIMARY KEY, v text);
INSERT INTO a VALUES (1, 'base');
SQL
export PGDATABASE=$db
prefix=cdc-cleanup-$$-$RANDOM
s3=s3://$PGEXPORT_TEST_BUCKET/$prefix
RUN_PID=
trap 'stop_processes "$RUN_PID"; aws_s3 s3 rm --recursive --only-show-errors "$s3" >/dev/null 2>&1 || true' EXIT

run() { # pgexport "$@", keeping stdout and stderr; sets $status
  status=0
  "$PGEXPORT_BIN" "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
}
wait_for() { # $1 = description, rest = command; at most 60 s
  local description=$1 i
  shift
  for i in $(seq 1 600); do
    "$@" && return 0
    [[ -z $RUN_PID ]] || kill -0 "$RUN_PID" 2>/dev/null || fail "cdc run ended early: $(tail -n 5 "$WORK/run.err")"
    sleep 0.1
  done
  fail "timed out waiting until $description"
}
wait_slot_free() {
  wait_until "$db" "slot $1 is released" "SELECT NOT active FROM pg_replication_slots WHERE slot_name = '$1'"
}

for kind in dir s3; do
  slot=cleanup_$kind
  if [[ $kind == dir ]]; then dest=$WORK/dest; else dest=$s3; fi
  # Every key under changes/ with its size (S3: and pending uploads), sorted.
  listing() {
    if [[ $kind == dir ]]; then
      (cd "$dest" && find changes -type f -printf '%p %s\n' | sort)
    else
      aws_s3 s3api list-objects-v2 --bucket "$PGEXPORT_TEST_BUCKET" --prefix "$prefix/changes/" --output json |
        jq -rs '[.[] | .Contents // [] | .[] | "\(.Key) \(.Size)"] | sort | .[]'
      pending_uploads "$prefix/changes/"
    fi
  }
  exists() { # a key of the destination
    if [[ $kind == dir ]]; then [[ -f $dest/$1 ]]; else
      aws_s3 s3api head-object --bucket "$PGEXPORT_TEST_BUCKET" --key "$prefix/$1" >/dev/null 2>&1
    fi
  }
  early_commit() { # the killed run's file of table a, committed when b's file opened
    if [[ $kind == dir ]]; then compgen -G "$dest/changes/public.a/*.csv.zst" >/dev/null; else
      [[ -n $(aws_s3 s3 ls "$dest/changes/public.a/" || true) ]]
    fi
  }
  b_open() { [[ $kind == s3 ]] || compgen -G "$dest/changes/public.b/.*.partial" >/dev/null; }

  run cdc init --destination "$dest" --slot "$slot" --publication "$slot"
  [[ $status == 0 ]] || fail "cdc init ($kind): $(cat "$WORK/err")"

  # --- a cdc run killed mid-batch. Two part buffers: one change file open at a time (30 MiB is
  # the process's 16 MiB, one open file's 3 MiB and two 5 MiB parts, see docs/cdc.md "Memory").
  "$PGEXPORT_BIN" cdc run --destination "$dest" --slot "$slot" --follow --batch-interval 1h \
    --part-size 5MiB --memory-limit 30MiB >"$WORK/run.out" 2>"$WORK/run.err" &
  RUN_PID=$!
  wait_until "$db" "cdc run streams" "SELECT active FROM pg_replication_slots WHERE slot_name = '$slot'"
  sql "$db" -c "INSERT INTO a SELECT coalesce(max(id), 0) + 1, 'next' FROM a" \
    -c "INSERT INTO b SELECT coalesce(max(id), 0) + 1, 'next' FROM b"
  wait_for "the run committed a's file early" early_commit
  wait_for "the run writes b's file" b_open
  kill -KILL "$RUN_PID"
  wait "$RUN_PID" 2>/dev/null || true
  RUN_PID=
  wait_slot_free "$slot"
  killed=$(if [[ $kind == dir ]]; then (cd "$dest" && ls changes/public.a/*.csv.zst); else
    aws_s3 s3 ls "$dest/changes/public.a/" | awk '{print "changes/public.a/" $4}'; fi)
  [[ $(wc -l <<<"$killed") == 1 ]] || fail "expected one early commit: $killed"
  if [[ $kind == s3 ]]; then
    # What a run killed during a large file leaves on S3: an unfinished multipart upload.
    aws_s3 s3api create-multipart-upload --bucket "$PGEXPORT_TEST_BUCKET" \
      --key "$prefix/changes/public.b/00000000000000000001-0badc0ffee00-000.csv.zst" >/dev/null
    echo "the warehouse team's notes" | aws_s3 s3 cp --only-show-errors - "$dest/changes/notes.txt"
  else
    echo "the warehouse team's notes" >"$dest/changes/notes.txt"
  fi
  before=$(listing)
  [[ $(grep -c 'public.b/.*partial\|0badc0ffee00' <<<"$before") == 1 ]] || fail "no open upload of b: $before"

  # --- the next run ships the same changes; the killed attempt's files are orphans.
  run cdc run --destination "$dest" --slot "$slot" --until-caught-up
  [[ $status == 0 ]] || fail "cdc run ($kind): $(cat "$WORK/err")"
  wait_slot_free "$slot"
  grep -q "^Shipped 1 batches (2 transactions, 2 changes)" "$WORK/out" || fail "cdc run: $(cat "$WORK/out")"
  if [[ $kind == dir ]]; then cp "$dest/changes/_log/00000000000000000001.json" "$WORK/entry.json"; else
    aws_s3 s3 cp --only-show-errors "$dest/changes/_log/00000000000000000001.json" "$WORK/entry.json"; fi
  mapfile -t listed < <(jq -r '.tables[].files[].key' "$WORK/entry.json")
  [[ ${#listed[@]} == 2 ]] || fail "entry 1 lists ${#listed[@]} files"
  for key in "${listed[@]}"; do [[ $key != "$killed" ]] || fail "the log lists the killed run's file"; done

  # --- within the grace period nothing under changes/ is touched.
  before=$(listing)
  run cleanup --destination "$dest" --grace 1h --log-level info
  [[ $status == 0 ]] || fail "cleanup --grace 1h ($kind): $(cat "$WORK/err")"
  [[ $(listing) == "$before" ]] || fail "cleanup --grace 1h changed changes/ ($kind)"
  grep -q "within --grace): a cdc run may be writing them" "$WORK/err" || fail "no note: $(cat "$WORK/err")"
  run cleanup --destination "$dest" --grace 0 --dry-run --log-level info
  [[ $status == 0 ]] || fail "cleanup --dry-run ($kind): $(cat "$WORK/err")"
  [[ $(listing) == "$before" ]] || fail "cleanup --dry-run changed changes/ ($kind)"
  grep -qF "would remove change file no log entry lists key=$killed" "$WORK/err" ||
    fail "dry run does not name $killed: $(cat "$WORK/err")"

  # --- past the grace period: the orphan and the upload go, the log's files stay.
  run cleanup --destination "$dest" --grace 0 --log-level info
  [[ $status == 0 ]] || fail "cleanup --grace 0 ($kind): $(cat "$WORK/err")"
  grep -q "^Cleanup of .*: 1 pending uploads aborted, 0 uncommitted runs, 0 objects no manifest lists, 1 change files no log entry lists" "$WORK/out" ||
    fail "cleanup summary ($kind): $(cat "$WORK/out")"
  ! exists "$killed" || fail "the orphan $killed is still there ($kind)"
  after=$(listing)  # once, into a variable: grep -q on a pipe would end it early (SIGPIPE)
  ! grep -q 'partial\|0badc0ffee00' <<<"$after" || fail "the upload of b is still open ($kind): $after"
  for key in "${listed[@]}" changes/_log/00000000000000000001.json changes/notes.txt; do
    exists "$key" || fail "cleanup removed $key ($kind)"
  done
  run materialize --destination "$dest" --output "$WORK/materialized-$kind"
  [[ $status == 0 ]] || fail "materialize after cleanup ($kind): $(cat "$WORK/err")"
  run cdc drop --slot "$slot" --publication "$slot"
  pass "cleanup ($kind): orphans of a killed cdc run kept within --grace, listed by --dry-run, then removed; the log's files kept"
done
