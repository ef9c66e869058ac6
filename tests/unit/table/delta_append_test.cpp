// Appends to a Delta change table, one version per batch, on a real directory: checkpoints at
// the table's interval hold every appended file, and a batch is never appended twice, also
// after the entries before a checkpoint are gone.
#include "table/delta/delta_append.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "storage/local/local_storage.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_checkpoint.hpp"
#include "table/delta/delta_log.hpp"

namespace pgexport::table::delta {
namespace {

const std::string kRoot = "tables/public.t.changes/";
const std::string kApp = "pgexport-changes-public.t";
constexpr int64_t kNow = 1'764'547'200'000;

TableAppend batch(int64_t number) {
  TableAppend append;
  append.root = kRoot;
  append.display_name = "public.t changes";
  append.schema_string = R"({"type":"struct","fields":[]})";
  append.app_id = kApp;
  append.batch = number;
  append.timestamp = kNow + number;
  if (number > 0) {
    AddedFile file;
    file.path = "batch-" + std::to_string(number) + ".parquet";
    file.size = 100 + static_cast<uint64_t>(number);
    file.modification_time = kNow + number;
    file.rows = 1;
    file.sha256_hex = "00";
    append.files.push_back(file);
  }
  return append;
}

class DeltaAppendOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("pgexport-append-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(DeltaAppendOnDisk, ChangeTablesGetCheckpointsHoldingEveryAppendedFile) {
  storage::LocalStorage storage(root_);
  LogState state;
  ASSERT_EQ(append_batch(storage, batch(0), state), AppendResult::appended);
  // Version 1: another writer sets the table's checkpoint interval (Spark's ALTER TABLE ...
  // SET TBLPROPERTIES writes a metaData with the new configuration).
  nlohmann::json metadata = state.metadata;
  metadata["configuration"] = {{"delta.checkpointInterval", "4"}};
  ASSERT_EQ(storage.create_if_absent(log_entry_key(kRoot, 1),
                                     nlohmann::json{{"metaData", metadata}}.dump() + "\n"),
            storage::ConditionalWrite::written);

  state = read_append_state(storage, kRoot, kApp);
  // Batches 1 to 8 are versions 2 to 9.
  for (int64_t n = 1; n <= 8; ++n) {
    ASSERT_EQ(append_batch(storage, batch(n), state), AppendResult::appended) << n;
  }
  EXPECT_TRUE(storage.read(checkpoint_key(kRoot, 4)));
  EXPECT_TRUE(storage.read(checkpoint_key(kRoot, 8)));
  EXPECT_FALSE(storage.read(checkpoint_key(kRoot, 9)));

  // Entries 0 to 7 cleaned up: the checkpoint at 8 and entry 9 are the table, with all 8 files.
  for (int v = 0; v < 8; ++v) std::filesystem::remove(root_ / log_entry_key(kRoot, v));
  const LogState table = read_log(storage, kRoot);
  EXPECT_EQ(table.checkpoint_version, 8);
  EXPECT_EQ(table.version, 9);
  EXPECT_EQ(table.files.size(), 8u);
  EXPECT_EQ(table.txn.at(kApp), 8);
  EXPECT_EQ(table.metadata.at("configuration").at("delta.checkpointInterval"), "4");

  // A batch already held is not appended again; the next one is.
  LogState again = read_append_state(storage, kRoot, kApp);
  EXPECT_EQ(append_batch(storage, batch(8), again), AppendResult::already_held);
  EXPECT_EQ(append_batch(storage, batch(9), again), AppendResult::appended);
  EXPECT_EQ(read_log(storage, kRoot).files.size(), 9u);
}

TEST_F(DeltaAppendOnDisk, ASchemaChangeKeepsTheTablesConfiguration) {
  storage::LocalStorage storage(root_);
  LogState state;
  state.version = 0;
  state.protocol = {{"minReaderVersion", 1}, {"minWriterVersion", 2}};
  state.metadata = {{"id", "table-id"},
                    {"schemaString", "old"},
                    {"createdTime", kNow},
                    {"configuration", {{"delta.checkpointInterval", "7"}}}};
  TableAppend changed = batch(1);
  changed.schema_string = "new";
  LogState applied;
  apply_entry(applied, 0, build_append_entry(state, changed, "unused"), "entry");
  EXPECT_EQ(applied.metadata.at("schemaString"), "new");
  EXPECT_EQ(applied.metadata.at("id"), "table-id");
  EXPECT_EQ(applied.metadata.at("configuration").at("delta.checkpointInterval"), "7");
}

}  // namespace
}  // namespace pgexport::table::delta
