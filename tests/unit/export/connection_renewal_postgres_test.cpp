// A worker whose connection received a row above the renewal threshold closes it and opens a
// new one before its next item, set up by the same function as its first: against a real
// server, the next item runs in another server process, the last item is not followed by a
// renewal, a failed renewal fails the pool, and in a whole export the renewed connection reads
// the export's snapshot, not the database as it is by then.
//
// Needs PGEXPORT_TEST_PG_CONNINFO (see tests/unit/pg/replication_fixture.hpp); fails without.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../pg/replication_fixture.hpp"
#include "common/log.hpp"
#include "export/exporter.hpp"
#include "export/worker_pool.hpp"
#include "format/csv/csv_format.hpp"
#include "pg/copy_stream.hpp"
#include "pg/snapshot.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::exporter {
namespace {

namespace fs = std::filesystem;
using test_support::error_of;

TEST(ShouldRenewConnection, OnlyARowAboveTheThresholdRenews) {
  EXPECT_FALSE(should_renew_connection(0, 1024));
  EXPECT_FALSE(should_renew_connection(1024, 1024));
  EXPECT_TRUE(should_renew_connection(1025, 1024));
  EXPECT_FALSE(should_renew_connection(kRenewConnectionAboveBytes, kRenewConnectionAboveBytes));
  EXPECT_TRUE(should_renew_connection(1ull << 30, kRenewConnectionAboveBytes));
}

// Small, so that the tests read rows above it in milliseconds.
constexpr uint64_t kThreshold = 1 << 20;
constexpr auto kNoWatch = std::chrono::milliseconds(60'000);

class ConnectionRenewal : public pg::replication::ReplicationFixture {
 protected:
  // Reads one row of `bytes` bytes on `connection`, as a task reads its rows.
  static void read_row(pg::Connection& connection, size_t bytes) {
    pg::CopyStream copy(connection,
                        fmt::format("COPY (SELECT pg_catalog.repeat('x', {})) TO STDOUT", bytes),
                        /*binary=*/false);
    std::string_view row;
    size_t rows = 0;
    while (copy.next(row)) {
      EXPECT_EQ(row.size(), bytes + 1);  // the line's newline
      ++rows;
    }
    EXPECT_EQ(rows, 1u);
  }
  static int backend(const pg::Connection& connection) { return PQbackendPID(connection.native()); }

  pg::Connection open_worker(int id) {
    auto connection = pg::Connection::open(conninfo_, fmt::format("worker {}", id));
    pg::apply_export_session_settings(connection);
    return connection;
  }
};

TEST_F(ConnectionRenewal, TheItemAfterALargeRowRunsOnANewConnection) {
  int opened = 0;
  std::vector<int> backends(3, 0);
  std::vector<uint64_t> largest_before(3, 0);
  const std::vector<size_t> row_bytes = {2 * kThreshold, 1000, 1000};
  WorkerPool pool(
      1,
      [&](int id) {
        ++opened;
        return open_worker(id);
      },
      [&](pg::Connection& connection, size_t index) {
        backends[index] = backend(connection);
        largest_before[index] = connection.largest_message_bytes();
        read_row(connection, row_bytes[index]);
      },
      kThreshold);
  pool.run(3, {}, kNoWatch);

  EXPECT_EQ(opened, 2);
  EXPECT_NE(backends[1], backends[0]) << "item 1 ran on the connection that read the large row";
  EXPECT_EQ(backends[2], backends[1]) << "a connection that read only small rows was renewed";
  // The new connection starts with nothing recorded: the large row is not counted twice.
  EXPECT_EQ(largest_before[1], 0u);
  EXPECT_EQ(largest_before[2], 1001u);
}

TEST_F(ConnectionRenewal, NoRenewalAfterTheLastItem) {
  int opened = 0;
  WorkerPool pool(
      1,
      [&](int id) {
        ++opened;
        return open_worker(id);
      },
      [&](pg::Connection& connection, size_t index) {
        read_row(connection, index == 1 ? 2 * kThreshold : 1000);
      },
      kThreshold);
  pool.run(2, {}, kNoWatch);
  EXPECT_EQ(opened, 1);
}

TEST_F(ConnectionRenewal, AFailedRenewalFailsThePoolAndRunsNothingMore) {
  int opened = 0;
  std::vector<size_t> ran;
  WorkerPool pool(
      1,
      [&](int id) {
        if (++opened > 1) fail(ErrorKind::connection_failed, "cannot connect to the database: no");
        return open_worker(id);
      },
      [&](pg::Connection& connection, size_t index) {
        ran.push_back(index);
        read_row(connection, 2 * kThreshold);
      },
      kThreshold);
  const Error error = error_of([&] { pool.run(3, {}, kNoWatch); });
  EXPECT_EQ(error.kind(), ErrorKind::connection_failed);
  EXPECT_EQ(std::string(error.what()),
            fmt::format("reopening the worker 0 connection after a row of {} bytes: cannot connect "
                        "to the database: no",
                        2 * kThreshold + 1));
  EXPECT_EQ(ran, std::vector<size_t>{0});
}

class CapturedLog : public log::LineOutput {
 public:
  void write_line(std::string_view line) override { lines.emplace_back(line); }
  size_t count(std::string_view text) const {
    return std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    });
  }
  std::vector<std::string> lines;
};

// A whole export with one job: the large table first (it has more pages), then the small one on
// the renewed connection. When the large table is done, and so before the small one is read, a
// row is committed to the small table: the export must not have it, as it would if the renewed
// connection read the database without the export's snapshot.
TEST_F(ConnectionRenewal, TheRenewedConnectionReadsTheExportSnapshot) {
  exec(fmt::format(
      "CREATE TABLE {0}.large (id int, t text); "
      "INSERT INTO {0}.large SELECT i, 'filler' FROM pg_catalog.generate_series(1, 2000) i; "
      "INSERT INTO {0}.large VALUES (0, pg_catalog.repeat('x', {1})); "
      "CREATE TABLE {0}.small (id int); INSERT INTO {0}.small VALUES (1), (2), (3)",
      name_, 2 * kThreshold));
  const fs::path root = fs::temp_directory_path() / name_;
  storage::LocalStorage storage(root.string());
  CapturedLog captured;
  log::set_output(&captured);
  log::configure(log::Format::text, log::Level::info);

  std::atomic<bool> committed = false;
  std::string hook_error;
  ExportProgress progress([&](const TableExported& table) {
    if (table.table != name_ + ".large") return;
    try {
      exec(fmt::format("INSERT INTO {}.small VALUES (4)", name_));
      committed = true;
    } catch (const std::exception& error) {
      hook_error = error.what();
    }
  });
  ExportConfig config;
  config.source.conninfo = conninfo_;
  config.run_id = "renewal";
  config.jobs = 1;
  config.filter.include = {name_ + ".*"};
  config.codec = compress::StreamCodec::none;
  config.format_name = "csv";
  config.compression_name = "none";
  config.renew_connection_above_bytes = kThreshold;
  config.progress = &progress;
  format::CsvFormat format;
  run_export(config, format, storage);
  log::set_output(nullptr);

  ASSERT_EQ(hook_error, "");
  ASSERT_TRUE(committed);
  EXPECT_EQ(captured.count("worker connection reopened"), 1u);
  auto manifest = storage.read("runs/renewal/_manifest.json");
  ASSERT_TRUE(manifest);
  const auto tables = nlohmann::json::parse(*manifest)["tables"];
  std::string small_rows;
  for (const auto& table : tables) {
    if (table["name"] != "small") continue;
    for (const auto& file : table["files"]) {
      small_rows += storage.read(file["key"].get<std::string>()).value_or("<missing>");
    }
  }
  EXPECT_EQ(small_rows, "id\n1\n2\n3\n");
  EXPECT_EQ(exec(fmt::format("SELECT count(*) FROM {}.small", name_)).integer(0, 0), 4);
  fs::remove_all(root);
}

}  // namespace
}  // namespace pgexport::exporter
