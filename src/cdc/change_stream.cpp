#include "cdc/change_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <variant>

#include "cdc/change_format.hpp"
#include "cdc/change_projection.hpp"
#include "cdc/change_rows.hpp"
#include "cdc/delta_change_tables.hpp"
#include "cdc/layout.hpp"
#include "common/byte_sink.hpp"
#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "compress/stream_compressor.hpp"
#include "export/commit.hpp"
#include "pg/replication/pgoutput.hpp"
#include "pg/replication/replication_messages.hpp"

namespace pgexport::cdc {

namespace {

namespace repl = pg::replication;
using SteadyTime = std::chrono::steady_clock::time_point;

// The longest receive() waits: how soon a stop request or a deadline is noticed when the
// stream is quiet.
constexpr Milliseconds kPollInterval = std::chrono::seconds(1);
// The shortest interval between status updates, whatever wal_sender_timeout says: a server set
// to a few milliseconds would otherwise get an update per message.
constexpr Milliseconds kMinimumStatusInterval = std::chrono::milliseconds(100);

std::string table_key(std::string_view schema, std::string_view name) {
  return fmt::format("{}.{}", schema, name);
}

// One table at one schema version: its columns as a Relation message gave them.
struct TableVersion {
  const BaseTable* base = nullptr;
  uint64_t version = 1;
  std::vector<LoggedColumn> columns;
  pg::TableSchema schema;  // the relation's columns with their types
  std::vector<size_t> key_positions;
  std::map<std::string, std::string> missing_values;  // of columns the base run lacks
  // The relation's columns less those the base run left out, hashed ones hashed.
  std::unique_ptr<ChangeProjection> projection;
  std::unique_ptr<ChangeRowBuilder> builder;
};

// The newest logged schema of each table, read from the log backwards, only as far as needed:
// a restart must continue a table's schema_version, not start it again at 1.
class LoggedSchemas {
 public:
  LoggedSchemas(CommitLog& log, const std::optional<LogEntry>& last) : log_(log) {
    if (last) {
      absorb(*last);
      next_ = last->sequence - 1;
    }
  }

  const LoggedTable* find(const std::string& key) {
    for (;;) {
      auto found = tables_.find(key);
      if (found != tables_.end()) return &found->second;
      if (next_ == 0) return nullptr;
      absorb(log_.entry(next_--));
    }
  }

 private:
  void absorb(const LogEntry& entry) {
    std::map<std::string, LoggedTable> newest;
    for (const LoggedTable& table : entry.tables) {
      auto& slot = newest[table_key(table.schema, table.name)];
      if (table.schema_version >= slot.schema_version) slot = table;
    }
    for (auto& [key, table] : newest) tables_.try_emplace(key, std::move(table));
  }

  CommitLog& log_;
  uint64_t next_ = 0;  // the next (older) sequence to read; 0: none left
  std::map<std::string, LoggedTable> tables_;
};

// One change file being written: encoder -> compressor -> counter -> storage object.
struct OpenFile {
  std::unique_ptr<storage::ObjectWriter> object;
  std::unique_ptr<CountingSink> counter;
  std::unique_ptr<compress::StreamCompressor> compressor;
  std::unique_ptr<format::Encoder> encoder;
  std::string key;
  uint64_t rows = 0;
  uint64_t last_write = 0;  // the batch's write counter at its last row: least recent goes first
};

// One table at one schema version in a batch: one LoggedTable of the entry.
struct BatchTable {
  std::shared_ptr<TableVersion> version;
  std::vector<LoggedFile> files;  // committed
  std::unique_ptr<OpenFile> open;
  uint64_t rows = 0;
};

class Batch {
 public:
  explicit Batch(uint64_t sequence) : sequence_(sequence) {}

  uint64_t sequence() const { return sequence_; }
  bool empty() const { return changes_ == 0; }
  std::optional<SteadyTime> opened() const { return opened_; }
  uint64_t changes() const { return changes_; }
  uint64_t transactions() const { return transactions_; }

  // The bytes its files hold so far, as stored.
  uint64_t bytes() const {
    uint64_t total = committed_bytes_;
    for (const auto& table : tables_) {
      if (table->open) total += table->open->counter->count();
    }
    return total;
  }

  BatchTable& table_for(const std::shared_ptr<TableVersion>& version) {
    for (auto& table : tables_) {
      if (table->version == version) return *table;
    }
    tables_.push_back(std::make_unique<BatchTable>());
    tables_.back()->version = version;
    return *tables_.back();
  }

  void count_change(SteadyTime now) {
    if (!opened_) opened_ = now;
    ++changes_;
  }

  void add_transaction(const TransactionInfo& transaction, Lsn end_lsn) {
    const SystemMicros time = repl::to_system_time(transaction.commit_time);
    if (transactions_ == 0) {
      first_commit_lsn_ = transaction.commit_lsn;
      first_commit_time_ = time;
    }
    last_commit_lsn_ = transaction.commit_lsn;
    last_commit_time_ = time;
    end_lsn_ = end_lsn;
    ++transactions_;
  }

  size_t open_files() const {
    return static_cast<size_t>(std::count_if(
        tables_.begin(), tables_.end(), [](const auto& table) { return table->open != nullptr; }));
  }

  // Commits the least recently written open file, to make room for another.
  void commit_least_recent() {
    BatchTable* oldest = nullptr;
    for (auto& table : tables_) {
      if (table->open && (!oldest || table->open->last_write < oldest->open->last_write)) {
        oldest = table.get();
      }
    }
    if (oldest) commit_file(*oldest);
  }

  void commit_file(BatchTable& table) {
    OpenFile& file = *table.open;
    file.encoder->finish();
    file.compressor->finish();
    storage::ObjectInfo info = file.object->commit();
    committed_keys_.push_back(info.key);
    committed_bytes_ += info.size;
    table.files.push_back({info.key, file.rows, info.size, info.sha256_hex});
    table.open.reset();
  }

  // Commits every open file and describes the batch as the log entry `sequence`.
  LogEntry finish(const ChangeStreamConfig& config, const BaseRun& base) {
    for (auto& table : tables_) {
      if (table->open) commit_file(*table);
    }
    LogEntry entry;
    entry.sequence = sequence_;
    entry.slot = config.slot;
    entry.attempt = config.attempt;
    entry.first_commit_lsn = first_commit_lsn_;
    entry.last_commit_lsn = last_commit_lsn_;
    entry.end_lsn = end_lsn_;
    entry.first_commit_time = first_commit_time_;
    entry.last_commit_time = last_commit_time_;
    entry.transactions = transactions_;
    entry.changes = changes_;
    entry.format = base.format;
    entry.compression = base.compression;
    for (const auto& table : tables_) {
      const TableVersion& version = *table->version;
      LoggedTable logged;
      logged.schema = version.base->schema;
      logged.name = version.base->name;
      logged.schema_version = version.version;
      logged.key_kind = version.base->key_kind;
      if (logged.key_kind == KeyKind::full_row) {
        // Every column pgoutput sends is the key: this version's columns.
        for (const LoggedColumn& column : version.columns) {
          logged.key_columns.push_back(column.name);
        }
      } else {
        logged.key_columns = version.base->key_columns;
      }
      logged.columns = version.columns;
      logged.missing_values = version.missing_values;
      logged.rows = table->rows;
      logged.files = table->files;
      entry.tables.push_back(std::move(logged));
    }
    return entry;
  }

  // After a failure before the log entry was attempted, or when another writer's entry fenced
  // this one: the files committed early are listed by no entry, so they are removed (best effort;
  // cleanup removes what is left).
  void remove_committed(storage::Storage& storage) noexcept {
    for (const std::string& key : committed_keys_) {
      try {
        storage.remove(key);
      } catch (const std::exception& error) {
        log::warn("could not remove a change file no log entry lists",
                  {{"object", key}, {"error", error.what()}});
      }
    }
  }

  // After the log entry's creation was attempted without a known outcome: nothing is removed.
  void keep_committed() noexcept { committed_keys_.clear(); }

  uint64_t next_write() { return ++writes_; }
  int next_file_index(const std::string& table) { return next_file_[table]++; }

 private:
  uint64_t sequence_;
  std::optional<SteadyTime> opened_;  // at its first change
  std::vector<std::unique_ptr<BatchTable>> tables_;
  std::map<std::string, int> next_file_;  // per table, over its schema versions
  std::vector<std::string> committed_keys_;
  uint64_t committed_bytes_ = 0;
  uint64_t writes_ = 0;
  uint64_t changes_ = 0;
  uint64_t transactions_ = 0;
  Lsn first_commit_lsn_;
  Lsn last_commit_lsn_;
  Lsn end_lsn_;
  SystemMicros first_commit_time_{};
  SystemMicros last_commit_time_{};
};

struct OpenTransaction {
  TransactionInfo info;
  bool already_logged = false;
  uint64_t seq = 0;       // changes of the transaction so far, captured or not
  uint64_t captured = 0;  // changes written
};

class ChangeStream {
 public:
  ChangeStream(const ChangeStreamConfig& config, const BaseRun& base, storage::Storage& storage,
               ChangeSource& source, ChangeDatabase& database, Clock& clock)
      : config_(config),
        base_(base),
        storage_(storage),
        source_(source),
        database_(database),
        clock_(clock),
        log_(storage),
        format_(
            make_change_format(base, {config.compression_level, config.parquet_row_group_bytes})),
        codec_(change_stream_codec(base)),
        batch_(1) {
    if (base.delta()) delta_.emplace(storage, base);
  }

  StreamSummary run() {
    check_hash_key(base_, config_.hash_key);
    last_ = log_.last();
    if (last_ && last_->slot != config_.slot) {
      fail(ErrorKind::usage,
           "the commit log in {} holds changes of slot {}, not {}; use --slot {} or another "
           "destination",
           storage_.describe(), last_->slot, config_.slot, last_->slot);
    }
    // The log alone decides what is published: a lost slot does not keep logged changes from
    // their Delta change tables or DMS files.
    // Delta change tables: publish what an earlier run logged and did not append.
    if (delta_) delta_->catch_up(log_, last_);
    publish_logged();
    check_slot_at_start();
    flushed_ = last_ ? last_->end_lsn : base_.consistent_point;
    position_ = flushed_;
    batch_ = Batch(last_ ? last_->sequence + 1 : 1);
    summary_.start_lsn = flushed_;
    schemas_.emplace(log_, last_);
    if (config_.mode == StreamMode::until_caught_up) {
      target_ = database_.current_wal_lsn();
      summary_.target_lsn = target_;
    }
    log::info("change stream starting",
              {{"slot", config_.slot},
               {"start_lsn", flushed_.to_string()},
               {"target_lsn", config_.mode == StreamMode::until_caught_up ? target_.to_string()
                                                                          : std::string("none")},
               log::field("next_sequence", batch_.sequence())});
    status_interval_ = status_interval_for(source_.wal_sender_timeout());
    source_.start(flushed_);
    started_ = clock_.now();
    last_entry_at_ = started_;
    last_status_ = started_;
    if (config_.heartbeat) next_heartbeat_ = started_ + *config_.heartbeat;
    // --follow finishes the open batch after SIGTERM: its uploads must not be cut off by the
    // signal itself, only by the stop timeout.
    std::optional<StopGrace> grace;
    if (config_.mode == StreamMode::follow) grace.emplace(config_.stop_timeout);
    try {
      loop();
    } catch (const exporter::CommitUncertain&) {
      throw;  // the batch may be committed: its files stay
    } catch (...) {
      std::optional<CleanupWindow> window;
      if (!stop_window_) window.emplace(config_.stop_timeout);
      batch_.remove_committed(storage_);
      throw;
    }
    source_.finish();
    summary_.flushed_lsn = flushed_;
    return summary_;
  }

 private:
  void check_slot_at_start() {
    auto info = database_.slot_info();
    if (!info) {
      fail(ErrorKind::slot_lost,
           "replication slot {} does not exist, so the changes since {} are lost; run "
           "`pgexport cdc init` again for a new full export and slot",
           config_.slot, last_ ? last_->end_lsn.to_string() : base_.consistent_point.to_string());
    }
    if (info->slot_type != "logical" || info->plugin != "pgoutput") {
      fail(ErrorKind::usage,
           "replication slot {} is a {} slot{}, not a logical pgoutput slot made by `pgexport "
           "cdc init`; use --slot to name the right one",
           config_.slot, info->slot_type, info->plugin.empty() ? "" : " of " + info->plugin);
    }
    if (info->wal_status == "lost") {
      fail(ErrorKind::slot_lost,
           "replication slot {} was invalidated by the server (max_slot_wal_keep_size): the WAL "
           "it needed is gone; run `pgexport cdc init` again, and run `cdc run` more often or "
           "raise max_slot_wal_keep_size",
           config_.slot);
    }
    const Lsn confirmed = info->confirmed_flush_lsn.value_or(Lsn());
    const bool ahead =
        last_ ? check_slot_position(*last_, confirmed) == SlotPosition::slot_ahead_of_log
              : confirmed > base_.consistent_point;
    if (ahead) {
      fail(ErrorKind::slot_lost,
           "replication slot {} has confirmed changes up to {}, beyond {} ({}): the changes "
           "between were taken from the slot by something other than this destination's `cdc "
           "run` and are lost to it; run `pgexport cdc init` again (and let only one "
           "destination read the slot)",
           config_.slot, confirmed.to_string(),
           last_ ? last_->end_lsn.to_string() : base_.consistent_point.to_string(),
           last_ ? fmt::format("the end of commit log entry {}", log_entry_key(last_->sequence))
                 : fmt::format("the consistent point of base run {}", base_.run_id));
    }
    const uint64_t retained = info->retained_wal_bytes.value_or(0);
    log::info("replication slot", {{"slot", config_.slot},
                                   {"confirmed_flush_lsn", confirmed.to_string()},
                                   log::field("retained_wal_bytes", retained),
                                   {"wal_status", info->wal_status.value_or("unknown")}});
    if (config_.max_retained_wal > 0 && retained > 2 * config_.max_retained_wal) {
      fail(ErrorKind::database_error,
           "replication slot {} retains {} bytes of WAL, more than twice --max-retained-wal "
           "({} bytes), so the server's disk is at risk; nothing was read: run `cdc run` more "
           "often, or drop the slot (`pgexport cdc drop`) and re-init",
           config_.slot, retained, config_.max_retained_wal);
    }
    if (config_.max_retained_wal > 0 && retained > config_.max_retained_wal) {
      log::warn("replication slot retains more WAL than --max-retained-wal; run cdc run more often",
                {{"slot", config_.slot},
                 log::field("retained_wal_bytes", retained),
                 log::field("max_retained_wal", config_.max_retained_wal)});
    }
  }

  bool stop_wanted() const { return config_.stop_requested && config_.stop_requested(); }

  void loop() {
    for (;;) {
      const SteadyTime now = clock_.now();
      if (!stopping_) {
        if (stop_wanted()) {
          if (config_.mode == StreamMode::until_caught_up) {
            fail(ErrorKind::interrupted,
                 "stopped by a signal; the open batch was not logged and the slot was not "
                 "advanced, so the next `cdc run` ships its changes");
          }
          stopping_ = true;
          stop_deadline_ = now + config_.stop_timeout;
          // Requests may go on after the signal, until the deadline: the batch is finished.
          stop_window_.emplace(config_.stop_timeout);
          log::info("stop requested; finishing the open batch", {{"slot", config_.slot}});
        } else if (config_.max_duration && now - started_ >= *config_.max_duration) {
          stopping_ = true;
          log::info("--max-duration reached; finishing the open batch", {{"slot", config_.slot}});
        }
      }
      if (stopping_ && !transaction_) {
        close_batch();
        if (position_entry_due()) write_position_entry();
        summary_.stopped = true;
        return;
      }
      if (stopping_ && stop_deadline_ && now >= *stop_deadline_) {
        fail(ErrorKind::interrupted,
             "stopped by a signal while transaction {} was still being read; the open batch was "
             "not logged and the slot was not advanced, so the next `cdc run` ships its changes",
             transaction_->info.xid);
      }
      if (!transaction_ && batch_due(now)) close_batch();
      if (caught_up()) {
        close_batch();
        if (position_entry_due()) write_position_entry();
        return;
      }
      // --follow on a database whose captured tables are idle: at most one position-only entry
      // per batch interval, so heartbeats and other WAL do not flood the log.
      if (config_.mode == StreamMode::follow && now - last_entry_at_ >= config_.batch_interval &&
          position_entry_due()) {
        write_position_entry();
      }
      if (next_heartbeat_ && now >= *next_heartbeat_ && config_.mode == StreamMode::follow) {
        database_.emit_heartbeat();
        next_heartbeat_ = now + *config_.heartbeat;
      }
      if (now - last_status_ >= status_interval_) send_status(false);

      auto payload = source_.receive(receive_timeout(now));
      if (!payload) continue;
      auto message = repl::decode_replication_message(*payload);
      if (auto* keepalive = std::get_if<repl::PrimaryKeepalive>(&message)) {
        if (!transaction_) position_ = std::max(position_, keepalive->wal_end);
        if (keepalive->reply_requested) send_status(false);
        continue;
      }
      const auto& data = std::get<repl::XLogData>(message);
      handle(repl::decode_pgoutput(data.data));
    }
  }

  Milliseconds receive_timeout(SteadyTime now) const {
    SteadyTime wake = std::min(now + kPollInterval, last_status_ + status_interval_);
    if (batch_.opened()) wake = std::min(wake, *batch_.opened() + config_.batch_interval);
    if (next_heartbeat_ && config_.mode == StreamMode::follow)
      wake = std::min(wake, *next_heartbeat_);
    if (config_.max_duration && !stopping_) wake = std::min(wake, started_ + *config_.max_duration);
    auto timeout = std::chrono::duration_cast<Milliseconds>(wake - now);
    return std::max(timeout, Milliseconds(1));
  }

  bool batch_due(SteadyTime now) const {
    if (batch_.empty()) return false;
    return now - *batch_.opened() >= config_.batch_interval ||
           batch_.bytes() >= config_.batch_bytes;
  }

  // A third of a wal_sender_timeout shorter than three status intervals, so two updates may be
  // late or lost before the server gives up; never below kMinimumStatusInterval.
  Milliseconds status_interval_for(Milliseconds wal_sender_timeout) const {
    Milliseconds interval = config_.status_interval;
    if (wal_sender_timeout.count() > 0 && wal_sender_timeout / 3 < interval) {
      interval = std::max(wal_sender_timeout / 3, kMinimumStatusInterval);
      log::info("status updates every third of wal_sender_timeout",
                {{"slot", config_.slot},
                 log::field("wal_sender_timeout_ms", wal_sender_timeout.count()),
                 log::field("status_interval_ms", interval.count())});
    }
    return interval;
  }

  // Whether the stream has passed enough WAL beyond the log's end, with nothing to ship, that
  // the slot should be moved there (docs/cdc.md, "Position-only entries").
  bool position_entry_due() const {
    if (transaction_ || !batch_.empty() || position_ <= flushed_) return false;
    return position_.value() - flushed_.value() >= config_.position_entry_bytes;
  }

  // A log entry with no changes whose end_lsn is the stream's position; then the slot follows.
  void write_position_entry() {
    LogEntry entry;
    entry.sequence = batch_.sequence();
    entry.slot = config_.slot;
    entry.attempt = config_.attempt;
    // The newest logged commit stays what it was: the previous entry's, or the base's.
    entry.first_commit_lsn = entry.last_commit_lsn =
        last_ ? last_->last_commit_lsn : base_.consistent_point;
    entry.first_commit_time = entry.last_commit_time =
        last_ ? last_->last_commit_time : base_snapshot_time();
    entry.end_lsn = position_;
    entry.format = base_.format;
    entry.compression = base_.compression;
    const Lsn previous_end = flushed_;
    publish(entry);
    ++summary_.position_entries;
    log::info("slot advanced past WAL without captured changes (position-only log entry)",
              {{"log_entry", log_entry_key(entry.sequence)},
               {"end_lsn", entry.end_lsn.to_string()},
               log::field("skipped_wal_bytes", entry.end_lsn.value() - previous_end.value()),
               {"retained_wal_bytes", describe_retained(check_retained_wal())}});
  }

  SystemMicros base_snapshot_time() const {
    auto parsed = parse_utc_timestamp(base_.snapshot_at);
    if (!parsed) {
      fail(ErrorKind::storage_error,
           "{}: snapshot_at \"{}\" is not a UTC time like 2026-12-01T10:00:59Z; the manifest "
           "was damaged: restore it",
           base_.manifest_key, base_.snapshot_at);
    }
    return std::chrono::time_point_cast<std::chrono::microseconds>(*parsed);
  }

  bool caught_up() const {
    return config_.mode == StreamMode::until_caught_up && !transaction_ && position_ >= target_;
  }

  void send_status(bool reply_requested) {
    source_.send_status(flushed_, flushed_, reply_requested);
    last_status_ = clock_.now();
  }

  void handle(const repl::PgOutputMessage& message) {
    std::visit(
        [this](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, repl::Begin>) {
            on_begin(value);
          } else if constexpr (std::is_same_v<T, repl::Commit>) {
            on_commit(value);
          } else if constexpr (std::is_same_v<T, repl::Relation>) {
            on_relation(value);
          } else if constexpr (std::is_same_v<T, repl::Insert>) {
            on_change(value.relation_oid, insert_change(value, next_seq()));
          } else if constexpr (std::is_same_v<T, repl::Update>) {
            on_change(value.relation_oid, update_change(value, next_seq()));
          } else if constexpr (std::is_same_v<T, repl::Delete>) {
            on_change(value.relation_oid, delete_change(value, next_seq()));
          } else if constexpr (std::is_same_v<T, repl::Truncate>) {
            for (pg::Oid oid : value.relation_oids) on_change(oid, truncate_change(next_seq()));
          } else if constexpr (std::is_same_v<T, repl::LogicalMessage>) {
            // Heartbeats: outside a transaction, every commit before the message was sent.
            if (!value.transactional && !transaction_) position_ = std::max(position_, value.lsn);
          }
          // Origin and Type need nothing: types are described from the catalog.
        },
        message);
  }

  OpenTransaction& open_transaction(std::string_view what) {
    if (!transaction_) {
      fail(ErrorKind::database_error,
           "the stream of slot {} sent {} outside a transaction; the slot's stream is not "
           "pgoutput's",
           config_.slot, what);
    }
    return *transaction_;
  }

  uint64_t next_seq() { return ++open_transaction("a change").seq; }

  void on_begin(const repl::Begin& begin) {
    if (transaction_) {
      fail(ErrorKind::database_error,
           "the stream of slot {} began transaction {} before transaction {} ended", config_.slot,
           begin.xid, transaction_->info.xid);
    }
    transaction_ = OpenTransaction{};
    transaction_->info = TransactionInfo{begin.final_lsn, begin.commit_time, begin.xid};
    transaction_->already_logged = is_already_logged(last_, begin.final_lsn);
    if (transaction_->already_logged) {
      log::debug("skipping a transaction the commit log holds already",
                 {{"commit_lsn", begin.final_lsn.to_string()}, log::field("xid", begin.xid)});
    }
  }

  void on_commit(const repl::Commit& commit) {
    OpenTransaction& transaction = open_transaction("a Commit");
    if (commit.commit_lsn != transaction.info.commit_lsn) {
      fail(ErrorKind::database_error,
           "the stream of slot {} committed at {} a transaction that began with commit LSN {}",
           config_.slot, commit.commit_lsn.to_string(), transaction.info.commit_lsn.to_string());
    }
    if (transaction.captured > 0) batch_.add_transaction(transaction.info, commit.end_lsn);
    transaction_.reset();
    position_ = std::max(position_, commit.end_lsn);
    if (batch_due(clock_.now())) close_batch();
  }

  void on_relation(const repl::Relation& relation) {
    const BaseTable* base = base_.find(relation.schema, relation.name);
    const std::string key = table_key(relation.schema, relation.name);
    if (!base) {
      relations_[relation.relation_oid] = nullptr;
      if (warned_.insert(key).second) {
        log::warn(
            "the publication streams a table the base run does not hold; its changes are "
            "skipped (run `pgexport cdc init` again to capture it)",
            {{"table", key}, {"base_run", base_.run_id}});
      }
      return;
    }
    auto version = std::make_shared<TableVersion>();
    version->base = base;
    pg::TableSchema relation_schema;
    relation_schema.schema = relation.schema;
    relation_schema.name = relation.name;
    for (size_t i = 0; i < relation.columns.size(); ++i) {
      const repl::RelationColumn& column = relation.columns[i];
      pg::Column described;
      described.name = column.name;
      described.attnum = static_cast<int>(i + 1);
      described.type = database_.describe_type(column.type_oid, column.type_modifier);
      relation_schema.columns.push_back(std::move(described));
    }
    version->projection = std::make_unique<ChangeProjection>(
        base_.personal_data.rules, std::move(relation_schema), config_.hash_key);
    version->schema = version->projection->schema();
    for (const pg::Column& column : version->schema.columns) {
      version->columns.push_back({column.name, column.type.name});
    }
    version->key_positions = version->projection->project_positions(key_column_positions(relation));

    std::shared_ptr<TableVersion>& current = current_[key];
    if (current && current->columns == version->columns &&
        current->key_positions == version->key_positions) {
      relations_[relation.relation_oid] = current;  // sent again, same shape
      return;
    }
    if (current && current->columns == version->columns) {
      version->version = current->version;  // only the replica identity changed
    } else if (current) {
      version->version = current->version + 1;
    } else if (const LoggedTable* logged = schemas_->find(key)) {
      version->version =
          logged->columns == version->columns ? logged->schema_version : logged->schema_version + 1;
    } else {
      version->version = version->columns == base->columns ? 1 : 2;
    }
    look_up_missing_values(*version);
    apply_base_fallbacks(*base, version->schema);
    check_change_columns(base_, *base, version->schema, *format_);
    version->builder =
        std::make_unique<ChangeRowBuilder>(version->schema, version->key_positions, *format_);
    if (current && current->columns != version->columns) {
      log::info("table schema changed", {{"table", key},
                                         log::field("schema_version", version->version),
                                         log::field("columns", version->columns.size())});
    }
    current = version;
    relations_[relation.relation_oid] = version;
  }

  // A column added since the initial export with a constant default: the base run's rows hold
  // that default, which the WAL never carries, so the log records it for materialize. The
  // catalog is read now, not as of the stream's position; a column dropped since has none.
  void look_up_missing_values(TableVersion& version) {
    std::vector<const LoggedColumn*> added;
    for (const LoggedColumn& column : version.columns) {
      if (std::find(version.base->columns.begin(), version.base->columns.end(), column) ==
          version.base->columns.end()) {
        added.push_back(&column);
      }
    }
    if (added.empty()) return;
    const std::map<std::string, std::string> values =
        database_.missing_values(version.schema.schema, version.schema.name);
    for (const LoggedColumn* column : added) {
      if (auto found = values.find(column->name); found != values.end()) {
        const size_t position = static_cast<size_t>(column - version.columns.data());
        version.missing_values.emplace(found->first,
                                       version.projection->stored_text(position, found->second));
      }
    }
  }

  void on_change(pg::Oid relation_oid, const Change& change) {
    OpenTransaction& transaction = open_transaction("a change");
    auto found = relations_.find(relation_oid);
    if (found == relations_.end()) {
      fail(ErrorKind::database_error,
           "the stream of slot {} sent a change of relation {} before describing it", config_.slot,
           relation_oid);
    }
    if (!found->second || transaction.already_logged) return;
    write_row(found->second, transaction.info, change);
    ++transaction.captured;
  }

  void write_row(const std::shared_ptr<TableVersion>& version, const TransactionInfo& transaction,
                 const Change& change) {
    BatchTable& table = batch_.table_for(version);
    if (!table.open) {
      if (batch_.open_files() >= std::max<size_t>(config_.max_open_files, 1)) {
        batch_.commit_least_recent();
      }
      table.open = open_file(*version);
    }
    std::string_view row =
        version->builder->build(transaction, version->projection->project(change));
    try {
      table.open->encoder->write_row(row);
    } catch (const format::UnrepresentableValue& error) {
      // The base run's files fix the column's type; a change file cannot write it otherwise.
      fail(ErrorKind::data_error,
           "{}. Change files keep the column types of base run {}, which cannot hold this "
           "changed value; nothing of this batch is logged and the slot stays where it is. Run "
           "`pgexport cdc init` again: its export writes a column that holds such a value as "
           "PostgreSQL text (or give it the switch named above, which makes every such column "
           "text)",
           error.what(), base_.run_id);
    }
    table.open->last_write = batch_.next_write();
    ++table.open->rows;
    ++table.rows;
    batch_.count_change(clock_.now());
  }

  std::unique_ptr<OpenFile> open_file(const TableVersion& version) {
    const std::string extension =
        format_->extension() + std::string(compress::stream_codec_suffix(codec_));
    auto file = std::make_unique<OpenFile>();
    const int index = batch_.next_file_index(table_key(version.base->schema, version.base->name));
    // A Delta base's change files go straight into the table's Delta change table.
    file->key = delta_ ? delta_change_file_key(version.base->schema, version.base->name,
                                               batch_.sequence(), config_.attempt, index, extension)
                       : change_file_key(version.base->schema, version.base->name,
                                         batch_.sequence(), config_.attempt, index, extension);
    file->object = storage_.create(file->key);
    file->counter = std::make_unique<CountingSink>(*file->object);
    file->compressor =
        compress::make_stream_compressor(codec_, config_.compression_level, *file->counter);
    file->encoder = format_->make_encoder(change_table_schema(version.schema));
    file->encoder->start(*file->compressor);
    return file;
  }

  // Files first, then the log entry, then the slot: the slot moves only past logged changes.
  void close_batch() {
    if (batch_.empty()) return;
    LogEntry entry = batch_.finish(config_, base_);
    publish(entry);
    ++summary_.batches;
    summary_.transactions += entry.transactions;
    summary_.changes += entry.changes;
    const std::optional<uint64_t> retained = check_retained_wal();
    uint64_t files = 0;
    for (const LoggedTable& table : entry.tables) files += table.files.size();
    log::info("batch committed", {{"log_entry", log_entry_key(entry.sequence)},
                                  {"first_commit_lsn", entry.first_commit_lsn.to_string()},
                                  {"end_lsn", entry.end_lsn.to_string()},
                                  log::field("transactions", entry.transactions),
                                  log::field("changes", entry.changes),
                                  log::field("tables", entry.tables.size()),
                                  log::field("files", files),
                                  {"retained_wal_bytes", describe_retained(retained)}});
  }

  // Creates the entry (fenced: slot_busy), then moves the slot to its end_lsn.
  void publish(const LogEntry& entry) {
    AppendOutcome outcome;
    try {
      outcome = log_.append(entry);
    } catch (...) {
      // The entry may still land (a request the client gave up on can reach the store later),
      // and an entry listing removed files would lose its changes: they stay, and cleanup
      // removes them once no entry lists them.
      batch_.keep_committed();
      throw;
    }
    if (outcome == AppendOutcome::fenced) {
      fail(ErrorKind::slot_busy,
           "another cdc run writes this log: {} was created by another writer first, so this "
           "run stops without advancing the slot (its change files are orphans that cleanup "
           "removes)",
           log_entry_key(entry.sequence));
    }
    // Committed: from here on the batch's files belong to the log, never to a failure's
    // removal.
    batch_ = Batch(entry.sequence + 1);
    last_ = entry;
    flushed_ = entry.end_lsn;
    last_entry_at_ = clock_.now();
    send_status(false);
    // Delta change tables: the entry is durable, so each of its tables gets its append now.
    if (delta_) delta_->publish(entry);
    publish_logged();
  }

  // The log's other forms follow the durable entries (never the open batch); what a failure
  // here leaves undone, the next run's start publishes.
  void publish_logged() {
    for (LogPublisher* publisher : config_.publishers) publisher->catch_up(log_, last_);
  }

  // The WAL the slot retains now, with a warning past --max-retained-wal; nullopt: unknown.
  std::optional<uint64_t> check_retained_wal() {
    std::optional<uint64_t> retained;
    if (auto info = database_.slot_info()) retained = info->retained_wal_bytes;
    if (retained && config_.max_retained_wal > 0 && *retained > config_.max_retained_wal) {
      log::warn("replication slot retains more WAL than --max-retained-wal",
                {{"slot", config_.slot},
                 log::field("retained_wal_bytes", *retained),
                 log::field("max_retained_wal", config_.max_retained_wal)});
    }
    return retained;
  }

  static std::string describe_retained(const std::optional<uint64_t>& retained) {
    return retained ? std::to_string(*retained) : std::string("unknown");
  }

  const ChangeStreamConfig& config_;
  const BaseRun& base_;
  storage::Storage& storage_;
  ChangeSource& source_;
  ChangeDatabase& database_;
  Clock& clock_;
  CommitLog log_;
  std::unique_ptr<format::Format> format_;
  compress::StreamCodec codec_;
  std::optional<DeltaChangeTables> delta_;  // with a Delta base run only

  std::optional<LogEntry> last_;
  std::optional<LoggedSchemas> schemas_;
  Lsn flushed_;   // the slot's flush position as last sent: the newest entry's end_lsn
  Lsn position_;  // every commit below this has been received
  Lsn target_;
  Batch batch_;
  std::optional<OpenTransaction> transaction_;
  // Per relation oid: its current version, or nullptr for a table the base run does not hold.
  std::map<pg::Oid, std::shared_ptr<TableVersion>> relations_;
  std::map<std::string, std::shared_ptr<TableVersion>> current_;  // per table
  std::set<std::string> warned_;

  SteadyTime started_{};
  SteadyTime last_status_{};
  SteadyTime last_entry_at_{};  // when the newest entry was written (or the stream started)
  Milliseconds status_interval_{};
  std::optional<SteadyTime> next_heartbeat_;
  bool stopping_ = false;
  std::optional<SteadyTime> stop_deadline_;
  std::optional<CleanupWindow> stop_window_;
  StreamSummary summary_;
};

}  // namespace

StreamSummary run_change_stream(const ChangeStreamConfig& config, const BaseRun& base,
                                storage::Storage& storage, ChangeSource& source,
                                ChangeDatabase& database, Clock& clock) {
  ChangeStream stream(config, base, storage, source, database, clock);
  return stream.run();
}

}  // namespace pgexport::cdc
