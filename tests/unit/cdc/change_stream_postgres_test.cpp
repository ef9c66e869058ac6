// The change stream against PostgreSQL: a real slot and publication, a hand-written base run
// at the slot's consistent point in a directory destination, real changes (with a 5 MB
// TOASTed value an update leaves alone), streamed --until-caught-up through the same seams
// `pgexport cdc run` uses; then again with nothing new, then again after more changes.
//
// Needs PGEXPORT_TEST_PG_CONNINFO (see tests/unit/pg/replication_fixture.hpp); fails without.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../pg/replication_fixture.hpp"
#include "cdc/change_stream.hpp"
#include "cdc/session_seams.hpp"
#include "change_stream_fakes.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/snapshot.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cdc {
namespace {

namespace fs = std::filesystem;
using pg::replication::ReplicationConnection;
using testing::CsvRecord;

class ChangeStreamPostgres : public pg::replication::ReplicationFixture {
 protected:
  void SetUp() override {
    ReplicationFixture::SetUp();
    if (HasFatalFailure()) return;
    root_ = fs::temp_directory_path() / name_;
    fs::create_directories(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_.string());
    exec(fmt::format("CREATE TABLE {}.items (id bigint PRIMARY KEY, note text, big text)", name_));
    // Out of line and uncompressed: the value is TOASTed whatever its contents.
    exec(fmt::format("ALTER TABLE {}.items ALTER COLUMN big SET STORAGE EXTERNAL", name_));
    publication_name_ = publication();
    pg::replication::create_publication(*admin_, publication_name_, {{name_, "items"}});
    slot_ = name_;
    consistent_point_ = exec(fmt::format("SELECT lsn::text FROM "
                                         "pg_catalog.pg_create_logical_replication_slot('{}', "
                                         "'pgoutput')",
                                         slot_))
                            .text(0, 0);
    nlohmann::ordered_json manifest = {
        {"manifest_version", 2},
        {"run_id", "base"},
        {"snapshot_at", "2026-12-01T09:00:00Z"},
        {"format", "csv"},
        {"compression", "zstd"},
        {"cdc",
         {{"slot", slot_},
          {"publication", publication_name_},
          {"consistent_point", consistent_point_}}},
        {"tables",
         {{{"schema", name_},
           {"name", "items"},
           {"columns",
            {{{"name", "id"}, {"pg_type", "bigint"}},
             {{"name", "note"}, {"pg_type", "text"}},
             {{"name", "big"}, {"pg_type", "text"}}}},
           {"key", {{"kind", "primary key"}, {"columns", {"id"}}}}}}}};
    storage::put_object(*storage_, "runs/base/_manifest.json", manifest.dump(2));
  }
  void TearDown() override {
    ReplicationFixture::TearDown();
    if (!root_.empty()) fs::remove_all(root_);
  }

  // The slot is free once the last run's WAL sender has exited (a moment after it closed).
  void wait_until_slot_is_free() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (exec(fmt::format("SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name "
                            "= '{}'",
                            slot_))
               .boolean(0, 0)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the slot stays active";
      exec("SELECT pg_catalog.pg_sleep(0.05)");  // poll interval, not an ordering
    }
  }

  StreamSummary run() {
    wait_until_slot_is_free();
    BaseRun base = find_base_run(*storage_, slot_);
    auto connection = pg::Connection::open(conninfo_, "change stream test");
    pg::apply_export_session_settings(connection);
    auto replication = ReplicationConnection::open(conninfo_, "change stream test");
    pg::apply_export_session_settings(replication.connection());
    ReplicationSource source(replication, slot_, base.publication);
    SessionDatabase database(connection, slot_);
    SteadyClock clock;
    ChangeStreamConfig config;
    config.slot = slot_;
    config.attempt = "b2b2b2b2b2b2";
    config.max_duration = std::chrono::seconds(60);  // a bound should catching up ever hang
    return run_change_stream(config, base, *storage_, source, database, clock);
  }

  std::vector<LogEntry> log() { return CommitLog(*storage_).entries_after(0); }

  std::string confirmed_flush() {
    return exec(fmt::format("SELECT confirmed_flush_lsn::text FROM pg_catalog.pg_replication_slots "
                            "WHERE slot_name = '{}'",
                            slot_))
        .text(0, 0);
  }

  // The server applies a status update when it reads it, a moment after it was sent.
  void expect_slot_at(Lsn end) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (Lsn::parse(confirmed_flush()) != end && std::chrono::steady_clock::now() < deadline) {
      exec("SELECT pg_catalog.pg_sleep(0.05)");  // poll interval, not an ordering
    }
    EXPECT_EQ(confirmed_flush(), end.to_string());
  }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
  std::string publication_name_;
  std::string slot_;
  std::string consistent_point_;
};

TEST_F(ChangeStreamPostgres, StreamsRealChangesOnceAcrossRuns) {
  const std::string big(5 << 20, 'z');
  const std::string table = name_ + ".items";
  exec(fmt::format("INSERT INTO {} VALUES (1, 'a', '{}'), (2, 'b', NULL)", table, big));
  exec(fmt::format("UPDATE {} SET note = 'a,\"2\"' WHERE id = 1", table));
  exec(fmt::format("DELETE FROM {} WHERE id = 2", table));
  exec(fmt::format("TRUNCATE {}", table));
  exec(fmt::format("INSERT INTO {} VALUES (3, NULL, '')", table));

  StreamSummary first = run();
  EXPECT_EQ(first.transactions, 5u);
  EXPECT_EQ(first.changes, 6u);
  auto entries = log();
  ASSERT_EQ(entries.size(), 1u);
  const LogEntry& entry = entries[0];
  EXPECT_GT(entry.first_commit_lsn, Lsn::parse(consistent_point_));
  EXPECT_EQ(entry.format, "csv");
  EXPECT_EQ(entry.compression, "zstd");
  ASSERT_EQ(entry.tables.size(), 1u);
  EXPECT_EQ(entry.tables[0].schema_version, 1u);
  EXPECT_EQ(entry.tables[0].columns,
            (std::vector<LoggedColumn>{{"id", "bigint"}, {"note", "text"}, {"big", "text"}}));
  ASSERT_EQ(entry.tables[0].files.size(), 1u);
  EXPECT_TRUE(entry.tables[0].files[0].key.ends_with(".csv.zst"));
  expect_slot_at(entry.end_lsn);

  // The zstd file, decompressed and parsed back as CSV.
  LoggedTable plain = entry.tables[0];
  std::vector<CsvRecord> rows;
  {
    std::string compressed = *storage_->read(plain.files[0].key);
    EXPECT_EQ(compressed.size(), plain.files[0].bytes);
    std::string text = testing::decompress_zstd(compressed);
    rows = testing::parse_csv(text);
  }
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0], (CsvRecord{"_op", "_commit_lsn", "_commit_time", "_xid", "_seq", "_unchanged",
                                "_old_key", "id", "note", "big"}));
  // I 1 (with the whole 5 MB value), I 2, U 1 (big not sent), D 2, T, I 3.
  EXPECT_EQ(rows[1][0], "I");
  EXPECT_EQ(rows[1][7], "1");
  EXPECT_EQ(rows[1][9], big);
  EXPECT_EQ(rows[2][4], "2");  // the second change of the same transaction
  EXPECT_EQ(rows[2][1], rows[1][1]);
  EXPECT_EQ(rows[2][9], std::nullopt);
  EXPECT_EQ(rows[3][0], "U");
  EXPECT_EQ(rows[3][8], "a,\"2\"");
  EXPECT_EQ(rows[3][5], "{big}");
  EXPECT_EQ(rows[3][9], std::nullopt);
  EXPECT_EQ(rows[4][0], "D");
  EXPECT_EQ(rows[4][7], "2");
  EXPECT_EQ(rows[4][8], std::nullopt);
  EXPECT_EQ(rows[5][0], "T");
  EXPECT_EQ(rows[5][7], std::nullopt);
  EXPECT_EQ(rows[6][0], "I");
  EXPECT_EQ(rows[6][8], std::nullopt);
  EXPECT_EQ(rows[6][9], "");  // the empty string, not NULL
  // Commit times as PostgreSQL prints them in UTC, matching the commit LSN order.
  EXPECT_TRUE(rows[1][2]->ends_with("+00")) << *rows[1][2];
  EXPECT_LT(Lsn::parse(*rows[1][1]), Lsn::parse(*rows[6][1]));

  // Nothing new: nothing written.
  StreamSummary second = run();
  EXPECT_EQ(second.batches, 0u);
  EXPECT_EQ(log().size(), 1u);

  // More changes: exactly those.
  exec(fmt::format("INSERT INTO {} VALUES (4, 'd', NULL)", table));
  exec(fmt::format("UPDATE {} SET id = 5 WHERE id = 4", table));
  StreamSummary third = run();
  EXPECT_EQ(third.changes, 2u);
  entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_GT(entries[1].first_commit_lsn, entries[0].end_lsn);
  EXPECT_EQ(entries[1].changes, 2u);
  auto more = testing::parse_csv(
      testing::decompress_zstd(*storage_->read(entries[1].tables[0].files[0].key)));
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(more[1][7], "4");
  EXPECT_EQ(more[2][0], "U");
  EXPECT_EQ(more[2][7], "5");
  EXPECT_EQ(more[2][6], "{\"id\":\"4\"}");  // the key changed: the old key is there
  expect_slot_at(entries[1].end_lsn);
}

}  // namespace
}  // namespace pgexport::cdc
