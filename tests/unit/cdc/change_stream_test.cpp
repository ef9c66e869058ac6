// The change stream's batching rules, with a scripted pgoutput stream, a fake database and
// clock, and a real directory destination holding a hand-written base run.
#include "cdc/change_stream.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "cdc/layout.hpp"
#include "change_stream_fakes.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cdc {
namespace {

namespace fs = std::filesystem;
using namespace testing;

constexpr pg::Oid kOrders = 16400;
constexpr pg::Oid kOther = 16500;
const Lsn kConsistentPoint(0x1000);

// public.orders (id bigint primary key, note text) as the base run of slot "pgexport".
constexpr std::string_view kBaseManifest = R"({
  "manifest_version": 2,
  "run_id": "base",
  "attempt": "0a0b0c0d0e0f",
  "snapshot_at": "2026-12-01T09:00:00Z",
  "format": "csv",
  "compression": "none",
  "cdc": {"slot": "pgexport", "publication": "pgexport", "consistent_point": "0/1000"},
  "tables": [
    {"schema": "public", "name": "orders", "kind": "table",
     "columns": [{"name": "id", "pg_type": "bigint", "nullable": false},
                 {"name": "note", "pg_type": "text", "nullable": true}],
     "key": {"kind": "primary key", "columns": ["id"]},
     "rows": 0, "files": []}
  ]
})";

const std::vector<RelationColumnSpec> kOrdersColumns = {{"id", pg::oid::kInt8, true},
                                                        {"note", pg::oid::kText}};

class ChangeStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    root_ = fs::temp_directory_path() /
            fmt::format("pgexport_change_stream_{}_{:08x}", getpid(), random());
    fs::create_directories(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_.string());
    storage::put_object(*storage_, "runs/base/_manifest.json", kBaseManifest);
    base_ = find_base_run(*storage_, "pgexport");
    config_.slot = "pgexport";
    config_.attempt = "a1a1a1a1a1a1";
    config_.batch_bytes = 1ull << 30;
    config_.batch_interval = std::chrono::hours(1);
    config_.stop_requested = [this] { return stop_; };
    database_.slot.confirmed_flush_lsn = kConsistentPoint;
    source_ = std::make_unique<ScriptedSource>(clock_, *storage_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // A new process: a fresh source (the server's stream after a restart).
  ScriptedSource& restart() {
    source_ = std::make_unique<ScriptedSource>(clock_, *storage_);
    return *source_;
  }

  StreamSummary run() {
    return run_change_stream(config_, base_, *storage_, *source_, database_, clock_);
  }

  std::vector<LogEntry> log() { return CommitLog(*storage_).entries_after(0); }

  // One transaction of inserts into orders, ids from `first`.
  void transaction(ScriptedSource& source, Lsn commit_lsn, Lsn end_lsn, uint32_t xid,
                   std::vector<std::string> ids, std::string note = "n") {
    source.payload(begin(commit_lsn, xid));
    for (const auto& id : ids) source.payload(insert(kOrders, {id, note}));
    source.payload(commit(commit_lsn, end_lsn));
  }

  // Every status sent with a flush beyond the base's consistent point came after the entry
  // ending there existed.
  void expect_flush_only_after_entries() {
    for (const SentStatus& status : source_->statuses) {
      if (status.flush == kConsistentPoint) {
        EXPECT_FALSE(status.logged_sequence.has_value());
        continue;
      }
      ASSERT_TRUE(status.logged_end.has_value()) << status.flush.to_string();
      EXPECT_EQ(*status.logged_end, status.flush);
    }
  }

  std::vector<std::string> change_files() {
    std::vector<std::string> keys = storage_->list("changes/public.orders/");
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
  BaseRun base_;
  ChangeStreamConfig config_;
  FakeClock clock_;
  FakeDatabase database_;
  std::unique_ptr<ScriptedSource> source_;
  bool stop_ = false;
};

TEST_F(ChangeStreamTest, BaseRunIsTheNewestManifestOfTheSlot) {
  EXPECT_EQ(base_.run_id, "base");
  EXPECT_EQ(base_.consistent_point, kConsistentPoint);
  ASSERT_EQ(base_.tables.size(), 1u);
  EXPECT_EQ(base_.tables[0].key_columns, std::vector<std::string>{"id"});
  std::string newer(kBaseManifest);
  newer.replace(newer.find("\"base\""), 6, "\"later\"");
  newer.replace(newer.find("09:00:00Z"), 9, "11:00:00Z");
  newer.replace(newer.find("0/1000"), 6, "0/2000");
  storage::put_object(*storage_, "runs/later/_manifest.json", newer);
  std::string other_slot(kBaseManifest);
  other_slot.replace(other_slot.find("09:00:00Z"), 9, "12:00:00Z");
  other_slot.replace(other_slot.find("\"slot\": \"pgexport\""), 18, "\"slot\": \"another\"");
  storage::put_object(*storage_, "runs/other/_manifest.json", other_slot);
  storage::put_object(*storage_, "runs/plain/_manifest.json", "{\"run_id\": \"plain\"}");
  BaseRun found = find_base_run(*storage_, "pgexport");
  EXPECT_EQ(found.run_id, "later");
  EXPECT_EQ(found.consistent_point, Lsn(0x2000));
  try {
    find_base_run(*storage_, "nothing");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("run `pgexport cdc init` first"), std::string::npos);
  }
}

TEST_F(ChangeStreamTest, BatchesCloseAtCommitsOnlyAndTheSlotMovesAfterTheEntry) {
  config_.batch_bytes = 1;  // every transaction boundary closes the batch
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1", "2", "3"});
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 701, {"4"});
  source_->payload(keepalive(Lsn(0x3100)));
  StreamSummary summary = run();

  EXPECT_EQ(source_->starts, std::vector<Lsn>{kConsistentPoint});
  auto entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].sequence, 1u);
  EXPECT_EQ(entries[0].transactions, 1u);
  EXPECT_EQ(entries[0].changes, 3u);  // the whole transaction, though 1 byte was the limit
  EXPECT_EQ(entries[0].first_commit_lsn, Lsn(0x2000));
  EXPECT_EQ(entries[0].end_lsn, Lsn(0x2010));
  EXPECT_EQ(entries[1].first_commit_lsn, Lsn(0x3000));
  EXPECT_EQ(entries[1].end_lsn, Lsn(0x3010));
  ASSERT_EQ(entries[0].tables.size(), 1u);
  const LoggedTable& table = entries[0].tables[0];
  EXPECT_EQ(table.schema_version, 1u);
  EXPECT_EQ(table.key_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(table.columns, (std::vector<LoggedColumn>{{"id", "bigint"}, {"note", "text"}}));
  ASSERT_EQ(table.files.size(), 1u);
  EXPECT_EQ(table.files[0].key, "changes/public.orders/00000000000000000001-a1a1a1a1a1a1-000.csv");
  auto rows = rows_of(*storage_, table);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], "_op");
  EXPECT_EQ(rows[1], (CsvRecord{"I", "0/2000", "2026-12-01 10:00:00+00", "700", "1", std::nullopt,
                                std::nullopt, "1", "n"}));
  EXPECT_EQ(rows[3][4], "3");

  // The slot moved to each entry's end, never before the entry existed.
  expect_flush_only_after_entries();
  std::vector<Lsn> flushes;
  for (const auto& status : source_->statuses) {
    if (status.flush != kConsistentPoint) flushes.push_back(status.flush);
  }
  EXPECT_EQ(flushes, (std::vector<Lsn>{Lsn(0x2010), Lsn(0x3010)}));
  EXPECT_EQ(summary.batches, 2u);
  EXPECT_EQ(summary.changes, 4u);
  EXPECT_EQ(summary.flushed_lsn, Lsn(0x3010));
  EXPECT_EQ(source_->finished, 1);
}

// Records each catch_up: the newest sequence it was given (0: none), whether that entry was in
// the destination already, and whether the stream had started.
class RecordingPublisher final : public LogPublisher {
 public:
  RecordingPublisher(storage::Storage& storage, const ScriptedSource& source)
      : storage_(storage), source_(source) {}
  void catch_up(CommitLog&, const std::optional<LogEntry>& newest) override {
    const uint64_t sequence = newest ? newest->sequence : 0;
    calls.push_back({sequence, sequence == 0 || storage_.stat(log_entry_key(sequence)).has_value(),
                     !source_.starts.empty()});
  }
  struct Call {
    uint64_t sequence;
    bool entry_existed;
    bool stream_started;
    friend bool operator==(const Call&, const Call&) = default;
  };
  std::vector<Call> calls;

 private:
  storage::Storage& storage_;
  const ScriptedSource& source_;
};

TEST_F(ChangeStreamTest, PublishersCatchUpAtStartAndAfterEachDurableEntry) {
  config_.batch_bytes = 1;
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"});
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 701, {"2"});
  source_->payload(keepalive(Lsn(0x3100)));
  RecordingPublisher first(*storage_, *source_);
  config_.publishers = {&first};
  run();
  using Call = RecordingPublisher::Call;
  EXPECT_EQ(first.calls, (std::vector<Call>{{0, true, false}, {1, true, true}, {2, true, true}}));

  // The next run starts by catching up with the newest entry, before the stream starts.
  ScriptedSource& again = restart();
  database_.slot.confirmed_flush_lsn = Lsn(0x3010);
  database_.target = Lsn(0x3100);
  again.payload(keepalive(Lsn(0x3100)));
  RecordingPublisher second(*storage_, again);
  config_.publishers = {&second};
  run();
  ASSERT_FALSE(second.calls.empty());
  EXPECT_EQ(second.calls.front(), (Call{2, true, false}));
}

TEST_F(ChangeStreamTest, BatchIntervalClosesAtTheNextIdleBoundary) {
  config_.batch_interval = std::chrono::seconds(60);
  database_.target = Lsn(0x5000);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"});
  source_->action([this] { clock_.advance(30s); });
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 701, {"2"});
  // Quiet for a while: the batch, open since the first change, closes once 60 s have passed.
  for (int i = 0; i < 40; ++i) source_->timeout();
  source_->action([this] {
    auto entries = log();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].transactions, 2u);
  });
  // A transaction still open when the interval passes is not cut: the batch waits for it.
  source_->payload(begin(Lsn(0x4000), 702));
  source_->payload(insert(kOrders, {"3", "x"}));
  source_->action([this] { clock_.advance(120s); });
  source_->timeout();
  source_->payload(insert(kOrders, {"4", "y"}));
  source_->payload(commit(Lsn(0x4000), Lsn(0x4010)));
  source_->payload(keepalive(Lsn(0x5000)));
  run();
  auto entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].transactions, 1u);
  EXPECT_EQ(entries[1].changes, 2u);
  expect_flush_only_after_entries();
}

TEST_F(ChangeStreamTest, BatchSizeClosesAtTheFirstCommitPastIt) {
  const std::string note(200, 'x');
  config_.batch_bytes = 700;  // header ~60 bytes, each row ~260: the third row passes it
  database_.target = Lsn(0x6000);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"}, note);
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 701, {"2"}, note);
  transaction(*source_, Lsn(0x4000), Lsn(0x4010), 702, {"3"}, note);
  transaction(*source_, Lsn(0x5000), Lsn(0x5010), 703, {"4"}, note);
  source_->payload(keepalive(Lsn(0x6000)));
  run();
  auto entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].transactions, 3u);
  EXPECT_GE(entries[0].tables[0].files[0].bytes, config_.batch_bytes);
  EXPECT_EQ(entries[1].transactions, 1u);
  EXPECT_LT(entries[1].tables[0].files[0].bytes, config_.batch_bytes);
}

TEST_F(ChangeStreamTest, RestartSkipsTransactionsTheLogHoldsThoughTheSlotLagged) {
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1", "2"});
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 701, {"3"});
  source_->payload(keepalive(Lsn(0x3100)));
  run();
  ASSERT_EQ(log().size(), 1u);

  // The process died after the entry and before the status update: the slot is still at the
  // consistent point, and the server streams both transactions again, then a new one.
  database_.slot.confirmed_flush_lsn = kConsistentPoint;
  database_.target = Lsn(0x4100);
  ScriptedSource& again = restart();
  again.payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(again, Lsn(0x2000), Lsn(0x2010), 700, {"1", "2"});
  transaction(again, Lsn(0x3000), Lsn(0x3010), 701, {"3"});
  transaction(again, Lsn(0x4000), Lsn(0x4010), 702, {"4"});
  again.payload(keepalive(Lsn(0x4100)));
  StreamSummary summary = run();
  EXPECT_EQ(again.starts, std::vector<Lsn>{Lsn(0x3010)});  // the log's end, not the slot's
  EXPECT_EQ(summary.changes, 1u);

  auto entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].first_commit_lsn, Lsn(0x4000));
  std::set<std::pair<std::string, std::string>> identities;
  size_t rows = 0;
  for (const LogEntry& entry : entries) {
    for (const LoggedTable& table : entry.tables) {
      auto records = rows_of(*storage_, table);
      for (size_t i = 1; i < records.size(); ++i) {
        identities.insert({*records[i][1], *records[i][4]});
        ++rows;
      }
    }
  }
  EXPECT_EQ(rows, 4u);
  EXPECT_EQ(identities.size(), rows);  // no (_commit_lsn, _seq) twice
}

TEST_F(ChangeStreamTest, FencedAppendStopsTheRunWithoutMovingTheSlot) {
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  source_->action([this] {
    // Another writer (a twin with the same log) creates entry 1 first.
    LogEntry theirs;
    theirs.sequence = 1;
    theirs.slot = "pgexport";
    theirs.attempt = "ffffffffffff";
    theirs.first_commit_lsn = theirs.last_commit_lsn = Lsn(0x2000);
    theirs.end_lsn = Lsn(0x2010);
    theirs.format = "csv";
    theirs.compression = "none";
    ASSERT_EQ(CommitLog(*storage_).append(theirs), AppendOutcome::appended);
  });
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"});
  source_->payload(keepalive(Lsn(0x3100)));
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::slot_busy);
    EXPECT_NE(std::string(error.what()).find("another cdc run writes this log"), std::string::npos);
  }
  for (const SentStatus& status : source_->statuses) EXPECT_EQ(status.flush, kConsistentPoint);
  EXPECT_EQ(log().size(), 1u);
  EXPECT_EQ(log()[0].attempt, "ffffffffffff");
  EXPECT_TRUE(change_files().empty());  // its own files are removed: no entry lists them
}

TEST_F(ChangeStreamTest, AnEntryWhoseCreationFailedKeepsItsFilesForALateArrival) {
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1", "2"});
  source_->payload(keepalive(Lsn(0x3100)));
  FailingCreateStorage failing(*storage_, FailingCreateStorage::Mode::fails_before_landing);
  try {
    run_change_stream(config_, base_, failing, *source_, database_, clock_);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_transient) << error.what();
  }
  EXPECT_TRUE(log().empty());
  for (const SentStatus& status : source_->statuses) EXPECT_EQ(status.flush, kConsistentPoint);
  // The request could still create the entry; the files it would list are there for it.
  EXPECT_EQ(change_files().size(), 1u);
}

TEST_F(ChangeStreamTest, SchemaChangeStartsVersionTwoAndARestartContinuesIt) {
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"});
  // Sent again with the same columns (a relcache invalidation): still version 1.
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2100), Lsn(0x2110), 701, {"2"});
  auto wider = kOrdersColumns;
  wider.push_back({"extra", pg::oid::kInt4});
  source_->payload(relation(kOrders, "public", "orders", wider));
  source_->payload(begin(Lsn(0x3000), 702));
  source_->payload(insert(kOrders, {"3", "n", "42"}));
  source_->payload(commit(Lsn(0x3000), Lsn(0x3010)));
  source_->payload(keepalive(Lsn(0x3100)));
  run();
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_EQ(entries[0].tables.size(), 2u);  // one per schema version in the batch
  const LoggedTable& v1 = entries[0].tables[0];
  const LoggedTable& v2 = entries[0].tables[1];
  EXPECT_EQ(v1.schema_version, 1u);
  EXPECT_EQ(v1.rows, 2u);
  EXPECT_EQ(v2.schema_version, 2u);
  EXPECT_EQ(v2.rows, 1u);
  EXPECT_EQ(v2.columns.back(), (LoggedColumn{"extra", "integer"}));
  EXPECT_EQ(v2.files[0].key, "changes/public.orders/00000000000000000001-a1a1a1a1a1a1-001.csv");
  auto rows = rows_of(*storage_, v2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].back(), "extra");
  EXPECT_EQ(rows[1].back(), "42");

  // A new process sees the wider shape first: it continues version 2, and a narrower one
  // afterwards is version 3, not 1 again.
  database_.slot.confirmed_flush_lsn = Lsn(0x3010);
  database_.target = Lsn(0x5100);
  ScriptedSource& again = restart();
  again.payload(relation(kOrders, "public", "orders", wider));
  again.payload(begin(Lsn(0x4000), 703));
  again.payload(insert(kOrders, {"4", "n", "7"}));
  again.payload(commit(Lsn(0x4000), Lsn(0x4010)));
  again.payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(again, Lsn(0x5000), Lsn(0x5010), 704, {"5"});
  again.payload(keepalive(Lsn(0x5100)));
  run();
  entries = log();
  ASSERT_EQ(entries.size(), 2u);
  ASSERT_EQ(entries[1].tables.size(), 2u);
  EXPECT_EQ(entries[1].tables[0].schema_version, 2u);
  EXPECT_EQ(entries[1].tables[1].schema_version, 3u);
}

TEST_F(ChangeStreamTest, AColumnAddedWithAConstantDefaultLogsWhatOlderRowsHold) {
  database_.target = Lsn(0x3100);
  database_.missing["public.orders"] = {{"extra", "42"}, {"id", "never asked for"}};
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"});
  // The base run's columns need no lookup at all.
  EXPECT_EQ(database_.missing_value_reads, 0);
  auto wider = kOrdersColumns;
  wider.push_back({"extra", pg::oid::kInt4});
  wider.push_back({"plain", pg::oid::kText});  // added without a default: no missing value
  source_->payload(relation(kOrders, "public", "orders", wider));
  source_->payload(begin(Lsn(0x3000), 702));
  source_->payload(insert(kOrders, {"3", "n", "7", "p"}));
  source_->payload(commit(Lsn(0x3000), Lsn(0x3010)));
  source_->payload(keepalive(Lsn(0x3100)));
  run();
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_EQ(entries[0].tables.size(), 2u);
  EXPECT_TRUE(entries[0].tables[0].missing_values.empty());
  EXPECT_EQ(entries[0].tables[1].missing_values,
            (std::map<std::string, std::string>{{"extra", "42"}}));
  EXPECT_EQ(database_.missing_value_reads, 1);
}

TEST_F(ChangeStreamTest, KeepalivesAreAnsweredAndStatusGoesOutEveryTenSeconds) {
  database_.target = Lsn(0x3000);
  for (int i = 0; i < 25; ++i) source_->timeout();  // 1 s each
  source_->action([this] {
    EXPECT_EQ(source_->statuses.size(), 2u);  // at 10 s and 20 s
    EXPECT_EQ(source_->statuses.back().flush, kConsistentPoint);
  });
  source_->payload(keepalive(Lsn(0x1800), true));
  source_->action([this] {
    ASSERT_EQ(source_->statuses.size(), 3u);  // answered before reading on
    EXPECT_EQ(source_->statuses.back().after_payloads, 1u);
  });
  source_->payload(keepalive(Lsn(0x3000)));
  run();
  EXPECT_EQ(source_->steps_left(), 0u);
}

TEST_F(ChangeStreamTest, AShortWalSenderTimeoutGetsAStatusEveryThirdOfIt) {
  database_.target = Lsn(0x3000);
  source_->sender_timeout = 6s;
  for (int i = 0; i < 10; ++i) source_->timeout();  // 1 s each (the poll interval)
  source_->action([this] {
    EXPECT_EQ(source_->statuses.size(), 5u);  // at 2, 4, 6, 8 and 10 s
  });
  source_->payload(keepalive(Lsn(0x3000)));
  run();
  EXPECT_EQ(source_->steps_left(), 0u);
}

TEST_F(ChangeStreamTest, StatusGoesOutEveryTenSecondsWhateverALongOrNoTimeoutSays) {
  for (Milliseconds timeout : {Milliseconds(0), Milliseconds(30s), Milliseconds(3600s)}) {
    SCOPED_TRACE(timeout.count());
    ScriptedSource& source = restart();
    source.sender_timeout = timeout;
    database_.target = Lsn(0x3000);
    for (int i = 0; i < 35; ++i) source.timeout();
    source.action([&source] { EXPECT_EQ(source.statuses.size(), 3u); });  // at 10, 20, 30 s
    source.payload(keepalive(Lsn(0x3000)));
    run();
    EXPECT_EQ(source.steps_left(), 0u);
  }
}

TEST_F(ChangeStreamTest, AKeepaliveAskingForAReplyInsideATransactionIsAnsweredAtOnce) {
  database_.target = Lsn(0x2010);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  source_->payload(begin(Lsn(0x2000), 700));
  source_->payload(insert(kOrders, {"1", "a"}));
  source_->payload(keepalive(Lsn(0x1F00), true));
  source_->action([this] {
    ASSERT_EQ(source_->statuses.size(), 1u);
    EXPECT_EQ(source_->statuses.back().after_payloads, 4u);       // before the next payload
    EXPECT_EQ(source_->statuses.back().flush, kConsistentPoint);  // nothing logged yet
  });
  source_->payload(commit(Lsn(0x2000), Lsn(0x2010)));
  run();
  EXPECT_EQ(log().size(), 1u);
}

TEST_F(ChangeStreamTest, UntilCaughtUpEndsAtTheTargetOnceNoTransactionIsOpen) {
  database_.target = Lsn(0x5000);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x3000), 700, {"1"});
  source_->payload(keepalive(Lsn(0x4000)));
  source_->payload(begin(Lsn(0x5100), 701));
  source_->payload(update(kOrders, {"1", kUnchanged}));
  source_->payload(keepalive(Lsn(0x6000)));  // inside the transaction: not done yet
  source_->payload(remove(kOrders, {"1", kNull}));
  source_->payload(commit(Lsn(0x5100), Lsn(0x5200)));
  source_->payload(keepalive(Lsn(0x7000)));  // never read: the commit reached the target
  StreamSummary summary = run();
  EXPECT_EQ(source_->steps_left(), 1u);
  EXPECT_EQ(summary.target_lsn, Lsn(0x5000));
  EXPECT_EQ(summary.flushed_lsn, Lsn(0x5200));
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);  // one batch: the interval and size were never reached
  EXPECT_EQ(entries[0].transactions, 2u);
  auto rows = rows_of(*storage_, entries[0].tables[0]);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[2][0], "U");
  EXPECT_EQ(rows[2][5], "{note}");  // the TOASTed column left unchanged is named
  EXPECT_EQ(rows[2][8], std::nullopt);
  EXPECT_EQ(rows[3][0], "D");
  EXPECT_EQ(rows[3][4], "2");
}

TEST_F(ChangeStreamTest, NothingToReadEndsAtOnceWithoutAnEntry) {
  database_.target = kConsistentPoint;
  StreamSummary summary = run();
  EXPECT_EQ(summary.batches, 0u);
  EXPECT_TRUE(log().empty());
  EXPECT_EQ(source_->starts.size(), 1u);
}

TEST_F(ChangeStreamTest, TablesOutsideTheBaseRunAndTruncatesAreHandled) {
  database_.target = Lsn(0x3100);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  source_->payload(relation(kOther, "public", "other", {{"id", pg::oid::kInt8, true}}));
  source_->payload(begin(Lsn(0x2000), 700));
  source_->payload(insert(kOther, {"9"}));
  source_->payload(insert(kOrders, {"1", "a"}));
  source_->payload(truncate({kOther, kOrders}));
  source_->payload(commit(Lsn(0x2000), Lsn(0x2010)));
  // A transaction touching only the other table makes no entry of its own.
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 701, {});
  source_->payload(keepalive(Lsn(0x3100)));
  run();
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_EQ(entries[0].tables.size(), 1u);
  EXPECT_EQ(entries[0].tables[0].name, "orders");
  EXPECT_EQ(entries[0].changes, 2u);
  EXPECT_EQ(entries[0].end_lsn, Lsn(0x2010));
  auto rows = rows_of(*storage_, entries[0].tables[0]);
  ASSERT_EQ(rows.size(), 3u);
  // Positions count every change of the transaction, so they do not depend on what is captured.
  EXPECT_EQ(rows[1][4], "2");
  EXPECT_EQ(rows[2][0], "T");
  EXPECT_EQ(rows[2][4], "4");
}

TEST_F(ChangeStreamTest, StopInFollowFinishesTheOpenTransactionsBatch) {
  config_.mode = StreamMode::follow;
  config_.heartbeat = std::chrono::seconds(5);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  for (int i = 0; i < 6; ++i) source_->timeout();
  source_->action([this] { EXPECT_EQ(database_.heartbeats, 1); });
  source_->payload(begin(Lsn(0x2000), 700));
  source_->payload(insert(kOrders, {"1", "a"}));
  source_->action([this] { stop_ = true; });
  source_->payload(insert(kOrders, {"2", "b"}));
  source_->payload(commit(Lsn(0x2000), Lsn(0x2010)));
  source_->payload(begin(Lsn(0x3000), 701));  // never read: the run stops at the boundary
  StreamSummary summary = run();
  EXPECT_TRUE(summary.stopped);
  EXPECT_EQ(source_->steps_left(), 1u);
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].changes, 2u);
  EXPECT_EQ(source_->statuses.back().flush, Lsn(0x2010));
}

TEST_F(ChangeStreamTest, StopInFollowGivesUpATransactionThatOutlastsTheTimeout) {
  config_.mode = StreamMode::follow;
  config_.stop_timeout = std::chrono::seconds(5);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x1800), Lsn(0x1810), 699, {"0"});
  source_->payload(begin(Lsn(0x2000), 700));
  source_->payload(insert(kOrders, {"1", "a"}));
  source_->action([this] { stop_ = true; });
  for (int i = 0; i < 10; ++i) source_->timeout();
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::interrupted);
  }
  EXPECT_TRUE(log().empty());  // the complete transaction before it shared the batch
  EXPECT_TRUE(change_files().empty());
  for (const SentStatus& status : source_->statuses) EXPECT_EQ(status.flush, kConsistentPoint);
}

TEST_F(ChangeStreamTest, MaxDurationStopsCleanly) {
  config_.mode = StreamMode::follow;
  config_.max_duration = std::chrono::seconds(3);
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  transaction(*source_, Lsn(0x2000), Lsn(0x2010), 700, {"1"});
  for (int i = 0; i < 5; ++i) source_->timeout();
  StreamSummary summary = run();
  EXPECT_TRUE(summary.stopped);
  EXPECT_EQ(log().size(), 1u);
  EXPECT_GE(source_->steps_left(), 1u);
}

// The slot may move only to what the log records; on a database whose captured tables are
// idle, a position-only entry records how far the stream got, and then the slot follows.
TEST_F(ChangeStreamTest, HeartbeatsOnAnIdleDatabaseAdvanceTheSlotThroughPositionOnlyEntries) {
  config_.mode = StreamMode::follow;
  config_.heartbeat = 5s;
  config_.batch_interval = 10s;
  config_.position_entry_bytes = 0x1000;
  source_->payload(relation(kOrders, "public", "orders", kOrdersColumns));
  for (int i = 0; i < 5; ++i) source_->timeout();
  source_->payload(heartbeat_message(Lsn(0x1800)));  // less than 0x1000 past the log's end
  for (int i = 0; i < 10; ++i) source_->timeout();
  source_->action([this] {
    EXPECT_GE(database_.heartbeats, 2);
    EXPECT_TRUE(log().empty());
  });
  source_->payload(heartbeat_message(Lsn(0x2800)));  // far enough, and 10 s have passed
  source_->timeout();
  source_->action([this] {
    auto entries = log();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_TRUE(entries[0].position_only());
    EXPECT_EQ(entries[0].end_lsn, Lsn(0x2800));
    // Before any batch the newest commit the destination holds is the base's.
    EXPECT_EQ(entries[0].last_commit_lsn, kConsistentPoint);
    EXPECT_EQ(entries[0].first_commit_lsn, kConsistentPoint);
    EXPECT_TRUE(entries[0].last_commit_time == std::chrono::sys_days(2026y / 12 / 1) + 9h);
    EXPECT_EQ(source_->statuses.back().flush, Lsn(0x2800));
  });
  // A batch, then more idle WAL: the next position-only entry keeps that batch's commit.
  transaction(*source_, Lsn(0x3000), Lsn(0x3010), 700, {"1"});
  for (int i = 0; i < 11; ++i) source_->timeout();  // the batch interval closes the batch
  source_->payload(keepalive(Lsn(0x4100)));
  source_->payload(keepalive(Lsn(0x4200)));  // within the same interval: no second entry yet
  for (int i = 0; i < 11; ++i) source_->timeout();
  source_->action([this] { stop_ = true; });
  source_->timeout();
  StreamSummary summary = run();
  auto entries = log();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_FALSE(entries[1].position_only());
  EXPECT_EQ(entries[1].end_lsn, Lsn(0x3010));
  EXPECT_TRUE(entries[2].position_only());
  EXPECT_EQ(entries[2].end_lsn, Lsn(0x4200));
  EXPECT_EQ(entries[2].last_commit_lsn, Lsn(0x3000));
  EXPECT_EQ(entries[2].last_commit_time, entries[1].last_commit_time);
  EXPECT_EQ(summary.batches, 1u);
  EXPECT_EQ(summary.position_entries, 2u);
  EXPECT_EQ(summary.flushed_lsn, Lsn(0x4200));
  expect_flush_only_after_entries();
}

TEST_F(ChangeStreamTest, PositionOnlyEntriesInFollowComeAtMostOncePerBatchInterval) {
  config_.mode = StreamMode::follow;
  config_.batch_interval = 30s;
  config_.position_entry_bytes = 0x100;
  config_.max_duration = 95s;
  // WAL of unpublished tables streams past all the time: a keepalive every second.
  for (int i = 1; i <= 100; ++i) {
    source_->payload(keepalive(Lsn(0x1000 + i * 0x200)));
    source_->timeout();
  }
  StreamSummary summary = run();
  // At 30, 60 and 90 s, and once more at the clean stop.
  EXPECT_EQ(summary.position_entries, 4u);
  auto entries = log();
  ASSERT_EQ(entries.size(), 4u);
  for (const LogEntry& entry : entries) EXPECT_TRUE(entry.position_only());
  expect_flush_only_after_entries();
}

TEST_F(ChangeStreamTest, UntilCaughtUpLeavesTheSlotAtTheTargetPastUnpublishedWal) {
  config_.position_entry_bytes = 0x1000;
  database_.target = Lsn(0x5000);
  source_->payload(relation(kOther, "public", "other", {{"id", pg::oid::kInt8, true}}));
  source_->payload(begin(Lsn(0x2000), 700));
  source_->payload(insert(kOther, {"9"}));  // a table the base run does not hold
  source_->payload(commit(Lsn(0x2000), Lsn(0x4000)));
  source_->payload(keepalive(Lsn(0x5000)));
  StreamSummary summary = run();
  EXPECT_EQ(summary.batches, 0u);
  EXPECT_EQ(summary.position_entries, 1u);
  EXPECT_EQ(summary.flushed_lsn, Lsn(0x5000));
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].position_only());
  EXPECT_EQ(entries[0].end_lsn, Lsn(0x5000));
  EXPECT_TRUE(change_files().empty());
  expect_flush_only_after_entries();

  // The next run starts there, and a slot at the entry's end is where the log says it is.
  database_.slot.confirmed_flush_lsn = Lsn(0x5000);
  database_.target = Lsn(0x5800);  // less than 0x1000 further: no entry for so little
  restart().payload(keepalive(Lsn(0x5800)));
  summary = run();
  EXPECT_EQ(source_->starts, std::vector<Lsn>{Lsn(0x5000)});
  EXPECT_EQ(summary.position_entries, 0u);
  EXPECT_EQ(log().size(), 1u);
  // A slot beyond even that entry has lost changes.
  database_.slot.confirmed_flush_lsn = Lsn(0x5001);
  restart();
  try {
    run();
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::slot_lost);
  }
}

TEST_F(ChangeStreamTest, SlotStateIsCheckedBeforeAnythingIsRead) {
  auto expect_failure = [this](ErrorKind kind, std::string_view text) {
    SCOPED_TRACE(text);
    try {
      run();
      ADD_FAILURE() << "no error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), kind);
      EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
    }
    EXPECT_TRUE(source_->starts.empty());
  };
  database_.slot_exists = false;
  expect_failure(ErrorKind::slot_lost, "does not exist");
  database_.slot_exists = true;
  database_.slot.confirmed_flush_lsn = Lsn(0x1001);
  expect_failure(ErrorKind::slot_lost, "beyond 0/1000");
  database_.slot.confirmed_flush_lsn = kConsistentPoint;
  config_.max_retained_wal = 1000;
  database_.slot.retained_wal_bytes = 2001;
  expect_failure(ErrorKind::database_error, "run `cdc run` more often");
  database_.slot.retained_wal_bytes = 2000;  // over the limit, within twice it: a warning
  database_.target = kConsistentPoint;
  run();
  EXPECT_EQ(source_->starts.size(), 1u);
}

}  // namespace
}  // namespace pgexport::cdc
