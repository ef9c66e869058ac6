// The seams of the change stream, scripted for tests: a message source that plays hand-built
// pgoutput bytes (and records every status update with what the log held at that moment), a
// database with a fixed slot and target, and a clock that moves only when the script says.
// Shared by the unit tests and the test against PostgreSQL (which uses only the helpers that
// read a destination back).
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../pg/wire_builder.hpp"
#include "cdc/change_stream.hpp"
#include "cdc/commit_log.hpp"
#include "common/error.hpp"
#include "compress/stream_decompressor.hpp"
#include "pg/replication/replication_messages.hpp"

namespace pgexport::cdc::testing {

using pg::replication::Lsn;
using pg::replication::WireBuilder;
using namespace std::chrono_literals;

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return now_; }
  void advance(std::chrono::steady_clock::duration by) { now_ += by; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
};

// One status update as the stream sent it, with the log's newest entry at that moment.
struct SentStatus {
  Lsn flush;
  bool reply_requested = false;
  std::optional<uint64_t> logged_sequence;  // the newest entry when the status was sent
  std::optional<Lsn> logged_end;            // its end_lsn
  size_t after_payloads = 0;                // payloads delivered before it
};

// Plays a script. Each step either delivers one CopyData payload, or lets the receive time
// out (the clock moves by the timeout asked for), or runs an action (then receives the next
// step). An exhausted script is a stream the server ended: database_error.
class ScriptedSource final : public ChangeSource {
 public:
  using Action = std::function<void()>;
  ScriptedSource(FakeClock& clock, storage::Storage& storage) : clock_(clock), storage_(storage) {}

  ScriptedSource& payload(std::string bytes) {
    steps_.push_back({Step::Kind::payload, std::move(bytes), {}});
    return *this;
  }
  ScriptedSource& timeout() {
    steps_.push_back({Step::Kind::timeout, {}, {}});
    return *this;
  }
  ScriptedSource& action(Action action) {
    steps_.push_back({Step::Kind::action, {}, std::move(action)});
    return *this;
  }

  void start(Lsn start) override { starts.push_back(start); }

  std::optional<std::string> receive(Milliseconds timeout) override {
    for (;;) {
      if (steps_.empty()) fail(ErrorKind::database_error, "the script ended");
      Step step = std::move(steps_.front());
      steps_.pop_front();
      switch (step.kind) {
        case Step::Kind::payload:
          ++delivered;
          return step.bytes;
        case Step::Kind::timeout:
          clock_.advance(timeout);
          return std::nullopt;
        case Step::Kind::action:
          step.action();
          break;
      }
    }
  }

  void send_status(Lsn write, Lsn flush, bool reply_requested) override {
    EXPECT_EQ(write, flush);
    SentStatus status{flush, reply_requested, std::nullopt, std::nullopt, delivered};
    if (auto last = CommitLog(storage_).last()) {
      status.logged_sequence = last->sequence;
      status.logged_end = last->end_lsn;
    }
    statuses.push_back(status);
  }

  void finish() override { ++finished; }
  Milliseconds wal_sender_timeout() override { return sender_timeout; }

  size_t steps_left() const { return steps_.size(); }

  Milliseconds sender_timeout = std::chrono::seconds(60);  // the server's default
  std::vector<Lsn> starts;
  std::vector<SentStatus> statuses;
  size_t delivered = 0;
  int finished = 0;

 private:
  struct Step {
    enum class Kind { payload, timeout, action } kind;
    std::string bytes;
    Action action;
  };
  FakeClock& clock_;
  storage::Storage& storage_;
  std::deque<Step> steps_;
};

class FakeDatabase final : public ChangeDatabase {
 public:
  FakeDatabase() {
    slot.slot_type = "logical";
    slot.plugin = "pgoutput";
    slot.database = "app";
    slot.retained_wal_bytes = 4096;
  }
  std::optional<pg::replication::SlotInfo> slot_info() override {
    ++slot_reads;
    if (!slot_exists) return std::nullopt;
    return slot;
  }
  Lsn current_wal_lsn() override { return target; }
  void emit_heartbeat() override { ++heartbeats; }
  pg::TypeDesc describe_type(pg::Oid type_oid, int32_t typmod) override {
    static const std::map<pg::Oid, std::string> names = {
        {pg::oid::kInt8, "bigint"}, {pg::oid::kInt4, "integer"}, {pg::oid::kText, "text"}};
    pg::TypeDesc type;
    type.oid = type.declared_oid = type_oid;
    type.name = type.base_name = names.at(type_oid);
    type.typmod = typmod;
    return type;
  }

  std::map<std::string, std::string> missing_values(const std::string& schema,
                                                    const std::string& table) override {
    ++missing_value_reads;
    auto found = missing.find(schema + "." + table);
    return found == missing.end() ? std::map<std::string, std::string>{} : found->second;
  }

  pg::replication::SlotInfo slot;
  bool slot_exists = true;
  // Per "schema.table": what missing_values() returns.
  std::map<std::string, std::map<std::string, std::string>> missing;
  int missing_value_reads = 0;
  Lsn target{0xFFFF0000};
  int heartbeats = 0;
  int slot_reads = 0;
};

// pgoutput messages, as the server sends them, each wrapped in XLogData.
inline std::string xlog(const std::string& pgoutput, Lsn at = Lsn(0x100)) {
  return WireBuilder().tag('w').u64(at.value()).u64(at.value()).i64(0).raw(pgoutput).bytes();
}
inline std::string keepalive(Lsn wal_end, bool reply_requested = false) {
  return WireBuilder().tag('k').u64(wal_end.value()).i64(0).u8(reply_requested ? 1 : 0).bytes();
}
// 2026-12-01 10:00:00 UTC plus `seconds`, as a PostgreSQL timestamp.
inline int64_t commit_time(int seconds) {
  using namespace std::chrono;
  return pg::replication::to_pg_timestamp(sys_days(2026y / 12 / 1) + 10h + seconds * 1s);
}
inline std::string begin(Lsn final_lsn, uint32_t xid, int seconds = 0) {
  return xlog(
      WireBuilder().tag('B').u64(final_lsn.value()).i64(commit_time(seconds)).u32(xid).bytes());
}
inline std::string commit(Lsn commit_lsn, Lsn end_lsn, int seconds = 0) {
  return xlog(WireBuilder()
                  .tag('C')
                  .u8(0)
                  .u64(commit_lsn.value())
                  .u64(end_lsn.value())
                  .i64(commit_time(seconds))
                  .bytes());
}
struct RelationColumnSpec {
  std::string name;
  pg::Oid type;
  bool key = false;
};
inline std::string relation(pg::Oid oid, const std::string& schema, const std::string& name,
                            const std::vector<RelationColumnSpec>& columns) {
  WireBuilder builder;
  builder.tag('R').u32(oid).cstring(schema).cstring(name).u8('d').i16(
      static_cast<int16_t>(columns.size()));
  for (const auto& column : columns) {
    builder.u8(column.key ? 1 : 0).cstring(column.name).u32(column.type).i32(-1);
  }
  return xlog(builder.bytes());
}
// A TupleData: "n" for NULL, "\x01u" for unchanged, anything else a text value.
inline const std::string kNull = "\x01n";
inline const std::string kUnchanged = "\x01u";
inline void tuple(WireBuilder& builder, const std::vector<std::string>& values) {
  builder.i16(static_cast<int16_t>(values.size()));
  for (const auto& value : values) {
    if (value == kNull) {
      builder.tag('n');
    } else if (value == kUnchanged) {
      builder.tag('u');
    } else {
      builder.value('t', value);
    }
  }
}
inline std::string insert(pg::Oid oid, const std::vector<std::string>& values) {
  WireBuilder builder;
  builder.tag('I').u32(oid).tag('N');
  tuple(builder, values);
  return xlog(builder.bytes());
}
inline std::string update(pg::Oid oid, const std::vector<std::string>& values) {
  WireBuilder builder;
  builder.tag('U').u32(oid).tag('N');
  tuple(builder, values);
  return xlog(builder.bytes());
}
inline std::string remove(pg::Oid oid, const std::vector<std::string>& key) {
  WireBuilder builder;
  builder.tag('D').u32(oid).tag('K');
  tuple(builder, key);
  return xlog(builder.bytes());
}
inline std::string truncate(const std::vector<pg::Oid>& oids) {
  WireBuilder builder;
  builder.tag('T').u32(static_cast<uint32_t>(oids.size())).u8(0);
  for (pg::Oid oid : oids) builder.u32(oid);
  return xlog(builder.bytes());
}
inline std::string heartbeat_message(Lsn at) {
  return xlog(
      WireBuilder().tag('M').u8(0).u64(at.value()).cstring(kHeartbeatPrefix).i32(0).bytes());
}

// A CSV file of PostgreSQL's COPY CSV form parsed back: one vector per record, nullopt for an
// unquoted empty field (NULL).
using CsvRecord = std::vector<std::optional<std::string>>;
inline std::vector<CsvRecord> parse_csv(const std::string& text) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  bool quoted = false, in_quotes = false, any = false;
  auto end_field = [&] {
    record.push_back(quoted || !field.empty() ? std::optional(field) : std::nullopt);
    field.clear();
    quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    any = true;
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_field();
      records.push_back(std::move(record));
      record.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (any) {
    end_field();
    records.push_back(std::move(record));
  }
  return records;
}

// A whole zstd file, decompressed.
inline std::string decompress_zstd(const std::string& compressed) {
  StringSink plain;
  auto decompressor = compress::make_stream_decompressor(compress::StreamCodec::zstd, plain);
  decompressor->write(compressed);
  decompressor->finish();
  return plain.data;
}

// Every change row of a log entry's table, header first, read back from the destination.
inline std::vector<CsvRecord> rows_of(storage::Storage& storage, const LoggedTable& table) {
  std::vector<CsvRecord> rows;
  for (const LoggedFile& file : table.files) {
    auto text = storage.read(file.key);
    EXPECT_TRUE(text.has_value()) << file.key;
    if (!text) continue;
    EXPECT_EQ(text->size(), file.bytes) << file.key;
    auto records = parse_csv(*text);
    EXPECT_EQ(records.size(), file.rows + 1) << file.key;  // the header, then the rows
    if (rows.empty() && !records.empty()) rows.push_back(records.front());
    rows.insert(rows.end(), records.begin() + (records.empty() ? 0 : 1), records.end());
  }
  return rows;
}

// A storage whose conditional creates fail as a lost request does: the object lands first
// and then the request fails, it never lands, or it fails and reads fail too.
class FailingCreateStorage final : public storage::Storage {
 public:
  enum class Mode { lands_then_fails, fails_before_landing, fails_and_reads_fail };
  FailingCreateStorage(storage::Storage& inner, Mode mode) : inner_(inner), mode_(mode) {}

  std::string describe() const override { return inner_.describe(); }
  void check_writable() override { inner_.check_writable(); }
  bool supports_conditional_writes() const override { return true; }
  std::unique_ptr<storage::ObjectWriter> create(const std::string& key) override {
    return inner_.create(key);
  }
  storage::ConditionalWrite create_if_absent(const std::string& key,
                                             std::string_view bytes) override {
    if (mode_ == Mode::lands_then_fails) inner_.create_if_absent(key, bytes);
    fail(ErrorKind::storage_transient, "timed out creating {}", key);
  }
  storage::ConditionalWrite replace_if_unchanged(const std::string& key, std::string_view bytes,
                                                 const std::string& version) override {
    return inner_.replace_if_unchanged(key, bytes, version);
  }
  std::optional<std::string> read(const std::string& key) override {
    if (mode_ == Mode::fails_and_reads_fail) fail(ErrorKind::storage_transient, "read failed");
    return inner_.read(key);
  }
  std::optional<storage::VersionedObject> read_versioned(const std::string& key) override {
    return inner_.read_versioned(key);
  }
  bool read_into(const std::string& key, ByteSink& sink) override {
    return inner_.read_into(key, sink);
  }
  std::optional<storage::ObjectStat> stat(const std::string& key) override {
    return inner_.stat(key);
  }
  std::vector<std::string> list(const std::string& prefix) override { return inner_.list(prefix); }
  std::vector<storage::ObjectStat> list_detailed(const std::string& prefix) override {
    return inner_.list_detailed(prefix);
  }
  std::vector<storage::PendingUpload> list_pending_uploads(const std::string& prefix) override {
    return inner_.list_pending_uploads(prefix);
  }
  void abort_pending_upload(const storage::PendingUpload& upload) override {
    inner_.abort_pending_upload(upload);
  }
  void remove(const std::string& key) override { inner_.remove(key); }
  void remove_prefix(const std::string& prefix) override { inner_.remove_prefix(prefix); }

 private:
  storage::Storage& inner_;
  Mode mode_;
};

}  // namespace pgexport::cdc::testing
