#include "cdc/commit_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "cdc/layout.hpp"
#include "change_stream_fakes.hpp"
#include "common/error.hpp"
#include "export/commit.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cdc {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

SystemMicros utc(sys_days day, microseconds time_of_day) {
  return SystemMicros(duration_cast<microseconds>(day.time_since_epoch()) + time_of_day);
}

LogEntry sample_entry() {
  LogEntry entry;
  entry.sequence = 12;
  entry.slot = "pgexport";
  entry.attempt = "1f0c9a2b3c4d";
  entry.first_commit_lsn = Lsn(0x16B3748);
  entry.last_commit_lsn = Lsn(0x16B9000);
  entry.end_lsn = Lsn(0x16B9030);
  entry.first_commit_time = utc(2026y / 12 / 1, 10h);
  entry.last_commit_time = utc(2026y / 12 / 1, 10h + 59s + 812345us);
  entry.transactions = 41;
  entry.changes = 1830;
  entry.format = "csv";
  entry.compression = "zstd";
  LoggedTable orders;
  orders.schema = "public";
  orders.name = "orders";
  orders.schema_version = 2;
  orders.key_kind = KeyKind::primary_key;
  orders.key_columns = {"id"};
  orders.columns = {{"id", "uuid"}, {"status", "public.status"}};
  orders.missing_values = {{"status", "new"}};
  orders.rows = 1200;
  orders.files = {{"changes/public.orders/00000000000000000012-1f0c9a2b3c4d-000.csv.zst", 1200,
                   48211, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}};
  LoggedTable audit;
  audit.schema = "public";
  audit.name = "audit";
  audit.schema_version = 1;
  audit.key_kind = KeyKind::full_row;
  audit.key_columns = {"at", "payload"};
  audit.columns = {{"at", "timestamp with time zone"}, {"payload", "jsonb"}};
  audit.rows = 0;
  entry.tables = {orders, audit};
  return entry;
}

// Written by hand from docs/cdc.md: the bytes a reader of the log sees.
constexpr std::string_view kSampleJson = R"({
  "log_version": 1,
  "sequence": 12,
  "slot": "pgexport",
  "attempt": "1f0c9a2b3c4d",
  "commit_lsn": {
    "first": "0/16B3748",
    "last": "0/16B9000"
  },
  "end_lsn": "0/16B9030",
  "commit_time": {
    "first": "2026-12-01T10:00:00.000000Z",
    "last": "2026-12-01T10:00:59.812345Z"
  },
  "transactions": 41,
  "changes": 1830,
  "format": "csv",
  "compression": "zstd",
  "tables": [
    {
      "schema": "public",
      "name": "orders",
      "schema_version": 2,
      "key": {
        "kind": "primary key",
        "columns": [
          "id"
        ]
      },
      "columns": [
        {
          "name": "id",
          "pg_type": "uuid"
        },
        {
          "name": "status",
          "pg_type": "public.status"
        }
      ],
      "missing_values": {
        "status": "new"
      },
      "rows": 1200,
      "files": [
        {
          "key": "changes/public.orders/00000000000000000012-1f0c9a2b3c4d-000.csv.zst",
          "rows": 1200,
          "bytes": 48211,
          "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        }
      ]
    },
    {
      "schema": "public",
      "name": "audit",
      "schema_version": 1,
      "key": {
        "kind": "full row",
        "columns": [
          "at",
          "payload"
        ]
      },
      "columns": [
        {
          "name": "at",
          "pg_type": "timestamp with time zone"
        },
        {
          "name": "payload",
          "pg_type": "jsonb"
        }
      ],
      "rows": 0,
      "files": []
    }
  ]
}
)";

TEST(LogEntryJson, SerializesToTheDocumentedJson) {
  EXPECT_EQ(serialize_log_entry(sample_entry()), kSampleJson);
}

TEST(LogEntryJson, ParsesTheDocumentedJsonBack) {
  EXPECT_EQ(parse_log_entry(std::string(kSampleJson), "k"), sample_entry());
}

TEST(LogEntryJson, AcceptsOtherMemberOrderWhitespaceAndUnknownMembers) {
  LogEntry entry = sample_entry();
  entry.tables.clear();  // a position-only entry, so it has no changes either
  entry.transactions = entry.changes = 0;
  entry.first_commit_time = utc(2026y / 12 / 1, 10h + 1ms);
  const std::string compact =
      R"({"tables":[],"compression":"zstd","format":"csv","changes":0,"transactions":0,)"
      R"("commit_time":{"last":"2026-12-01T10:00:59.812345Z","first":"2026-12-01T10:00:00.001Z"},)"
      R"("end_lsn":"0/16b9030","commit_lsn":{"last":"0/16B9000","first":"0/16B3748"},)"
      R"("attempt":"1f0c9a2b3c4d","slot":"pgexport","sequence":12,"log_version":1,"later":true})";
  EXPECT_EQ(parse_log_entry(compact, "k"), entry);
}

TEST(LogEntryJson, RoundTripsEveryKeyKind) {
  for (KeyKind kind : {KeyKind::primary_key, KeyKind::replica_identity_index, KeyKind::full_row}) {
    LogEntry entry = sample_entry();
    entry.tables[0].key_kind = kind;
    EXPECT_EQ(parse_log_entry(serialize_log_entry(entry), "k").tables[0].key_kind, kind);
  }
}

// One damage to the documented JSON, and a word its error must contain.
struct Damage {
  std::string from;
  std::string to;
  std::string expected;
};

TEST(LogEntryJson, RejectsMalformedEntriesNamingTheKey) {
  const std::vector<Damage> damages = {
      {R"("log_version": 1)", R"("log_version": 2)", "log_version is 2"},
      {R"("sequence": 12)", R"("sequence": -12)", "sequence is not a non-negative integer"},
      {R"("sequence": 12)", R"("sequence": 0)", "sequence is 0"},
      {R"("sequence": 12)", R"("sequence": "12")", "sequence is not a non-negative integer"},
      {R"("slot": "pgexport",)", "", "has no \"slot\""},
      {R"("attempt": "1f0c9a2b3c4d")", R"("attempt": "")", "attempt is empty"},
      {R"("first": "0/16B3748")", R"("first": "16B3748")", "commit_lsn.first is not an LSN"},
      {R"("end_lsn": "0/16B9030")", R"("end_lsn": "0/16B9000")", "out of order"},
      {R"("first": "0/16B3748")", R"("first": "0/16B9001")", "out of order"},
      {R"("last": "2026-12-01T10:00:59.812345Z")", R"("last": "2026-12-01 10:00:59")",
       "commit_time.last is not a UTC time"},
      {R"("transactions": 41)", R"("transactions": 4.5)", "transactions is not a non-negative"},
      {R"("format": "csv")", R"("format": "xml")", "format \"xml\""},
      {R"("compression": "zstd")", R"("compression": "lz4")", "compression \"lz4\""},
      {R"("kind": "primary key")", R"("kind": "primary")", "tables[0].key.kind is \"primary\""},
      {R"("schema_version": 2)", R"("schema_version": 0)", "tables[0].schema_version is 0"},
      {R"("bytes": 48211)", R"("bytes": null)", "tables[0].files[0].bytes is not"},
      {R"("pg_type": "jsonb")", R"("pg_type": 5)", "tables[1].columns[1].pg_type is not a string"},
      {R"("files": [])", R"("files": {})", "tables[1].files is not an array"},
      {"\n}\n", "", "not JSON"},
  };
  for (const Damage& damage : damages) {
    std::string text(kSampleJson);
    const size_t at = text.find(damage.from);
    ASSERT_NE(at, std::string::npos) << damage.from;
    text.replace(at, damage.from.size(), damage.to);
    try {
      parse_log_entry(text, "changes/_log/00000000000000000012.json");
      ADD_FAILURE() << "accepted: " << damage.from << " -> " << damage.to;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::storage_error);
      const std::string message = error.what();
      EXPECT_NE(message.find("changes/_log/00000000000000000012.json"), std::string::npos)
          << message;
      EXPECT_NE(message.find(damage.expected), std::string::npos) << message;
    }
  }
  EXPECT_THROW(parse_log_entry("[]", "k"), Error);
}

// A position-only entry: no transactions, changes or tables; the newest logged commit again.
LogEntry position_entry(uint64_t sequence, Lsn newest_commit, Lsn end) {
  LogEntry entry = sample_entry();
  entry.sequence = sequence;
  entry.first_commit_lsn = entry.last_commit_lsn = newest_commit;
  entry.first_commit_time = entry.last_commit_time;
  entry.end_lsn = end;
  entry.transactions = 0;
  entry.changes = 0;
  entry.tables.clear();
  return entry;
}

TEST(LogEntryJson, APositionOnlyEntryRoundTrips) {
  const LogEntry entry = position_entry(13, Lsn(0x16B9000), Lsn(0x5000000));
  const std::string text = serialize_log_entry(entry);
  EXPECT_NE(text.find(R"("tables": [])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("transactions": 0)"), std::string::npos) << text;
  const LogEntry parsed = parse_log_entry(text, "k");
  EXPECT_EQ(parsed, entry);
  EXPECT_TRUE(parsed.position_only());
  EXPECT_FALSE(sample_entry().position_only());
}

TEST(LogEntryJson, CountsThatDisagreeAreMalformed) {
  // Changes without transactions, tables without changes, transactions without tables.
  LogEntry changes_only = position_entry(13, Lsn(0x100), Lsn(0x200));
  changes_only.changes = 3;
  LogEntry tables_only = sample_entry();
  tables_only.transactions = 0;
  tables_only.changes = 0;
  LogEntry no_tables = sample_entry();
  no_tables.tables.clear();
  for (const LogEntry& entry : {changes_only, tables_only, no_tables}) {
    try {
      parse_log_entry(serialize_log_entry(entry), "changes/_log/00000000000000000013.json");
      ADD_FAILURE() << "accepted " << serialize_log_entry(entry);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::storage_error);
      EXPECT_NE(std::string(error.what()).find("an entry has all three or none"), std::string::npos)
          << error.what();
    }
  }
}

class CommitLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pgexport-commit-log-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_);
    storage_->check_writable();
  }
  void TearDown() override { fs::remove_all(root_); }

  // An entry of `sequence` whose LSNs grow with it.
  static LogEntry entry(uint64_t sequence, std::string attempt = "0123456789ab") {
    LogEntry result = sample_entry();
    result.sequence = sequence;
    result.attempt = std::move(attempt);
    result.first_commit_lsn = Lsn(sequence * 0x1000);
    result.last_commit_lsn = Lsn(sequence * 0x1000 + 0x800);
    result.end_lsn = Lsn(sequence * 0x1000 + 0x830);
    return result;
  }

  // The message of the storage_error `call` throws, or a failure.
  template <typename Call>
  std::string storage_error_of(Call call) {
    try {
      call();
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::storage_error) << error.what();
      return error.what();
    }
    ADD_FAILURE() << "no error";
    return {};
  }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
};

TEST_F(CommitLogTest, AnEmptyLogHasNoLastEntry) {
  CommitLog log(*storage_);
  EXPECT_EQ(log.last(), std::nullopt);
  EXPECT_TRUE(log.entries_after(0).empty());
}

TEST_F(CommitLogTest, AppendedEntriesAreStoredUnderTheirKeys) {
  CommitLog log(*storage_);
  EXPECT_EQ(log.append(entry(1)), AppendOutcome::appended);
  EXPECT_EQ(storage_->read(log_entry_key(1)), serialize_log_entry(entry(1)));
  EXPECT_EQ(log.last(), entry(1));
}

TEST_F(CommitLogTest, TheSecondWriterOfASequenceIsFencedAndTheFirstEntryStays) {
  CommitLog first(*storage_);
  storage::LocalStorage other_handle(root_);
  CommitLog second(other_handle);
  ASSERT_EQ(first.append(entry(1, "aaaaaaaaaaaa")), AppendOutcome::appended);
  EXPECT_EQ(second.append(entry(1, "bbbbbbbbbbbb")), AppendOutcome::fenced);
  EXPECT_EQ(second.last()->attempt, "aaaaaaaaaaaa");
  EXPECT_EQ(storage_->read(log_entry_key(1)), serialize_log_entry(entry(1, "aaaaaaaaaaaa")));
  // The same writer's own entry again is fenced too: create-once means once.
  EXPECT_EQ(first.append(entry(1, "aaaaaaaaaaaa")), AppendOutcome::fenced);
}

TEST_F(CommitLogTest, LastIsTheHighestSequence) {
  CommitLog log(*storage_);
  // Appended out of order, and more than ten, so a plain numeric sort would differ from
  // a sort of unpadded names.
  for (uint64_t sequence : {2, 1, 3, 4, 5, 6, 7, 8, 9, 11, 10}) {
    ASSERT_EQ(log.append(entry(sequence)), AppendOutcome::appended);
  }
  EXPECT_EQ(log.last(), entry(11));
}

TEST_F(CommitLogTest, EntriesAfterASequenceComeInOrder) {
  CommitLog log(*storage_);
  for (uint64_t sequence = 1; sequence <= 12; ++sequence) log.append(entry(sequence));
  std::vector<LogEntry> entries = log.entries_after(9);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0], entry(10));
  EXPECT_EQ(entries[1], entry(11));
  EXPECT_EQ(entries[2], entry(12));
  EXPECT_EQ(log.entries_after(0).size(), 12u);
  EXPECT_TRUE(log.entries_after(12).empty());
}

TEST_F(CommitLogTest, TheLastEntryWithChangesIsFoundBehindPositionOnlyEntries) {
  CommitLog log(*storage_);
  EXPECT_EQ(log.last_with_changes(log.last()), std::nullopt);
  // Only position-only entries: none holds changes.
  log.append(position_entry(1, Lsn(0x100), Lsn(0x1000)));
  EXPECT_EQ(log.last_with_changes(log.last()), std::nullopt);
  log.append(entry(2));
  EXPECT_EQ(log.last_with_changes(log.last()), entry(2));
  log.append(position_entry(3, entry(2).last_commit_lsn, Lsn(0x4000)));
  log.append(position_entry(4, entry(2).last_commit_lsn, Lsn(0x5000)));
  EXPECT_EQ(log.last_with_changes(log.last()), entry(2));
}

TEST_F(CommitLogTest, AGapInSequencesIsAnErrorNamingTheMissingEntry) {
  CommitLog log(*storage_);
  log.append(entry(1));
  log.append(entry(2));
  log.append(entry(4));
  const std::string message = storage_error_of([&] { log.last(); });
  EXPECT_NE(message.find(log_entry_key(3)), std::string::npos) << message;
  EXPECT_NE(message.find("gap"), std::string::npos) << message;
  EXPECT_NE(storage_error_of([&] { log.entries_after(0); }).find(log_entry_key(3)),
            std::string::npos);
}

TEST_F(CommitLogTest, ALogThatDoesNotStartAtOneHasAGap) {
  CommitLog log(*storage_);
  log.append(entry(2));
  EXPECT_NE(storage_error_of([&] { log.last(); }).find(log_entry_key(1)), std::string::npos);
}

TEST_F(CommitLogTest, AnEntryWhoseSequenceDisagreesWithItsKeyIsAnError) {
  CommitLog log(*storage_);
  log.append(entry(1));
  storage::put_object(*storage_, log_entry_key(2), serialize_log_entry(entry(7)));
  const std::string message = storage_error_of([&] { log.last(); });
  EXPECT_NE(message.find(log_entry_key(2)), std::string::npos) << message;
  EXPECT_NE(message.find("sequence 7"), std::string::npos) << message;
}

TEST_F(CommitLogTest, AMalformedLastEntryIsAnErrorNamingIt) {
  CommitLog log(*storage_);
  log.append(entry(1));
  storage::put_object(*storage_, log_entry_key(2), "{\"log_version\": 1");
  EXPECT_NE(storage_error_of([&] { log.last(); }).find(log_entry_key(2)), std::string::npos);
}

TEST_F(CommitLogTest, AForeignObjectUnderTheLogIsAnError) {
  CommitLog log(*storage_);
  log.append(entry(1));
  storage::put_object(*storage_, "changes/_log/notes.txt", "hello");
  EXPECT_NE(storage_error_of([&] { log.last(); }).find("changes/_log/notes.txt"),
            std::string::npos);
}

TEST_F(CommitLogTest, ChangeFilesBesideTheLogAreNotEntries) {
  CommitLog log(*storage_);
  log.append(entry(1));
  storage::put_object(*storage_, change_file_key("public", "t", 2, "a", 0, "csv"), "x");
  EXPECT_EQ(log.last(), entry(1));
}

// A store whose create_if_absent fails after (or before) it reached the store, as a timeout
// does: the seam where append() must look before deciding.
using FailingCreateStorage = testing::FailingCreateStorage;

TEST_F(CommitLogTest, AFailedCreateWhoseEntryLandedIsAppended) {
  FailingCreateStorage failing(*storage_, FailingCreateStorage::Mode::lands_then_fails);
  EXPECT_EQ(CommitLog(failing).append(entry(1)), AppendOutcome::appended);
  EXPECT_EQ(CommitLog(*storage_).last(), entry(1));
}

TEST_F(CommitLogTest, AFailedCreateFindingAnotherWritersEntryIsFenced) {
  CommitLog(*storage_).append(entry(1, "aaaaaaaaaaaa"));
  FailingCreateStorage failing(*storage_, FailingCreateStorage::Mode::fails_before_landing);
  EXPECT_EQ(CommitLog(failing).append(entry(1, "bbbbbbbbbbbb")), AppendOutcome::fenced);
}

TEST_F(CommitLogTest, AFailedCreateWithNothingStoredRethrows) {
  FailingCreateStorage failing(*storage_, FailingCreateStorage::Mode::fails_before_landing);
  try {
    CommitLog(failing).append(entry(1));
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_transient);
  }
}

TEST_F(CommitLogTest, AFailedCreateThatCannotBeReadBackIsUncertain) {
  FailingCreateStorage failing(*storage_, FailingCreateStorage::Mode::fails_and_reads_fail);
  EXPECT_THROW(CommitLog(failing).append(entry(1)), exporter::CommitUncertain);
}

TEST(RestartRule, SkipsTransactionsAtOrBelowTheLastLoggedCommit) {
  LogEntry last = sample_entry();  // commit_lsn.last 0/16B9000, end_lsn 0/16B9030
  EXPECT_TRUE(is_already_logged(last, Lsn(0x16B9000)));
  EXPECT_TRUE(is_already_logged(last, Lsn(0x16B8FFF)));
  EXPECT_TRUE(is_already_logged(last, Lsn(0x10)));
  EXPECT_FALSE(is_already_logged(last, Lsn(0x16B9001)));
  EXPECT_FALSE(is_already_logged(last, Lsn(0x16B9030)));
  EXPECT_FALSE(is_already_logged(std::nullopt, Lsn(0x16B9000)));
}

TEST(SlotPositionCheck, ASlotBeyondTheLogsEndHasLostChanges) {
  LogEntry last = sample_entry();  // end_lsn 0/16B9030
  EXPECT_EQ(check_slot_position(last, Lsn(0x16B9030)), SlotPosition::ok);
  // Lagging behind is normal: the process stopped between the entry and the slot's advance.
  EXPECT_EQ(check_slot_position(last, Lsn(0x16B3000)), SlotPosition::ok);
  EXPECT_EQ(check_slot_position(last, Lsn(0x16B9031)), SlotPosition::slot_ahead_of_log);
  EXPECT_EQ(check_slot_position(last, Lsn(0x1'0000'0000)), SlotPosition::slot_ahead_of_log);
}

}  // namespace
}  // namespace pgexport::cdc
