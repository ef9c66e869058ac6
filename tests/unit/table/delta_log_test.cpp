// Replaying a Delta log and committing to it: the live files after add and remove, the txn and
// run bookkeeping, the next entry's content, and the create-once commit against a real
// directory (a second writer of the same version loses; a run already in the log is refused).
#include "table/delta/delta_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.hpp"
#include "storage/local/local_storage.hpp"
#include "table/delta/delta_commit.hpp"

namespace pgexport::table::delta {
namespace {

const std::string kRoot = "tables/public.t/";

template <typename Action>
ErrorKind kind_of(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.kind();
  }
  return ErrorKind::internal;
}

TEST(DeltaLog, RemoveTakesAFileOutOfTheLiveSet) {
  LogState state;
  apply_entry(state, 0,
              R"({"add":{"path":"a.parquet","size":10}})"
              "\n"
              R"({"add":{"path":"b.parquet","size":20}})"
              "\n",
              "v0");
  apply_entry(state, 1,
              R"({"remove":{"path":"a.parquet"}})"
              "\n"
              R"({"add":{"path":"c.parquet","size":30}})"
              "\n"
              R"({"txn":{"appId":"pgexport-public.t","version":7}})"
              "\n"
              R"({"commitInfo":{"pgexport":{"runId":"r2"}}})",
              "v1");
  EXPECT_EQ(state.version, 1);
  ASSERT_EQ(state.files.size(), 2u);
  EXPECT_EQ(state.files.count("a.parquet"), 0u);
  EXPECT_EQ(state.files.at("c.parquet").size, 30u);
  EXPECT_EQ(state.txn.at("pgexport-public.t"), 7);
  EXPECT_EQ(state.runs.at("r2"), 1);
}

TEST(DeltaLog, ABrokenLineIsNamed) {
  LogState state;
  try {
    apply_entry(state, 0, "{\"add\":{}}\n", "tables/public.t/_delta_log/0.json");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::verification_failed);
    EXPECT_NE(std::string(error.what()).find("0.json line 1"), std::string::npos);
  }
}

TEST(DeltaLog, VersionsMustStartAtZeroWithoutGaps) {
  auto key = [](int64_t v) { return log_entry_key(kRoot, v); };
  EXPECT_EQ(listed_versions({key(1), key(0), kRoot + "_delta_log/_commits/x"}, kRoot),
            (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(kind_of([&] {
              listed_versions({key(0), key(2)}, kRoot);
            }),
            ErrorKind::verification_failed);
  EXPECT_EQ(kind_of([&] {
              listed_versions(
                  {key(10), kRoot + "_delta_log/00000000000000000010.checkpoint.parquet"}, kRoot);
            }),
            ErrorKind::destination_unwritable);
}

TEST(DeltaLog, FeaturesPgexportLacksAreRefused) {
  LogState state;
  state.version = 0;
  state.protocol = {{"minReaderVersion", 3},
                    {"minWriterVersion", 7},
                    {"writerFeatures", {"timestampNtz", "deletionVectors"}}};
  state.metadata = {{"configuration", nlohmann::json::object()}};
  EXPECT_EQ(kind_of([&] { check_writable(state, kRoot); }), ErrorKind::destination_unwritable);
  state.protocol["writerFeatures"] = {"timestampNtz"};
  EXPECT_NO_THROW(check_writable(state, kRoot));
  state.metadata = {{"configuration", {{"delta.appendOnly", "true"}}}};
  EXPECT_EQ(kind_of([&] { check_writable(state, kRoot); }), ErrorKind::destination_unwritable);
  state.metadata = nullptr;  // a log without metaData is not a table
  EXPECT_EQ(kind_of([&] { check_writable(state, kRoot); }), ErrorKind::verification_failed);
  state.metadata = {{"configuration", {{"delta.appendOnly", "true"}}}};
  EXPECT_EQ(kind_of([&] { check_writable(state, kRoot); }), ErrorKind::destination_unwritable);
}

TableCommit commit_of(std::string run_id, std::string schema_string, std::string file) {
  TableCommit commit;
  commit.root = kRoot;
  commit.display_name = "public.t";
  commit.schema_string = std::move(schema_string);
  commit.description = {1000, std::move(run_id), "att", "2026-12-01T00:00:00.000Z"};
  AddedFile added;
  added.path = std::move(file);
  added.size = 5;
  added.rows = 1;
  commit.files.push_back(added);
  return commit;
}

TEST(DeltaCommit, VersionZeroCreatesTheTable) {
  LogState empty;
  std::string text = build_entry(empty, commit_of("r1", "S1", "f1.parquet"), "app", "the-id");
  LogState state;
  apply_entry(state, 0, text, "v0");
  EXPECT_EQ(state.protocol.at("minWriterVersion"), 2);
  EXPECT_EQ(state.metadata.at("id"), "the-id");
  EXPECT_EQ(state.metadata.at("schemaString"), "S1");
  EXPECT_EQ(state.txn.at("app"), 1);
  EXPECT_EQ(state.runs.at("r1"), 0);
  ASSERT_EQ(state.files.size(), 1u);
  EXPECT_EQ(state.files.begin()->first, "f1.parquet");
}

TEST(DeltaCommit, ALaterRunReplacesTheLiveFilesAndKeepsTheSchemaUnlessItChanged) {
  LogState state;
  apply_entry(state, 0, build_entry(state, commit_of("r1", "S1", "f1.parquet"), "app", "id"), "v0");
  std::string same = build_entry(state, commit_of("r2", "S1", "f2.parquet"), "app", "other");
  EXPECT_EQ(same.find("metaData"), std::string::npos);
  EXPECT_EQ(same.find("protocol"), std::string::npos);
  EXPECT_NE(same.find(R"({"remove":{"path":"f1.parquet")"), std::string::npos);
  apply_entry(state, 1, same, "v1");
  EXPECT_EQ(state.files.size(), 1u);
  EXPECT_EQ(state.files.count("f2.parquet"), 1u);
  EXPECT_EQ(state.txn.at("app"), 2);

  // A new column: the overwrite carries a new metaData with the table's id kept, and a
  // timestamp_ntz column raises the protocol.
  auto changed = commit_of("r3", "S2", "f3.parquet");
  changed.timestamp_ntz = true;
  apply_entry(state, 2, build_entry(state, changed, "app", "other"), "v2");
  EXPECT_EQ(state.metadata.at("schemaString"), "S2");
  EXPECT_EQ(state.metadata.at("id"), "id");
  EXPECT_EQ(state.protocol.at("minReaderVersion"), 3);
  EXPECT_EQ(state.protocol.at("writerFeatures"), nlohmann::json::array({"timestampNtz"}));
}

class DeltaCommitOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("pgexport-delta-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(DeltaCommitOnDisk, VersionsFollowEachOther) {
  storage::LocalStorage storage(root_);
  EXPECT_EQ(commit_table(storage, commit_of("r1", "S", "f1.parquet"), "app"), 0);
  EXPECT_EQ(commit_table(storage, commit_of("r2", "S", "f2.parquet"), "app"), 1);
  auto state = read_log(storage, kRoot);
  EXPECT_EQ(state.version, 1);
  EXPECT_EQ(state.files.size(), 1u);
  EXPECT_EQ(state.files.count("f2.parquet"), 1u);
}

TEST_F(DeltaCommitOnDisk, ASecondWriterOfTheSameVersionLosesAndChangesNothing) {
  storage::LocalStorage storage(root_);
  commit_table(storage, commit_of("r1", "S", "f1.parquet"), "app");
  const std::string other = "{\"commitInfo\":{\"operation\":\"OPTIMIZE\"}}\n";
  ASSERT_EQ(storage.create_if_absent(log_entry_key(kRoot, 1), other),
            storage::ConditionalWrite::written);
  // This writer read the log before the other one committed version 1.
  LogState before;
  apply_entry(before, 0, *storage.read(log_entry_key(kRoot, 0)), "v0");
  const std::string ours = build_entry(before, commit_of("r2", "S", "f2.parquet"), "app", "x");
  EXPECT_EQ(storage.create_if_absent(log_entry_key(kRoot, 1), ours),
            storage::ConditionalWrite::condition_failed);
  EXPECT_EQ(*storage.read(log_entry_key(kRoot, 1)), other);
}

TEST_F(DeltaCommitOnDisk, ARunAlreadyInTheLogIsNotAppliedTwice) {
  storage::LocalStorage storage(root_);
  commit_table(storage, commit_of("r1", "S", "f1.parquet"), "app");
  EXPECT_EQ(kind_of([&] { commit_table(storage, commit_of("r1", "S", "f9.parquet"), "app"); }),
            ErrorKind::run_exists);
  EXPECT_EQ(read_log(storage, kRoot).version, 0);
}

}  // namespace
}  // namespace pgexport::table::delta
