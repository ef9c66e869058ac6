// Delta change tables: which logged entries a start publishes given what the change tables
// hold, the text of an append, schema versions as new metaData, and publishing against a real
// directory (a crash between the log entry and the append, a twin that appended first, another
// writer that took the version).
#include "cdc/delta_change_tables.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "cdc/layout.hpp"
#include "common/error.hpp"
#include "storage/local/local_storage.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_append.hpp"
#include "table/delta/delta_log.hpp"

namespace pgexport::cdc {
namespace {

using nlohmann::json;

ErrorKind kind_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.kind();
  }
  return ErrorKind::internal;
}

BaseRun delta_base() {
  BaseRun base;
  base.run_id = "base";
  base.manifest_key = "runs/base/_manifest.json";
  base.format = "parquet";
  base.compression = "snappy";
  base.slot = "pgexport";
  base.consistent_point = Lsn::parse("0/1000");
  BaseTable items;
  items.schema = "public";
  items.name = "items";
  items.key_columns = {"id"};
  items.columns = {{"id", "bigint"}, {"label", "text"}};
  items.column_outputs = {json(), json()};
  items.column_base_types = {"bigint", "text"};
  items.delta_table = "tables/public.items/";
  BaseTable notes = items;
  notes.name = "notes";
  notes.delta_table = "tables/public.notes/";
  base.tables = {items, notes};
  return base;
}

LoggedTable logged(const std::string& name, uint64_t sequence, uint64_t rows,
                   std::vector<LoggedColumn> columns = {{"id", "bigint"}, {"label", "text"}}) {
  LoggedTable table;
  table.schema = "public";
  table.name = name;
  table.key_columns = {"id"};
  table.columns = std::move(columns);
  table.rows = rows;
  table.files.push_back({delta_change_file_key("public", name, sequence, "a1b2c3", 0, "parquet"),
                         rows, 100 + rows, std::string(64, 'f')});
  return table;
}

LogEntry entry_of(uint64_t sequence, std::vector<LoggedTable> tables) {
  LogEntry entry;
  entry.sequence = sequence;
  entry.slot = "pgexport";
  entry.attempt = "a1b2c3";
  entry.first_commit_lsn = Lsn::parse(fmt::format("0/{:X}", 0x2000 + sequence * 16));
  entry.last_commit_lsn = entry.first_commit_lsn;
  entry.end_lsn = Lsn::parse(fmt::format("0/{:X}", 0x2008 + sequence * 16));
  entry.transactions = tables.empty() ? 0 : 1;
  for (const auto& table : tables) entry.changes += table.rows;
  entry.format = "parquet";
  entry.compression = "snappy";
  entry.tables = std::move(tables);
  return entry;
}

std::vector<json> actions_of(const std::string& text) {
  std::vector<json> actions;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) actions.push_back(json::parse(line));
  return actions;
}

TEST(DeltaChangeTables, PublishesTheUnpublishedSuffixOldestFirst) {
  // Newest first: 5 (items), 4 (position only), 3 (items, notes), 2 (notes), 1 (items).
  const std::vector<LogEntry> newest_first = {
      entry_of(5, {logged("items", 5, 1)}), entry_of(4, {}),
      entry_of(3, {logged("items", 3, 1), logged("notes", 3, 1)}),
      entry_of(2, {logged("notes", 2, 1)}), entry_of(1, {logged("items", 1, 1)})};
  // items holds 3, notes only 2: entry 3 is missing from notes, so 3 and 5 are published.
  EXPECT_EQ(sequences_to_publish(newest_first, {{"public.items", 3}, {"public.notes", 2}}),
            (std::vector<uint64_t>{3, 5}));
  // Everything held: nothing.
  EXPECT_EQ(sequences_to_publish(newest_first, {{"public.items", 5}, {"public.notes", 3}}),
            std::vector<uint64_t>{});
  // Only the newest batch missing (a crash right after its log entry).
  EXPECT_EQ(sequences_to_publish(newest_first, {{"public.items", 3}, {"public.notes", 3}}),
            std::vector<uint64_t>{5});
  // A table that never got an append (no txn): every entry naming it, back to a held one.
  EXPECT_EQ(sequences_to_publish(newest_first, {{"public.notes", 3}}),
            (std::vector<uint64_t>{3, 5}));
  // The walk stops at the first fully held entry, even if older ones look unpublished: it
  // never looks behind a published batch (batches are published in order).
  EXPECT_EQ(sequences_to_publish(newest_first, {{"public.items", 5}, {"public.notes", 1}}),
            std::vector<uint64_t>{});
}

TEST(DeltaChangeTables, AnAppendAddsTheLoggedFilesWithTheSequenceAsTxnVersion) {
  const BaseRun base = delta_base();
  const LoggedTable table = logged("items", 7, 42);
  const LogEntry entry = entry_of(7, {table});
  const auto schema =
      change_table_delta_schema(logged_table_schema(base, "public", "items", table.columns),
                                format::parquet::MappingOptions{});
  const auto append = change_table_append(table, entry, schema, 1700000000000);
  EXPECT_EQ(append.root, "tables/public.items.changes/");
  EXPECT_EQ(append.app_id, "pgexport-changes-public.items");
  EXPECT_EQ(append.batch, 7);
  table::delta::LogState empty;
  const auto actions = actions_of(table::delta::build_append_entry(empty, append, "the-id"));
  ASSERT_EQ(actions.size(), 5u);  // commitInfo, protocol, metaData, txn, add
  EXPECT_EQ(actions[0]["commitInfo"]["operationParameters"]["mode"], "Append");
  EXPECT_EQ(actions[0]["commitInfo"]["isBlindAppend"], true);
  EXPECT_EQ(actions[0]["commitInfo"]["pgexportBatch"]["logSequence"], 7);
  EXPECT_FALSE(actions[0]["commitInfo"].contains("pgexport"));
  EXPECT_EQ(actions[1]["protocol"]["minWriterVersion"], 2);
  EXPECT_EQ(actions[2]["metaData"]["id"], "the-id");
  EXPECT_EQ(actions[3]["txn"], json({{"appId", "pgexport-changes-public.items"},
                                     {"version", 7},
                                     {"lastUpdated", 1700000000000}}));
  EXPECT_EQ(actions[4]["add"]["path"], "00000000000000000007-a1b2c3-000.parquet");
  EXPECT_EQ(actions[4]["add"]["size"], 142);
  EXPECT_EQ(json::parse(actions[4]["add"]["stats"].get<std::string>())["numRecords"], 42);
  // The change table's columns: the metadata columns first, the table's after, all nullable.
  const auto fields =
      json::parse(actions[2]["metaData"]["schemaString"].get<std::string>())["fields"];
  std::vector<std::string> names;
  for (const auto& field : fields) names.push_back(field["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"_op", "_commit_lsn", "_commit_time", "_xid", "_seq",
                                             "_unchanged", "_old_key", "id", "label"}));
  EXPECT_EQ(fields[0]["nullable"], false);
  EXPECT_EQ(fields[2]["type"], "timestamp");
  EXPECT_EQ(fields[3]["type"], "long");
  EXPECT_EQ(fields[7]["type"], "long");
  EXPECT_EQ(fields[7]["nullable"], true);
}

TEST(DeltaChangeTables, AFileOutsideTheChangeTableIsRefused) {
  LoggedTable table = logged("items", 2, 1);
  table.files[0].key = change_file_key("public", "items", 2, "a1b2c3", 0, "parquet");
  EXPECT_EQ(kind_of([&] { change_table_append(table, entry_of(2, {table}), json::object(), 0); }),
            ErrorKind::verification_failed);
}

TEST(DeltaChangeTables, ANewSchemaVersionWritesNewMetadataKeepingTheTableId) {
  const BaseRun base = delta_base();
  const format::parquet::MappingOptions mapping;
  const LoggedTable first = logged("items", 1, 1);
  const auto first_schema = change_table_delta_schema(
      logged_table_schema(base, "public", "items", first.columns), mapping);
  table::delta::LogState state;
  const auto append = change_table_append(first, entry_of(1, {first}), first_schema, 1000);
  table::delta::apply_entry(state, 0, table::delta::build_append_entry(state, append, "id-0"),
                            "v0");

  // Same columns: no metaData.
  const LoggedTable same = logged("items", 2, 1);
  const auto same_actions = actions_of(table::delta::build_append_entry(
      state, change_table_append(same, entry_of(2, {same}), first_schema, 2000), "other"));
  for (const auto& action : same_actions) EXPECT_FALSE(action.contains("metaData")) << action;

  // A column added (schema version 2): a new metaData with it, the table's id and creation kept.
  LoggedTable added = logged("items", 3, 1, {{"id", "bigint"}, {"label", "text"}, {"at", "date"}});
  added.schema_version = 2;
  const auto added_schema = change_table_delta_schema(
      logged_table_schema(base, "public", "items", added.columns), mapping);
  const auto actions = actions_of(table::delta::build_append_entry(
      state, change_table_append(added, entry_of(3, {added}), added_schema, 3000), "other"));
  const json* metadata = nullptr;
  for (const auto& action : actions) {
    if (action.contains("metaData")) metadata = &action["metaData"];
    EXPECT_FALSE(action.contains("protocol")) << action;
  }
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ((*metadata)["id"], "id-0");
  EXPECT_EQ((*metadata)["createdTime"], 1000);
  const auto fields = json::parse((*metadata)["schemaString"].get<std::string>())["fields"];
  EXPECT_EQ(fields.back()["name"], "at");
  EXPECT_EQ(fields.back()["type"], "date");
}

class DeltaChangeTablesStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("pgexport-delta-changes-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void log_entry(const LogEntry& entry) {
    ASSERT_EQ(CommitLog(*storage_).append(entry), AppendOutcome::appended);
  }
  // Every change table version of `table`: its txn version and the files it adds.
  std::vector<std::pair<int64_t, std::vector<std::string>>> versions(const std::string& table) {
    const std::string root = delta_change_table_root("public", table);
    std::vector<std::pair<int64_t, std::vector<std::string>>> result;
    for (int64_t version :
         table::delta::listed_versions(storage_->list(table::delta::log_prefix(root)), root)) {
      auto text = storage_->read(table::delta::log_entry_key(root, version));
      std::pair<int64_t, std::vector<std::string>> seen{-1, {}};
      for (const auto& action : actions_of(*text)) {
        if (action.contains("txn")) seen.first = action["txn"]["version"];
        if (action.contains("add")) seen.second.push_back(action["add"]["path"]);
      }
      result.push_back(seen);
    }
    return result;
  }

  std::filesystem::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
  BaseRun base_ = delta_base();
};

std::string file_of(uint64_t sequence) {
  return fmt::format("{:020}-a1b2c3-000.parquet", sequence);
}

TEST_F(DeltaChangeTablesStorage, CatchUpCreatesEmptyTablesThenPublishesEachLoggedBatchOnce) {
  CommitLog log(*storage_);
  DeltaChangeTables(*storage_, base_).create_missing();
  using Versions = std::vector<std::pair<int64_t, std::vector<std::string>>>;
  EXPECT_EQ(versions("items"), (Versions{{0, {}}}));
  EXPECT_EQ(versions("notes"), (Versions{{0, {}}}));

  // Two batches logged, and the run "died" before publishing either.
  log_entry(entry_of(1, {logged("items", 1, 2)}));
  log_entry(entry_of(2, {logged("items", 2, 1), logged("notes", 2, 3)}));
  log_entry(entry_of(3, {}));
  {
    DeltaChangeTables tables(*storage_, base_);
    tables.catch_up(log, log.last());
    EXPECT_EQ(tables.appended(), 3u);
  }
  EXPECT_EQ(versions("items"), (Versions{{0, {}}, {1, {file_of(1)}}, {2, {file_of(2)}}}));
  EXPECT_EQ(versions("notes"), (Versions{{0, {}}, {2, {file_of(2)}}}));

  // Published in the run that logged it; a later start finds nothing to do.
  log_entry(entry_of(4, {logged("notes", 4, 1)}));
  DeltaChangeTables running(*storage_, base_);
  running.catch_up(log, log.last());  // 4 is not published yet: catch-up does it
  EXPECT_EQ(running.appended(), 1u);
  log_entry(entry_of(5, {logged("items", 5, 1)}));
  running.publish(*log.last());
  DeltaChangeTables again(*storage_, base_);
  again.catch_up(log, log.last());
  EXPECT_EQ(again.appended(), 0u);
  EXPECT_EQ(versions("items"),
            (Versions{{0, {}}, {1, {file_of(1)}}, {2, {file_of(2)}}, {5, {file_of(5)}}}));
  EXPECT_EQ(versions("notes"), (Versions{{0, {}}, {2, {file_of(2)}}, {4, {file_of(4)}}}));

  // What an append reads from the log's tail is what a whole replay gives.
  const std::string root = delta_change_table_root("public", "items");
  const std::string app = change_table_app_id("public", "items");
  const auto whole = table::delta::read_log(*storage_, root);
  const auto tail = table::delta::read_append_state(*storage_, root, app);
  EXPECT_EQ(tail.version, whole.version);
  EXPECT_EQ(tail.protocol, whole.protocol);
  EXPECT_EQ(tail.metadata, whole.metadata);
  EXPECT_EQ(tail.txn.at(app), 5);
  EXPECT_EQ(whole.txn.at(app), 5);
  // ... and it reads the newest entry only, whose commitInfo records the table's state: an
  // older entry that no longer parses (were it read) does not matter.
  std::filesystem::resize_file(root_ / table::delta::log_entry_key(root, 1), 3);
  EXPECT_EQ(kind_of([&] { table::delta::read_log(*storage_, root); }),
            ErrorKind::verification_failed);
  const auto newest_only = table::delta::read_append_state(*storage_, root, app);
  EXPECT_EQ(newest_only.version, whole.version);
  EXPECT_EQ(newest_only.metadata, whole.metadata);
}

TEST_F(DeltaChangeTablesStorage, ATwinThatPublishedTheBatchFirstIsNotDoubled) {
  CommitLog log(*storage_);
  DeltaChangeTables first(*storage_, base_);
  first.create_missing();
  DeltaChangeTables twin(*storage_, base_);
  twin.create_missing();  // finds them: both have read the logs at version 0
  EXPECT_EQ(twin.appended(), 0u);
  const LogEntry entry = entry_of(1, {logged("items", 1, 2)});
  log_entry(entry);
  first.publish(entry);
  // The twin's cached state is stale: it loses the race for version 1, reads the log again and
  // finds the batch held.
  twin.publish(entry);
  EXPECT_EQ(twin.appended(), 0u);
  EXPECT_EQ(twin.already_held(), 1u);
  using Versions = std::vector<std::pair<int64_t, std::vector<std::string>>>;
  EXPECT_EQ(versions("items"), (Versions{{0, {}}, {1, {file_of(1)}}}));
}

TEST_F(DeltaChangeTablesStorage, AnotherWritersVersionIsKeptAndTheBatchTakesTheNext) {
  CommitLog log(*storage_);
  DeltaChangeTables tables(*storage_, base_);
  tables.create_missing();
  // Someone else (a Spark job setting a table property, say) takes version 1.
  const std::string root = delta_change_table_root("public", "items");
  storage::put_object(*storage_, table::delta::log_entry_key(root, 1),
                      R"({"commitInfo":{"operation":"SET TBLPROPERTIES"}})"
                      "\n");
  const LogEntry entry = entry_of(1, {logged("items", 1, 2)});
  log_entry(entry);
  const uint64_t before = tables.appended();  // the two empty tables
  tables.publish(entry);
  EXPECT_EQ(tables.appended(), before + 1);
  using Versions = std::vector<std::pair<int64_t, std::vector<std::string>>>;
  EXPECT_EQ(versions("items"), (Versions{{0, {}}, {-1, {}}, {1, {file_of(1)}}}));
}

}  // namespace
}  // namespace pgexport::cdc
