// Delta checkpoints: the content built from a table state (read back column by column), the
// interval and tombstone retention rules, _last_checkpoint moving forward only, and read_log()
// from a checkpoint plus later entries giving the state a replay of every JSON entry gives,
// on a real directory, also after the entries before the checkpoint are deleted.
#include "table/delta/delta_checkpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.hpp"
#include "format/parquet/nested_column_reader.hpp"
#include "storage/local/local_storage.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_checkpoint_reader.hpp"
#include "table/delta/delta_commit.hpp"

namespace pgexport::table::delta {
namespace {

using nlohmann::json;

const std::string kRoot = "tables/public.t/";
constexpr int64_t kNow = 1'800'000'000'000;  // milliseconds since the epoch
constexpr int64_t kDay = 24LL * 3600 * 1000;

template <typename Action>
ErrorKind kind_of(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.kind();
  }
  return ErrorKind::internal;
}

LogState sample_state() {
  LogState state;
  state.version = 10;
  state.protocol = {{"minReaderVersion", 3},
                    {"minWriterVersion", 7},
                    {"readerFeatures", {"timestampNtz"}},
                    {"writerFeatures", {"timestampNtz"}}};
  state.metadata = {{"id", "table-id"},
                    {"format", {{"provider", "parquet"}, {"options", json::object()}}},
                    {"schemaString", R"({"type":"struct","fields":[]})"},
                    {"partitionColumns", json::array()},
                    {"configuration", {{"delta.checkpointInterval", "5"}}},
                    {"createdTime", 1234}};
  state.txn = {{"pgexport-public.t", 10}, {"other-app", 3}};
  for (const char* path : {"run-a/part-0.parquet", "run-a/part-1.parquet"}) {
    json add = {{"path", path},
                {"partitionValues", json::object()},
                {"size", 100},
                {"modificationTime", 5678},
                {"dataChange", true},
                {"stats", R"({"numRecords":3})"},
                {"tags", {{"pgexport.sha256", "ab"}, {"pgexport.runId", "run-a"}}}};
    state.files[path] = LiveFile{path, 100, add};
  }
  state.tombstones["old/part-0.parquet"] = {
      {"path", "old/part-0.parquet"}, {"deletionTimestamp", kNow - 8 * kDay}, {"dataChange", true},
      {"extendedFileMetadata", true}, {"partitionValues", json::object()},    {"size", 7}};
  state.tombstones["recent/part-0.parquet"] = {
      {"path", "recent/part-0.parquet"}, {"deletionTimestamp", kNow - kDay},  {"dataChange", true},
      {"extendedFileMetadata", true},    {"partitionValues", json::object()}, {"size", 9}};
  return state;
}

TEST(DeltaCheckpoint, HoldsOneRowPerActionAndReadsBackAsTheState) {
  const LogState state = sample_state();
  const CheckpointFile file = build_checkpoint(state, kNow);
  // protocol, metaData, 2 txn, 2 add, 1 unexpired tombstone (the 8-day-old one expired).
  EXPECT_EQ(file.actions, 7);
  EXPECT_EQ(file.add_files, 2);
  const LogState read = read_checkpoint(file.bytes, 10, "v10");
  EXPECT_EQ(read.version, 10);
  EXPECT_EQ(read.checkpoint_version, 10);
  EXPECT_EQ(read.protocol, state.protocol);
  EXPECT_EQ(read.metadata, state.metadata);
  EXPECT_EQ(read.txn, state.txn);
  ASSERT_EQ(read.files.size(), 2u);
  for (const auto& [path, live] : state.files) {
    EXPECT_EQ(read.files.at(path).size, live.size);
    EXPECT_EQ(read.files.at(path).add, live.add) << path;
  }
  ASSERT_EQ(read.tombstones.size(), 1u);
  EXPECT_EQ(read.tombstones.at("recent/part-0.parquet"),
            state.tombstones.at("recent/part-0.parquet"));
  // The live files' run tag says which run made (at most) this version.
  EXPECT_EQ(read.runs.at("run-a"), 10);
}

// PROTOCOL.md, "Checkpoint Schema": readerFeatures must be non-NULL for reader version 3 and
// writerFeatures for writer version 7, and NULL below those versions.
TEST(DeltaCheckpoint, FeatureListsAreNullExactlyBelowTheirVersions) {
  auto features = [](const LogState& state, const char* column) {
    format::parquet::NestedColumnReader reader(build_checkpoint(state, kNow).bytes);
    std::vector<format::parquet::NestedColumnReader::Entries> rows =
        reader.repeated_column({"protocol", column, "list", "element"});
    auto protocol_row = reader.column({"protocol", "minReaderVersion"});
    for (size_t r = 0; r < rows.size(); ++r) {
      if (protocol_row[r]) return rows[r];
    }
    ADD_FAILURE() << "no protocol row";
    return format::parquet::NestedColumnReader::Entries();
  };
  using List = std::vector<format::parquet::NestedColumnReader::Value>;
  LogState state = sample_state();
  EXPECT_EQ(features(state, "readerFeatures"), List{"timestampNtz"});
  EXPECT_EQ(features(state, "writerFeatures"), List{"timestampNtz"});
  state.protocol = {
      {"minReaderVersion", 1}, {"minWriterVersion", 7}, {"writerFeatures", json::array()}};
  EXPECT_EQ(features(state, "readerFeatures"), std::nullopt);
  EXPECT_EQ(features(state, "writerFeatures"), List{});
  state.protocol = {{"minReaderVersion", 1}, {"minWriterVersion", 2}};
  EXPECT_EQ(features(state, "readerFeatures"), std::nullopt);
  EXPECT_EQ(features(state, "writerFeatures"), std::nullopt);
  const LogState read = read_checkpoint(build_checkpoint(state, kNow).bytes, 10, "v10");
  EXPECT_EQ(read.protocol, state.protocol);
}

TEST(DeltaCheckpoint, IntervalComesFromTheConfiguration) {
  LogState state = sample_state();
  EXPECT_EQ(checkpoint_interval(state.metadata), 5);
  state.version = 10;
  state.checkpoint_version = 5;
  EXPECT_TRUE(checkpoint_due(state));
  // A version after a multiple that got no checkpoint writes the missing one ...
  state.version = 11;
  EXPECT_TRUE(checkpoint_due(state));
  // ... and once it exists, the next is due at the next multiple.
  state.checkpoint_version = 11;
  EXPECT_FALSE(checkpoint_due(state));
  state.version = 14;
  EXPECT_FALSE(checkpoint_due(state));
  state.version = 15;
  EXPECT_TRUE(checkpoint_due(state));
  state.metadata["configuration"] = json::object();
  EXPECT_EQ(checkpoint_interval(state.metadata), kDefaultCheckpointInterval);
  state.checkpoint_version = -1;
  state.version = 99;
  EXPECT_FALSE(checkpoint_due(state));
  state.version = 100;
  EXPECT_TRUE(checkpoint_due(state));
  state.metadata["configuration"]["delta.checkpointInterval"] = "zero";
  EXPECT_EQ(checkpoint_interval(state.metadata), kDefaultCheckpointInterval);
  state.version = 0;
  EXPECT_FALSE(checkpoint_due(state));  // version 0 is its own entry
}

TEST(DeltaCheckpoint, TombstoneRetentionReadsSparksIntervals) {
  json metadata = {{"configuration", json::object()}};
  EXPECT_EQ(tombstone_retention_millis(metadata), 7 * kDay);
  metadata["configuration"]["delta.deletedFileRetentionDuration"] = "interval 2 days";
  EXPECT_EQ(tombstone_retention_millis(metadata), 2 * kDay);
  metadata["configuration"]["delta.deletedFileRetentionDuration"] = "interval 3 HOURS";
  EXPECT_EQ(tombstone_retention_millis(metadata), 3 * 3600 * 1000);
  metadata["configuration"]["delta.deletedFileRetentionDuration"] = "1 fortnight";
  EXPECT_EQ(tombstone_retention_millis(metadata), std::nullopt);
  // Unreadable: every tombstone is kept.
  LogState state = sample_state();
  state.metadata["configuration"]["delta.deletedFileRetentionDuration"] = "1 fortnight";
  EXPECT_EQ(build_checkpoint(state, kNow).actions, 8);
}

class DeltaCheckpointOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("pgexport-checkpoint-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(DeltaCheckpointOnDisk, LastCheckpointNeverMovesBackward) {
  storage::LocalStorage storage(root_);
  const std::string key = last_checkpoint_key(kRoot);
  EXPECT_TRUE(advance_last_checkpoint(storage, kRoot, 5, R"({"version":5,"size":1})"));
  EXPECT_FALSE(advance_last_checkpoint(storage, kRoot, 3, R"({"version":3,"size":1})"));
  EXPECT_FALSE(advance_last_checkpoint(storage, kRoot, 5, R"({"version":5,"size":2})"));
  EXPECT_EQ(json::parse(*storage.read(key)), json::parse(R"({"version":5,"size":1})"));
  EXPECT_TRUE(advance_last_checkpoint(storage, kRoot, 10, R"({"version":10,"size":1})"));
  EXPECT_EQ(json::parse(*storage.read(key)).at("version"), 10);
}

TableCommit commit_of(const std::string& run_id, int number) {
  TableCommit commit;
  commit.root = kRoot;
  commit.display_name = "public.t";
  commit.schema_string = "S";
  commit.description = {kNow + number, run_id, "att", "2026-12-01T00:00:00.000Z"};
  for (int i = 0; i < 2; ++i) {
    AddedFile added;
    added.path = "run-" + run_id + "/part-" + std::to_string(i) + ".parquet";
    added.size = static_cast<uint64_t>(10 + number + i);
    added.modification_time = kNow + number;
    added.rows = 1;
    added.sha256_hex = "00";
    added.run_id = run_id;
    commit.files.push_back(added);
  }
  return commit;
}

// Every JSON entry replayed from version 0, without any checkpoint.
LogState replay_json(storage::Storage& storage, int64_t newest) {
  LogState state;
  for (int64_t v = 0; v <= newest; ++v) {
    apply_entry(state, v, *storage.read(log_entry_key(kRoot, v)), "v");
  }
  return state;
}

void expect_same_table(const LogState& actual, const LogState& expected) {
  EXPECT_EQ(actual.version, expected.version);
  EXPECT_EQ(actual.protocol, expected.protocol);
  EXPECT_EQ(actual.metadata, expected.metadata);
  EXPECT_EQ(actual.txn, expected.txn);
  ASSERT_EQ(actual.files.size(), expected.files.size());
  for (const auto& [path, live] : expected.files) {
    ASSERT_EQ(actual.files.count(path), 1u) << path;
    EXPECT_EQ(actual.files.at(path).add, live.add) << path;
  }
  EXPECT_EQ(actual.tombstones, expected.tombstones);
}

// A directory whose writes of keys containing `broken` fail, as a denied or lost request does.
class BreakingStorage final : public storage::Storage {
 public:
  BreakingStorage(storage::Storage& inner, std::string broken)
      : inner_(inner), broken_(std::move(broken)) {}
  std::string describe() const override { return inner_.describe(); }
  void check_writable() override { inner_.check_writable(); }
  bool supports_conditional_writes() const override { return true; }
  std::unique_ptr<storage::ObjectWriter> create(const std::string& key) override {
    refuse(key);
    return inner_.create(key);
  }
  storage::ConditionalWrite create_if_absent(const std::string& key,
                                             std::string_view bytes) override {
    refuse(key);
    return inner_.create_if_absent(key, bytes);
  }
  storage::ConditionalWrite replace_if_unchanged(const std::string& key, std::string_view bytes,
                                                 const std::string& version) override {
    refuse(key);
    return inner_.replace_if_unchanged(key, bytes, version);
  }
  std::optional<std::string> read(const std::string& key) override { return inner_.read(key); }
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
  void refuse(const std::string& key) {
    if (key.find(broken_) != std::string::npos) {
      fail(ErrorKind::storage_error, "PUT {} failed: 403 AccessDenied", key);
    }
  }
  storage::Storage& inner_;
  std::string broken_;
};

// Version 0 of a table as another writer made it, with configuration `interval`.
void create_with_interval(storage::Storage& storage, const std::filesystem::path& directory,
                          const TableCommit& first, int interval) {
  commit_table(storage, first, "app");
  std::string entry0 = *storage.read(log_entry_key(kRoot, 0));
  std::filesystem::remove(directory / log_entry_key(kRoot, 0));
  const std::string needle = R"("configuration":{})";
  entry0.replace(
      entry0.find(needle), needle.size(),
      R"("configuration":{"delta.checkpointInterval":")" + std::to_string(interval) + R"("})");
  ASSERT_EQ(storage.create_if_absent(log_entry_key(kRoot, 0), entry0),
            storage::ConditionalWrite::written);
}

TEST_F(DeltaCheckpointOnDisk, ReadingFromTheCheckpointEqualsReplayingEveryEntry) {
  storage::LocalStorage storage(root_);
  // Version 0 as another writer made it, with a checkpoint interval of 3, which pgexport keeps.
  create_with_interval(storage, root_, commit_of("r0", 0), 3);
  for (int n = 1; n <= 7; ++n) {
    EXPECT_EQ(commit_table(storage, commit_of("r" + std::to_string(n), n), "app"), n);
  }
  // Checkpoints at 3 and 6; _last_checkpoint names 6.
  EXPECT_TRUE(storage.read(checkpoint_key(kRoot, 3)));
  EXPECT_TRUE(storage.read(checkpoint_key(kRoot, 6)));
  EXPECT_FALSE(storage.read(checkpoint_key(kRoot, 7)));
  const json pointer = json::parse(*storage.read(last_checkpoint_key(kRoot)));
  EXPECT_EQ(pointer.at("version"), 6);
  EXPECT_EQ(pointer.at("size"), 1 + 1 + 1 + 2 + 12);  // protocol, metaData, txn, 2 add, 12 removes
  EXPECT_EQ(pointer.at("numOfAddFiles"), 2);
  EXPECT_EQ(pointer.at("sizeInBytes"), storage.read(checkpoint_key(kRoot, 6))->size());

  const LogState everything = replay_json(storage, 7);
  EXPECT_EQ(everything.metadata.at("configuration").at("delta.checkpointInterval"), "3");
  const LogState from_checkpoint = read_log(storage, kRoot);
  EXPECT_EQ(from_checkpoint.checkpoint_version, 6);
  expect_same_table(from_checkpoint, everything);

  // The log's retention deletes the entries before the checkpoint: still the same table,
  // still writable, and the runs of versions 6 and 7 are still refused.
  for (int v = 0; v < 6; ++v) std::filesystem::remove(root_ / log_entry_key(kRoot, v));
  expect_same_table(read_log(storage, kRoot), everything);
  EXPECT_EQ(kind_of([&] { commit_table(storage, commit_of("r7", 9), "app"); }),
            ErrorKind::run_exists);
  EXPECT_EQ(kind_of([&] { commit_table(storage, commit_of("r6", 9), "app"); }),
            ErrorKind::run_exists);
  // Without version 6's entry too, its run is known from the checkpoint's tags.
  std::filesystem::remove(root_ / log_entry_key(kRoot, 6));
  EXPECT_EQ(kind_of([&] { commit_table(storage, commit_of("r6", 9), "app"); }),
            ErrorKind::run_exists);
  // Back: a new run commits version 8 on top of checkpoint 6 and entry 7.
  std::filesystem::remove(root_ / checkpoint_key(kRoot, 3));
  storage.create_if_absent(log_entry_key(kRoot, 6), "");  // keep the entries contiguous
  EXPECT_EQ(commit_table(storage, commit_of("r8", 8), "app"), 8);
  const LogState after = read_log(storage, kRoot);
  EXPECT_EQ(after.version, 8);
  EXPECT_EQ(after.txn.at("app"), 9);
  EXPECT_EQ(after.files.count("run-r8/part-0.parquet"), 1u);
  EXPECT_EQ(after.files.size(), 2u);
}

TEST_F(DeltaCheckpointOnDisk, AFailedCheckpointLeavesTheCommitAndTheNextRunWritesIt) {
  storage::LocalStorage directory(root_);
  create_with_interval(directory, root_, commit_of("r0", 0), 2);
  BreakingStorage no_checkpoints(directory, ".checkpoint.");
  EXPECT_EQ(commit_table(no_checkpoints, commit_of("r1", 1), "app"), 1);
  EXPECT_EQ(commit_table(no_checkpoints, commit_of("r2", 2), "app"), 2);  // due, and fails
  EXPECT_TRUE(directory.read(log_entry_key(kRoot, 2)));
  EXPECT_FALSE(directory.read(checkpoint_key(kRoot, 2)));
  EXPECT_FALSE(directory.read(last_checkpoint_key(kRoot)));
  // The next run writes the checkpoint the failed one did not.
  EXPECT_EQ(commit_table(directory, commit_of("r3", 3), "app"), 3);
  EXPECT_TRUE(directory.read(checkpoint_key(kRoot, 3)));
  EXPECT_EQ(json::parse(*directory.read(last_checkpoint_key(kRoot))).at("version"), 3);
  // A pointer that cannot be moved is not a failure either; the checkpoint file stands.
  BreakingStorage no_pointer(directory, "_last_checkpoint");
  EXPECT_EQ(commit_table(no_pointer, commit_of("r4", 4), "app"), 4);
  EXPECT_TRUE(directory.read(checkpoint_key(kRoot, 4)));
  EXPECT_EQ(json::parse(*directory.read(last_checkpoint_key(kRoot))).at("version"), 3);
  EXPECT_EQ(read_log(directory, kRoot).checkpoint_version, 4);
}

TEST(DeltaReplayPlan, StartsAtTheNewestUsableCheckpoint) {
  auto entry = [](int64_t v) { return log_entry_key(kRoot, v); };
  auto plan = plan_replay({entry(5), entry(6), entry(7), checkpoint_key(kRoot, 5),
                           checkpoint_key(kRoot, 7), last_checkpoint_key(kRoot)},
                          kRoot);
  EXPECT_EQ(plan.checkpoint, 7);
  EXPECT_TRUE(plan.versions.empty());
  EXPECT_TRUE(plan.checkpoint_entry);
  // A checkpoint followed by a gap is not usable, and nothing else covers the gap.
  EXPECT_EQ(kind_of([&] {
              plan_replay({entry(0), entry(2), checkpoint_key(kRoot, 0)}, kRoot);
            }),
            ErrorKind::verification_failed);
  plan = plan_replay({entry(0), entry(1), entry(2)}, kRoot);
  EXPECT_FALSE(plan.checkpoint);
  EXPECT_EQ(plan.versions, (std::vector<int64_t>{0, 1, 2}));
  // Multi-part and V2 checkpoints are not read: a log that needs one is refused.
  const std::string prefix = log_prefix(kRoot);
  EXPECT_EQ(kind_of([&] {
              plan_replay(
                  {entry(10), entry(11),
                   prefix + "00000000000000000010.checkpoint.0000000001.0000000002.parquet",
                   prefix + "00000000000000000010.checkpoint.0000000002.0000000002.parquet"},
                  kRoot);
            }),
            ErrorKind::destination_unwritable);
  EXPECT_EQ(
      kind_of([&] {
        plan_replay(
            {entry(10),
             prefix + "00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json"},
            kRoot);
      }),
      ErrorKind::destination_unwritable);
  // ... but a log whose entries are all there is read from them.
  plan = plan_replay({entry(0), entry(1),
                      prefix + "00000000000000000001.checkpoint.0000000001.0000000002.parquet"},
                     kRoot);
  EXPECT_EQ(plan.versions, (std::vector<int64_t>{0, 1}));
}

}  // namespace
}  // namespace pgexport::table::delta
