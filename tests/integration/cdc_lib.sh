# shellcheck shell=bash
# Shared by the change-capture integration tests (sourced after lib.sh): a concurrent write
# workload, `cdc run` killed again and again, and the checks that prove exactly once.
#
# Exactly once is checked three ways, independently of each other:
#   1. the commit log itself: every listed file exists with its size and SHA-256, holds the
#      rows its entry says, and no change identity (_commit_lsn, _seq) appears twice;
#   2. against an audit trail: row and truncate triggers record every change the application
#      makes, in the changing transaction itself (so a rolled-back change leaves no trace);
#      the logged changes must equal it as a multiset of (xid, table, op): none lost, none
#      doubled;
#   3. materialize: the base run plus the log, loaded back with COPY, equals the live tables.

CDC_SLOT=pgexport

# The audit trail of item 2, on the tables named after the database. The audit table itself
# must be left out of `cdc init` (--exclude public.audit_changes).
cdc_install_audit() { # $1 = database, then tables
  local db=$1 table
  shift
  sql "$db" <<'SQL'
CREATE TABLE audit_changes (xid bigint NOT NULL, relation text NOT NULL, op text NOT NULL);
-- pgoutput names a transaction by its 32-bit xid.
CREATE FUNCTION audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_changes
  VALUES (pg_current_xact_id()::text::bigint % 4294967296, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
          left(TG_OP, 1));
  RETURN NULL;
END $$;
SQL
  for table in "$@"; do
    sql "$db" -c "CREATE TRIGGER audit_rows AFTER INSERT OR UPDATE OR DELETE ON $table
                    FOR EACH ROW EXECUTE FUNCTION audit_change()" \
      -c "CREATE TRIGGER audit_truncate AFTER TRUNCATE ON $table
            FOR EACH STATEMENT EXECUTE FUNCTION audit_change()"
  done
}

# The tables of the crash tests, with the shapes whose changes are hardest to capture:
# accounts holds a TOASTed value (150 md5 digests, 4800 bytes that do not compress) that most
# updates leave unchanged; orders gets inserts, updates, key updates and deletes; events has no
# key (REPLICA IDENTITY FULL), duplicate rows and a few TOASTed values of its own; scratch is
# truncated during the workload.
cdc_create_workload_tables() { # $1 = database
  sql "$1" <<'SQL'
CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL, big text);
INSERT INTO accounts
  SELECT i, 'owner ' || i, 0, (SELECT string_agg(md5(i || '-' || j), '') FROM generate_series(1, 150) j)
  FROM generate_series(1, 40) i;
CREATE SEQUENCE order_ids START 100000;
CREATE TABLE orders (id bigint PRIMARY KEY, account integer NOT NULL, status text NOT NULL,
                     amount numeric(12, 2), note text);
INSERT INTO orders
  SELECT i, 1 + i % 40, 'new', i * 1.25, CASE WHEN i % 5 = 0 THEN 'with "quotes", a comma' WHEN i % 5 = 1 THEN '' END
  FROM generate_series(1, 300) i;
CREATE TABLE events (kind text, n integer, blob text);
INSERT INTO events
  SELECT 'k' || (i % 5), i % 3,
         CASE WHEN i % 10 = 0 THEN (SELECT string_agg(md5(i || ':' || j), '') FROM generate_series(1, 150) j) END
  FROM generate_series(1, 60) i;
CREATE SEQUENCE scratch_ids START 1000;
CREATE TABLE scratch (id integer PRIMARY KEY, v text);
INSERT INTO scratch SELECT i, 'v' || i FROM generate_series(1, 50) i;
SQL
  # The test's premise: the big values live out of line, in the TOAST table.
  local table expected
  for table in accounts:40 events:6; do
    expected=${table#*:} table=${table%:*}
    [[ $(sql "$1" -c "SELECT count(DISTINCT chunk_id) FROM pg_toast.pg_toast_$(sql "$1" -c "SELECT '$table'::regclass::oid")") == "$expected" ]] ||
      fail "the big values of $table are not stored out of line; the test would not exercise unchanged TOASTed values"
  done
  cdc_install_audit "$1" accounts orders events scratch
}

# pgbench scripts of the workload; each transaction is one of them, by weight.
cdc_write_workload_scripts() { # $1 = directory
  mkdir -p "$1"
  cat >"$1/orders.sql" <<'SQL'
\set acct random(1, 40)
\set amount random(1, 10000)
BEGIN;
UPDATE accounts SET balance = balance + :amount WHERE id = :acct;
INSERT INTO orders (id, account, status, amount, note)
  VALUES (nextval('order_ids'), :acct, 'new', :amount / 100.0, 'order of ' || :acct || ', "quoted"');
UPDATE orders SET status = 'paid' WHERE id = (SELECT max(id) - 3 FROM orders);
COMMIT;
SQL
  cat >"$1/keys.sql" <<'SQL'
\set pick random(0, 49)
BEGIN;
UPDATE orders SET id = nextval('order_ids'), status = 'moved'
  WHERE id = (SELECT id FROM orders ORDER BY id OFFSET :pick LIMIT 1);
DELETE FROM orders WHERE id = (SELECT min(id) FROM orders);
COMMIT;
SQL
  cat >"$1/events.sql" <<'SQL'
\set k random(0, 4)
\set n random(0, 2)
BEGIN;
INSERT INTO events (kind, n) VALUES ('k' || :k, :n), ('k' || :k, :n);
UPDATE events SET n = n + 10 WHERE ctid = (SELECT ctid FROM events WHERE kind = 'k' || :k LIMIT 1);
DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'k' || ((:k + 1) % 5) LIMIT 1);
COMMIT;
SQL
  cat >"$1/big.sql" <<'SQL'
\set acct random(1, 40)
UPDATE accounts SET big = (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 150))
  WHERE id = :acct;
SQL
  cat >"$1/scratch.sql" <<'SQL'
BEGIN;
INSERT INTO scratch (id, v) VALUES (nextval('scratch_ids'), 'v');
UPDATE scratch SET v = v || '+' WHERE id = (SELECT max(id) - 1 FROM scratch);
COMMIT;
SQL
}

# Starts the workload on database $1 at about $2 transactions per second, two clients;
# sets WORKLOAD_PID. Deadlocks between the clients are retried by pgbench itself.
cdc_start_workload() { # $1 = database, $2 = rate
  local scripts=$WORK/workload
  cdc_write_workload_scripts "$scripts"
  pgbench -n -c 2 -j 2 -R "$2" -T 3600 --max-tries 20 \
    -f "$scripts/orders.sql@6" -f "$scripts/keys.sql@2" -f "$scripts/events.sql@2" \
    -f "$scripts/big.sql@1" -f "$scripts/scratch.sql@1" "$1" >"$WORK/workload.log" 2>&1 &
  WORKLOAD_PID=$!
}
cdc_stop_workload() {
  kill -0 "$WORKLOAD_PID" 2>/dev/null || fail "the workload ended by itself: $(tail -n 5 "$WORK/workload.log")"
  kill "$WORKLOAD_PID"
  wait "$WORKLOAD_PID" 2>/dev/null || true
  WORKLOAD_PID=
}

# Changes the test itself makes during the workload, before the run numbered $2: truncates
# (alone and of two tables at once, each followed by changes in the same transaction), and
# columns added to a keyed table and to the key-less one, then written to.
cdc_schedule_changes() { # $1 = database, $2 = run number
  case $2 in
    2) sql "$1" -c "UPDATE events SET n = n + 100 WHERE blob IS NOT NULL" ;;
    3) sql "$1" -c "BEGIN; TRUNCATE scratch; INSERT INTO scratch VALUES (1, 'after truncate'); COMMIT" ;;
    6) sql "$1" -c "ALTER TABLE orders ADD COLUMN shipped_at timestamptz" ;;
    8) sql "$1" -c "UPDATE orders SET shipped_at = '2026-12-01 10:00:00.123456+00' WHERE id % 7 = 0" ;;
    10) sql "$1" -c "ALTER TABLE events ADD COLUMN source text" \
          -c "UPDATE events SET source = 'test' WHERE ctid = (SELECT ctid FROM events LIMIT 1)" ;;
    13) sql "$1" -c "BEGIN; TRUNCATE scratch, events; INSERT INTO events (kind, n, source) VALUES ('k1', 1, 'x'), ('k1', 1, 'x'); COMMIT" ;;
    *) ;;
  esac
}

cdc_slot_released() { # $1 = database
  wait_until "$1" "the killed cdc run's WAL sender released slot $CDC_SLOT" \
    "SELECT NOT active FROM pg_replication_slots WHERE slot_name = '$CDC_SLOT'"
}

# A delay of 0 to $1 milliseconds, drawn anew each time: it picks the moment of a kill.
random_delay() { local ms=$((RANDOM % ($1 + 1))); sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"; }

# The commit log's facts, downloaded to a local directory $2 (a copy of the destination):
# loads every change file every entry lists into cdc_check.changes of database $1 and checks
# the log against itself (item 1 above); first_value is the value of the table's first column
# (the key of the handoff test's tables). Prints the number of entries.
cdc_check_log() { # $1 = database, $2 = local copy of the destination
  local db=$1 root=$2 script=$WORK/load-log.sql entry format
  local -a entries=()
  mapfile -t entries < <(find "$root/changes/_log" -name '*.json' | sort)
  (( ${#entries[@]} > 0 )) || fail "the commit log in $root is empty"
  format=$(jq -r .format "${entries[0]}")
  cat >"$script" <<'SQL'
\set ON_ERROR_STOP 1
DROP SCHEMA IF EXISTS cdc_check CASCADE;
CREATE SCHEMA cdc_check;
CREATE TABLE cdc_check.entries (sequence bigint, first_lsn pg_lsn, last_lsn pg_lsn, end_lsn pg_lsn,
  transactions bigint, changes bigint);
CREATE TABLE cdc_check.files (sequence bigint, relation text, schema_version int, key text, rows bigint);
CREATE TABLE cdc_check.changes (sequence bigint, relation text, schema_version int, key text,
  op text, commit_lsn pg_lsn, xid bigint, seq bigint, unchanged text, old_key text,
  first_value text);
CREATE TABLE cdc_check.lines (line json);
SQL
  local sequence relation version columns first key rows bytes sha path stage
  for entry in "${entries[@]}"; do
    jq -r '[.sequence, .commit_lsn.first, .commit_lsn.last, .end_lsn, .transactions, .changes] | @tsv' "$entry" |
      while IFS=$'\t' read -r sequence first last end transactions changes; do
        echo "INSERT INTO cdc_check.entries VALUES ($sequence, '$first', '$last', '$end', $transactions, $changes);"
      done >>"$script"
    [[ $(jq -r .format "$entry") == "$format" ]] || fail "$entry: format differs from the first entry's"
    while IFS=$'\t' read -r sequence relation version columns first key rows bytes sha; do
      path=$root/$key
      [[ -f $path ]] || fail "$entry lists $key, which does not exist"
      [[ $(stat -c %s "$path") == "$bytes" ]] || fail "$key: $(stat -c %s "$path") bytes, $entry says $bytes"
      [[ $(sha256sum "$path" | cut -d' ' -f1) == "$sha" ]] || fail "$key: its SHA-256 is not the one $entry lists"
      echo "INSERT INTO cdc_check.files VALUES ($sequence, '$relation', $version, '$key', $rows);" >>"$script"
      local common="$sequence, '$relation', $version, '$key'"
      if [[ $format == csv ]]; then
        stage=cdc_check.stage_$columns
        local column_list="" i
        for ((i = 1; i <= columns; i++)); do column_list+=", c$i text"; done
        cat >>"$script" <<SQL
CREATE TABLE IF NOT EXISTS $stage (_op text, _commit_lsn text, _commit_time text, _xid text,
  _seq text, _unchanged text, _old_key text$column_list);
\\copy $stage FROM PROGRAM '$(decompress_command "$key") $path' (FORMAT csv, HEADER true)
INSERT INTO cdc_check.changes SELECT $common, _op, _commit_lsn::pg_lsn, _xid::bigint, _seq::bigint,
  _unchanged, _old_key, c1 FROM $stage;
TRUNCATE $stage;
SQL
      else
        cat >>"$script" <<SQL
\\copy cdc_check.lines FROM PROGRAM '$(decompress_command "$key") $path' (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')
INSERT INTO cdc_check.changes SELECT $common, line->>'_op', (line->>'_commit_lsn')::pg_lsn,
  (line->>'_xid')::bigint, (line->>'_seq')::bigint, nullif((line->'_unchanged')::text, 'null'),
  line->>'_old_key', line->>'$first' FROM cdc_check.lines;
TRUNCATE cdc_check.lines;
SQL
      fi
    done < <(jq -r '.sequence as $s | .tables[] | (.schema + "." + .name) as $r | .schema_version as $v
                    | (.columns | length) as $c | .columns[0].name as $f
                    | .files[] | [$s, $r, $v, $c, $f, .key, .rows, .bytes, .sha256] | @tsv' "$entry")
  done
  sql "$db" -f "$script" >/dev/null || fail "the change files could not be loaded back"

  local problems
  problems=$(sql "$db" <<'SQL'
SELECT 'sequence ' || sequence || ' missing' FROM generate_series(1, (SELECT max(sequence) FROM cdc_check.entries)) sequence
  WHERE sequence NOT IN (SELECT sequence FROM cdc_check.entries)
UNION ALL
SELECT format('%s: its entry says %s rows, the file holds %s', f.key, f.rows, count(c.key))
  FROM cdc_check.files f LEFT JOIN cdc_check.changes c ON c.key = f.key
  GROUP BY f.key, f.rows HAVING count(c.key) <> f.rows
UNION ALL
SELECT format('entry %s: %s changes and %s transactions listed, its files hold %s and %s (commit LSNs %s to %s, listed %s to %s)',
              e.sequence, e.changes, e.transactions, count(c.sequence), count(DISTINCT c.commit_lsn),
              min(c.commit_lsn), max(c.commit_lsn), e.first_lsn, e.last_lsn)
  FROM cdc_check.entries e LEFT JOIN cdc_check.changes c ON c.sequence = e.sequence
  GROUP BY e.sequence, e.changes, e.transactions, e.first_lsn, e.last_lsn
  HAVING count(c.sequence) <> e.changes OR count(DISTINCT c.commit_lsn) <> e.transactions
      OR min(c.commit_lsn) <> e.first_lsn OR max(c.commit_lsn) <> e.last_lsn
UNION ALL
SELECT format('entry %s (commits %s to %s, end %s) does not follow entry %s (commits %s to %s, end %s)',
              e.sequence, e.first_lsn, e.last_lsn, e.end_lsn, p.sequence, p.first_lsn, p.last_lsn, p.end_lsn)
  FROM cdc_check.entries e JOIN cdc_check.entries p ON p.sequence = e.sequence - 1
  -- A position-only entry repeats the newest logged commit and moves only the end.
  WHERE CASE WHEN e.changes = 0 THEN e.first_lsn <> p.last_lsn OR e.last_lsn <> p.last_lsn OR e.end_lsn < p.end_lsn
             ELSE e.first_lsn <= p.last_lsn OR e.first_lsn < p.end_lsn END
UNION ALL
SELECT format('change (%s, %s) is logged %s times, in %s', commit_lsn, seq, count(*), string_agg(key, ', '))
  FROM cdc_check.changes GROUP BY commit_lsn, seq HAVING count(*) > 1
LIMIT 10
SQL
)
  [[ -z $problems ]] || fail "the commit log is not exactly once: $problems"
  echo "${#entries[@]}"
}

# Item 2: the logged changes equal the audit trail, as multisets of (xid, table, op).
cdc_check_audit() { # $1 = database
  local result missing extra
  result=$(sql "$1" -F ' ' -c "
    SELECT (SELECT count(*) FROM (SELECT xid, relation, op FROM audit_changes
                                  EXCEPT ALL SELECT xid, relation, op FROM cdc_check.changes) d),
           (SELECT count(*) FROM (SELECT xid, relation, op FROM cdc_check.changes
                                  EXCEPT ALL SELECT xid, relation, op FROM audit_changes) d)")
  read -r missing extra <<<"$result"
  [[ $missing == 0 && $extra == 0 ]] || fail "the log misses $missing of the application's changes and holds $extra it did not make: $(sql "$1" -c "
    SELECT string_agg(format('%s %s xid %s', op, relation, xid), '; ') FROM (
      (SELECT xid, relation, op FROM audit_changes EXCEPT ALL SELECT xid, relation, op FROM cdc_check.changes)
      UNION ALL
      (SELECT xid, relation, op FROM cdc_check.changes EXCEPT ALL SELECT xid, relation, op FROM audit_changes)
      LIMIT 10) d")"
}

# Fails unless the log exercised what the tests claim: unchanged TOASTed values, key updates,
# full-row updates and deletes, truncates and more than one schema version per altered table.
cdc_check_coverage() { # $1 = database
  local missing
  missing=$(sql "$1" <<'SQL'
SELECT string_agg(what, '; ') FROM (VALUES
  ('an update of accounts that left big unchanged', EXISTS (SELECT 1 FROM cdc_check.changes WHERE relation = 'public.accounts' AND op = 'U' AND unchanged IN ('{big}', '["big"]'))),
  ('an update of accounts that changed big', EXISTS (SELECT 1 FROM cdc_check.changes WHERE relation = 'public.accounts' AND op = 'U' AND unchanged IS NULL)),
  ('a key update of orders', EXISTS (SELECT 1 FROM cdc_check.changes WHERE relation = 'public.orders' AND op = 'U' AND old_key IS NOT NULL)),
  ('a delete of orders', EXISTS (SELECT 1 FROM cdc_check.changes WHERE relation = 'public.orders' AND op = 'D')),
  ('an update of events that left blob unchanged', EXISTS (SELECT 1 FROM cdc_check.changes WHERE relation = 'public.events' AND op = 'U' AND unchanged IN ('{blob}', '["blob"]'))),
  ('updates and deletes of events', (SELECT count(DISTINCT op) FROM cdc_check.changes WHERE relation = 'public.events' AND op IN ('U', 'D')) = 2),
  ('a truncate of scratch', EXISTS (SELECT 1 FROM cdc_check.changes WHERE relation = 'public.scratch' AND op = 'T')),
  ('a second schema version of orders and of events',
   (SELECT count(DISTINCT relation) FROM cdc_check.files
    WHERE schema_version > 1 AND relation IN ('public.orders', 'public.events')) = 2)
) AS c(what, seen) WHERE NOT seen
SQL
)
  [[ -z $missing ]] || fail "the workload did not produce what the test is about: $missing"
}

# Item 3: the run latest.json of $2 names, loaded back, equals the live tables. Prints the
# number of tables compared.
cdc_check_materialized() { # $1 = database, $2 = local directory of the materialized run
  local manifest format
  manifest=$2/runs/$(jq -r .run_id "$2/latest.json")/_manifest.json
  format=$(jq -r .format "$manifest")
  if [[ $format == csv ]]; then
    verify_csv_roundtrip "$1" "$2" "$manifest"
  else
    verify_jsonl_roundtrip "$1" "$2" "$manifest"
  fi
}

# True while process $1 runs (a child that has exited but is not reaped yet does not).
process_runs() { [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) =~ ^[RSD]$ ]]; }

# Runs `cdc run` again and again under the workload, --follow or --until-caught-up drawn per
# run, each killed with SIGKILL at a moment drawn per run, until $2 runs were killed; before
# each start it waits until the killed run's WAL sender has released the slot. The state
# function $3 prints "<entries> <newest end_lsn> <change files of the next sequence>" for the
# destination (called with "count", only the first needs to be right). With
# CDC_KILL_ON_ENTRIES=1 half the kills come right after one or two new entries (a random
# 0-150 ms later), the others after a random delay of 0 to CDC_KILL_MAX_MS (default 3000) ms.
# A run that fails by itself fails the test unless CDC_RUN_FAILURES_ALLOWED=1 (S3 faults).
# Tallies where the kills landed in KILLS_IN_BATCH, KILLS_BEFORE_ENTRY (after change files,
# before their entry) and KILLS_BEFORE_FLUSH (after an entry, before the slot moved); counts
# RUNS_FINISHED and RUNS_FAILED.
cdc_kill_loop() { # $1 = database, $2 = kills wanted, $3 = state function, then cdc run's arguments
  local db=$1 wanted=$2 state=$3 run=0 killed=0
  shift 3
  KILLS_IN_BATCH=0 KILLS_BEFORE_ENTRY=0 KILLS_BEFORE_FLUSH=0 RUNS_FINISHED=0 RUNS_FAILED=0
  while (( killed < wanted )); do
    run=$((run + 1))
    (( run <= 3 * wanted )) ||
      fail "only $killed of $((run - 1)) cdc runs were still running when their kill came"
    cdc_schedule_changes "$db" "$run"
    cdc_slot_released "$db"
    local mode=--follow entries end next entries_before next_before
    (( RANDOM % 2 )) && mode=--until-caught-up
    read -r entries end next < <("$state")
    entries_before=$entries next_before=$next
    "$PGEXPORT_BIN" cdc run "$@" "$mode" >"$WORK/run-$run.out" 2>"$WORK/run-$run.err" &
    local pid=$!
    if [[ ${CDC_KILL_ON_ENTRIES:-0} == 1 ]] && (( RANDOM % 2 )); then
      local want=$((entries + 1 + RANDOM % 2)) now=$entries deadline=$((SECONDS + 60))
      while process_runs "$pid" && (( now < want && SECONDS < deadline )); do
        sleep 0.02
        read -r now _ _ < <("$state" count)
      done
      random_delay 150
    else
      random_delay "${CDC_KILL_MAX_MS:-3000}"
    fi
    kill -9 "$pid" 2>/dev/null || true
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    if (( status == 137 )); then
      killed=$((killed + 1))
      cdc_slot_released "$db"
      local flushed
      read -r entries end next < <("$state")
      flushed=$(sql "$db" -c "SELECT confirmed_flush_lsn < '$end' FROM pg_replication_slots WHERE slot_name = '$CDC_SLOT'")
      # Change files of the next sequence that an earlier killed run left do not count.
      (( entries == entries_before )) || next_before=0
      if [[ $flushed == t ]]; then
        KILLS_BEFORE_FLUSH=$((KILLS_BEFORE_FLUSH + 1))
      elif (( next > next_before )); then
        KILLS_BEFORE_ENTRY=$((KILLS_BEFORE_ENTRY + 1))
      else
        KILLS_IN_BATCH=$((KILLS_IN_BATCH + 1))
      fi
    elif (( status == 0 )); then
      RUNS_FINISHED=$((RUNS_FINISHED + 1))
    elif [[ ${CDC_RUN_FAILURES_ALLOWED:-0} == 1 ]]; then
      RUNS_FAILED=$((RUNS_FAILED + 1))
    else
      fail "cdc run $run ($mode) failed by itself with exit $status: $(tail -n 3 "$WORK/run-$run.err")"
    fi
  done
  CDC_RUNS=$run
}

# The state function of cdc_kill_loop for a destination directory $CDC_DEST.
cdc_directory_state() {
  local log=$CDC_DEST/changes/_log entries=0 end=0/0 newest
  if [[ -d $log ]]; then
    newest=$(find "$log" -name '*.json' | sort | tail -n 1)
    entries=$(find "$log" -name '*.json' | wc -l)
    [[ -z $newest ]] || end=$(jq -r .end_lsn "$newest" 2>/dev/null || echo 0/0)
  fi
  local next=0
  [[ ! -d $CDC_DEST/changes ]] ||
    next=$(find "$CDC_DEST/changes" -path '*/changes/*.*/*' -name "$(printf '%020d' $((entries + 1)))-*" | wc -l)
  echo "$entries $end $next"
}
