// The streaming loop of `pgexport cdc run` (docs/cdc.md, "Batches"): pgoutput messages from the
// slot become change rows written at once into one change file per table per batch; a batch
// closes at a transaction boundary, its files are committed, then its commit log entry is
// created, and only then is the slot's flush position advanced to the entry's end_lsn.
//
// The database and the clock sit behind the small interfaces below, so the batching rules are
// tested with a scripted message source; ReplicationConnection, pg::Connection and the steady
// clock satisfy them through thin adapters (cli/commands/cdc_run_command.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cdc/base_run.hpp"
#include "cdc/commit_log.hpp"
#include "cdc/log_publisher.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/types.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

using Milliseconds = std::chrono::milliseconds;

// The replication stream of the slot.
class ChangeSource {
 public:
  virtual ~ChangeSource() = default;
  // START_REPLICATION from `start` (pgoutput with the base run's publication).
  virtual void start(Lsn start) = 0;
  // The next CopyData payload, or nullopt when none arrived within `timeout`.
  virtual std::optional<std::string> receive(Milliseconds timeout) = 0;
  // A standby status update: the slot may forget WAL before `flush`.
  virtual void send_status(Lsn write, Lsn flush, bool reply_requested) = 0;
  // Ends the stream cleanly (CopyDone), so the last status update is read by the server.
  virtual void finish() = 0;
  // The server's wal_sender_timeout for this stream, asked before start(): the server ends a
  // stream that sends no status for that long. 0: the server never does.
  virtual Milliseconds wal_sender_timeout() = 0;
};

// What the loop asks the database on an ordinary connection.
class ChangeDatabase {
 public:
  virtual ~ChangeDatabase() = default;
  // The slot's row of pg_replication_slots, or nullopt when it does not exist.
  virtual std::optional<pg::replication::SlotInfo> slot_info() = 0;
  // The end of the WAL written so far (every commit visible now lies below it): where
  // --until-caught-up stops.
  virtual Lsn current_wal_lsn() = 0;
  // pg_logical_emit_message() with pgexport's heartbeat prefix.
  virtual void emit_heartbeat() = 0;
  // A column type of a Relation message, as the catalog describes it.
  virtual pg::TypeDesc describe_type(pg::Oid type_oid, int32_t typmod) = 0;
  // Per column of the table that has one, the value rows written before the column was added
  // hold (pg_attribute.attmissingval, as PostgreSQL's text): name -> text.
  virtual std::map<std::string, std::string> missing_values(const std::string& schema,
                                                            const std::string& table) = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
};

enum class StreamMode {
  until_caught_up,  // up to the server's WAL position at start, then exit
  follow,           // until SIGTERM or --max-duration
};

struct ChangeStreamConfig {
  std::string slot;
  std::string attempt;  // this process's token in change file keys
  StreamMode mode = StreamMode::until_caught_up;
  // A batch closes at the first transaction boundary after it has been open this long...
  Milliseconds batch_interval = std::chrono::seconds(60);
  // ...or once its files hold this many bytes (as stored, after compression).
  uint64_t batch_bytes = 64ull << 20;
  // Stop cleanly at the first transaction boundary after this long; nullopt: no limit.
  std::optional<Milliseconds> max_duration;
  // Warn when the slot retains more WAL than this, fail at start past twice it; 0: no limit.
  uint64_t max_retained_wal = 0;
  // --follow: emit a heartbeat this often; nullopt: never.
  std::optional<Milliseconds> heartbeat;
  // Some status must reach the server within wal_sender_timeout (60 s by default); every 10 s
  // leaves room for a slow network and a busy server. A server whose wal_sender_timeout is
  // shorter than three times this gets a status every third of it.
  Milliseconds status_interval = std::chrono::seconds(10);
  // With no batch open, once the stream has passed this much WAL beyond the log's end (WAL in
  // which no captured table changed), a position-only log entry records the new end and the
  // slot advances to it, so the server can free that WAL. --follow writes at most one such
  // entry per batch_interval; --until-caught-up and a clean stop write one at the end.
  uint64_t position_entry_bytes = 64ull << 20;
  // After SIGTERM in --follow, how long the open transaction may take to end and its batch to
  // be committed before it is given up (--cleanup-timeout); also how long removing a failed
  // batch's files may take. 25 s: ECS's default stopTimeout is 30 s between SIGTERM and
  // SIGKILL.
  Milliseconds stop_timeout = std::chrono::seconds(25);
  // Change files open at once in a batch. Each S3 upload leases a part buffer from the memory
  // budget, so the caller derives this from --memory-limit; when a batch touches more tables,
  // the least recently written file is committed early and the table gets a new file later.
  size_t max_open_files = 64;
  std::optional<int> compression_level;
  // Parquet change files write a row group once it holds this many bytes (cdc/change_format.hpp).
  uint64_t parquet_row_group_bytes = 8ull << 20;
  // The key of the base run's hashed columns (its manifest's personal_data); checked against
  // the manifest's key check before anything is read.
  std::string hash_key;
  // Polled between messages: SIGTERM/SIGINT (pgexport::stop_requested).
  std::function<bool()> stop_requested;
  // Other forms of the log to keep up with it (cdc/log_publisher.hpp): each catches up at
  // start, before the stream starts, and after every entry this run appends.
  std::vector<LogPublisher*> publishers;
};

struct StreamSummary {
  uint64_t batches = 0;           // log entries with changes written
  uint64_t position_entries = 0;  // position-only log entries written
  uint64_t transactions = 0;      // transactions with captured changes, in those entries
  uint64_t changes = 0;
  Lsn start_lsn;         // where the stream started
  Lsn flushed_lsn;       // the slot's flush position at the end (the newest entry's end_lsn)
  Lsn target_lsn;        // --until-caught-up: the WAL position it caught up to
  bool stopped = false;  // --follow ended by SIGTERM or --max-duration, cleanly
};

// Runs the loop until it is done (--until-caught-up: the target reached; --follow: a stop
// request or --max-duration, after closing the open batch) and returns what it shipped.
//
// At start: the newest log entry is the restart position; a missing slot, or a slot whose
// confirmed_flush_lsn is beyond the log's end (before the first entry: beyond the base's
// consistent point), is slot_lost; retained WAL past twice max_retained_wal is
// database_error, before anything is read. Errors end the run with nothing logged for the
// open batch and the slot not advanced: uncommitted change files are aborted; a fenced log
// append is slot_busy.
StreamSummary run_change_stream(const ChangeStreamConfig& config, const BaseRun& base,
                                storage::Storage& storage, ChangeSource& source,
                                ChangeDatabase& database, Clock& clock);

// The prefix of pgexport's heartbeat messages: consumers of other slots filter by it.
inline constexpr std::string_view kHeartbeatPrefix = "pgexport.heartbeat";

}  // namespace pgexport::cdc
