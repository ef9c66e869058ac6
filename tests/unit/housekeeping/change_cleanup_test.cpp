// cleanup under changes/: change files no commit log entry lists (a killed cdc run's early
// commits, a fenced twin's files) and pending uploads of change files and log entries go once
// their attempt is past the grace period; listed files, the log itself, an attempt still
// writing and keys that are not pgexport's stay; a damaged log stops cleanup before anything.
#include <gtest/gtest.h>

#include <algorithm>

#include "cdc/commit_log.hpp"
#include "cdc/layout.hpp"
#include "common/error.hpp"
#include "fake_storage.hpp"
#include "housekeeping/cleaner.hpp"

namespace pgexport::housekeeping {
namespace {

using namespace testing;
using namespace std::chrono_literals;

constexpr std::string_view kLogged = "aaaaaaaaaaaa";  // wrote entry 1
constexpr std::string_view kKilled = "bbbbbbbbbbbb";  // killed while writing batch 2
constexpr std::string_view kTwin = "cccccccccccc";    // fenced: entry 1 was kLogged's
constexpr std::string_view kLive = "dddddddddddd";    // writing batch 2 right now

std::string file(std::string_view table, uint64_t sequence, std::string_view attempt,
                 int index = 0) {
  return cdc::change_file_key("public", table, sequence, attempt, index, "csv.zst");
}

CleanupPolicy grace(std::chrono::seconds period) {
  CleanupPolicy policy;
  policy.grace = period;
  return policy;
}

// The log entry `sequence` of `attempt`, listing `keys` as public.orders' files.
cdc::LogEntry entry(uint64_t sequence, std::string_view attempt,
                    const std::vector<std::string>& keys) {
  cdc::LogEntry result;
  result.sequence = sequence;
  result.slot = "pgexport";
  result.attempt = std::string(attempt);
  result.first_commit_lsn = result.last_commit_lsn = cdc::Lsn(sequence * 0x1000);
  result.end_lsn = cdc::Lsn(sequence * 0x1000 + 0x30);
  result.transactions = 1;
  result.changes = keys.size();
  result.format = "csv";
  result.compression = "zstd";
  cdc::LoggedTable table;
  table.schema = "public";
  table.name = "orders";
  table.key_columns = {"id"};
  table.columns = {{"id", "bigint"}};
  for (const std::string& key : keys) table.files.push_back({key, 1, 5, "00"});
  table.rows = keys.size();
  result.tables = {table};
  return result;
}

// Day 0: batch 1 logged by kLogged; kTwin's files for the same batch; kKilled's early commit
// and open upload of batch 2, and the upload of its log entry; kLive's first file of batch 2;
// and keys that are not pgexport's. Day 2 less an hour: kLive's second file. Now is day 2.
class ChangeCleanupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage.put(file("orders", 1, kLogged), "row 1");
    ASSERT_EQ(cdc::CommitLog(storage).append(entry(1, kLogged, {file("orders", 1, kLogged)})),
              cdc::AppendOutcome::appended);
    storage.put(file("orders", 1, kTwin), "twin");
    storage.put(file("orders", 2, kKilled), "early");
    storage.start_upload(file("items", 2, kKilled));
    storage.start_upload(cdc::log_entry_key(2));
    storage.put(file("orders", 2, kLive), "live");
    storage.put("changes/notes.txt", "the warehouse team's");
    storage.put("changes/public.orders/README", "not a change file");
    storage.start_upload("changes/public.orders/upload-of-someone-else");
    clock.advance(2 * 24h - 1h);
    storage.put(file("items", 2, kLive), "live, young");
    clock.advance(1h);
    journal_before = storage.journal().size();
  }

  CleanupPlan plan(const CleanupPolicy& policy) { return plan_cleanup(storage, policy, clock.now); }

  // "<verb> <key>" per action, sorted: listings have no order.
  static std::vector<std::string> describe(const CleanupPlan& plan) {
    std::vector<std::string> lines;
    for (const auto& action : plan.actions)
      lines.push_back(action_verb(action.kind) + " " + action.key);
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  // Whether anything changed since SetUp (which appended entry 1 through the interface).
  bool unchanged() const { return storage.journal().size() == journal_before; }

  FakeClock clock;
  FakeStorage storage{clock};
  size_t journal_before = 0;
};

TEST_F(ChangeCleanupTest, OrphansOfFinishedAttemptsGoAndEverythingElseStays) {
  const CleanupPlan result = plan(grace(24h));
  EXPECT_EQ(describe(result),
            (std::vector<std::string>{
                "abort pending upload " + cdc::log_entry_key(2),
                "abort pending upload " + file("items", 2, kKilled),
                "remove change file no log entry lists " + file("orders", 1, kTwin),
                "remove change file no log entry lists " + file("orders", 2, kKilled),
            }));
  bool live_noted = false, foreign_noted = false;
  for (const auto& note : result.notes) {
    live_noted |=
        note.find(std::string(kLive)) != note.npos && note.find("within --grace") != note.npos;
    foreign_noted |= note.find("3 objects or uploads under changes/") != note.npos;
  }
  EXPECT_TRUE(live_noted);
  EXPECT_TRUE(foreign_noted);
  EXPECT_EQ(result.log_entries, 1u);
  for (const auto& action : result.actions) {
    EXPECT_TRUE(action.run_id.empty()) << action.key;  // under changes/: no run
    if (action.key == file("orders", 2, kKilled)) {
      EXPECT_EQ(action.attempt, kKilled);
    }
    if (action.key == file("orders", 1, kTwin)) {
      EXPECT_EQ(action.attempt, kTwin);
      EXPECT_NE(action.reason.find("whose entry another attempt wrote"), std::string::npos)
          << action.reason;
    }
  }
  EXPECT_TRUE(unchanged());  // planning reads only

  const CleanupCounts counts =
      execute_cleanup(storage, result, [](const CleanupAction&, bool done) { EXPECT_TRUE(done); });
  EXPECT_EQ(counts.orphan_change_files_removed, 2u);
  EXPECT_EQ(counts.uploads_aborted, 2u);
  EXPECT_EQ(counts.objects_removed, 2u);
  EXPECT_FALSE(storage.has(file("orders", 1, kTwin)));
  EXPECT_FALSE(storage.has(file("orders", 2, kKilled)));
  for (const std::string& kept :
       {file("orders", 1, kLogged), cdc::log_entry_key(1), file("orders", 2, kLive),
        file("items", 2, kLive), std::string("changes/notes.txt"),
        std::string("changes/public.orders/README")}) {
    EXPECT_TRUE(storage.has(kept)) << kept;
  }
  ASSERT_EQ(storage.pending().size(), 1u);
  EXPECT_EQ(storage.pending()[0].key, "changes/public.orders/upload-of-someone-else");
  // Again: nothing is left to do.
  EXPECT_TRUE(plan(grace(24h)).actions.empty());
}

TEST_F(ChangeCleanupTest, AYoungUploadKeepsItsAttemptsOldFilesAlive) {
  storage.start_upload(file("items", 2, kKilled, 1));  // kKilled is writing after all
  const CleanupPlan result = plan(grace(24h));
  for (const auto& action : result.actions) {
    EXPECT_EQ(action.key.find(std::string(kKilled)), std::string::npos) << action.key;
  }
}

TEST_F(ChangeCleanupTest, GraceZeroTakesEveryUnlistedFile) {
  EXPECT_EQ(describe(plan(grace(0s))),
            (std::vector<std::string>{
                "abort pending upload " + cdc::log_entry_key(2),
                "abort pending upload " + file("items", 2, kKilled),
                "remove change file no log entry lists " + file("items", 2, kLive),
                "remove change file no log entry lists " + file("orders", 1, kTwin),
                "remove change file no log entry lists " + file("orders", 2, kKilled),
                "remove change file no log entry lists " + file("orders", 2, kLive),
            }));
}

TEST_F(ChangeCleanupTest, AFileABatchLoggedSincePlanningListsStays) {
  const CleanupPlan result = plan(grace(0s));
  // kLive closes its batch between planning and execution.
  ASSERT_EQ(cdc::CommitLog(storage).append(
                entry(2, kLive, {file("orders", 2, kLive), file("items", 2, kLive)})),
            cdc::AppendOutcome::appended);
  std::vector<std::string> skipped;
  const CleanupCounts counts =
      execute_cleanup(storage, result, [&](const CleanupAction& action, bool done) {
        if (!done) skipped.push_back(action.key);
      });
  std::sort(skipped.begin(), skipped.end());
  EXPECT_EQ(skipped, (std::vector<std::string>{file("items", 2, kLive), file("orders", 2, kLive)}));
  EXPECT_EQ(counts.skipped, 2u);
  EXPECT_TRUE(storage.has(file("orders", 2, kLive)));
  EXPECT_TRUE(storage.has(file("items", 2, kLive)));
  EXPECT_FALSE(storage.has(file("orders", 2, kKilled)));
}

TEST_F(ChangeCleanupTest, ADamagedLogStopsCleanupBeforeAnything) {
  storage.put(cdc::log_entry_key(3), "{}");  // entry 2 is missing: a gap
  try {
    plan(grace(0s));
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_error);
    EXPECT_NE(std::string(error.what()).find("gap"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(unchanged());
}

TEST(ChangeFileKeys, OnlyKeysChangeCaptureWritesParse) {
  auto name = cdc::parse_change_file_key(file("orders", 12, kLogged, 3));
  ASSERT_TRUE(name);
  EXPECT_EQ(name->table_directory, "public.orders");
  EXPECT_EQ(name->sequence, 12u);
  EXPECT_EQ(name->attempt, kLogged);
  EXPECT_TRUE(
      cdc::parse_change_file_key(cdc::change_file_key("a.b", "c", 1, kLogged, 1000, "jsonl")));
  for (std::string_view other :
       {"changes/_log/00000000000000000001.json", "changes/notes.txt",
        "changes/public.orders/README", "changes/public.orders/1-aaaaaaaaaaaa-000.csv",
        "changes/public.orders/00000000000000000001-aaaaaaaaaaaa-00.csv",
        "changes/public.orders/00000000000000000001-aaaaaaaaaaaa-000",
        "changes/public.orders/00000000000000000001--000.csv",
        "changes/public.orders/00000000000000000001-aa/aa-000.csv",
        "changes/orders/00000000000000000001-aaaaaaaaaaaa-000.csv",
        "runs/r1/public.orders/00000000000000000001-aaaaaaaaaaaa-000.csv"}) {
    EXPECT_FALSE(cdc::parse_change_file_key(other)) << other;
  }
}

TEST_F(ChangeCleanupTest, OrphansInDeltaChangeTablesGoAndTheirTablesStay) {
  const std::string logged =
      cdc::delta_change_file_key("public", "items", 1, kLogged, 0, "parquet");
  const std::string orphan =
      cdc::delta_change_file_key("public", "items", 2, kKilled, 0, "parquet");
  const std::string pending =
      cdc::delta_change_file_key("public", "items", 2, kKilled, 1, "parquet");
  storage.put(logged, "listed");
  storage.put(orphan, "killed");
  storage.start_upload(pending);
  storage.put("tables/public.items.changes/_delta_log/00000000000000000000.json", "{}");
  storage.put("tables/public.items/run-base-aaaaaaaaaaaa/part-00000-000.parquet", "table data");
  // The log lists `logged`: entry 2 of kLogged's.
  cdc::LogEntry second = entry(2, kLogged, {});
  second.tables[0].name = "items";
  second.tables[0].files = {{logged, 1, 6, "00"}};
  second.changes = 1;
  second.tables[0].rows = 1;
  ASSERT_EQ(cdc::CommitLog(storage).append(second), cdc::AppendOutcome::appended);
  clock.advance(2 * 24h);
  const std::vector<std::string> actions = describe(plan(grace(24h)));
  EXPECT_NE(
      std::find(actions.begin(), actions.end(), "remove change file no log entry lists " + orphan),
      actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "abort pending upload " + pending),
            actions.end());
  for (const std::string& action : actions) {
    EXPECT_EQ(action.find(logged), std::string::npos) << action;
    EXPECT_EQ(action.find("_delta_log"), std::string::npos) << action;
    EXPECT_EQ(action.find("tables/public.items/"), std::string::npos) << action;
  }
}

}  // namespace
}  // namespace pgexport::housekeeping
