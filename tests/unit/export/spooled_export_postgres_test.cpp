// A spooled export against PostgreSQL: the spool rolls its files at the destination's largest
// object, so a table larger than one object reaches the destination as several.
//
// Needs PGEXPORT_TEST_PG_CONNINFO (see tests/unit/pg/replication_fixture.hpp); fails without.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "../pg/replication_fixture.hpp"
#include "export/layout.hpp"
#include "export/spooled_export.hpp"
#include "format/csv/csv_format.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::exporter {
namespace {

namespace fs = std::filesystem;

// Far below the table's size (about 1 MiB as CSV), so it needs several objects.
constexpr uint64_t kLargestObject = 256 << 10;
constexpr int kRows = 20000;

class SpooledExportPostgres : public pg::replication::ReplicationFixture {
 protected:
  void SetUp() override {
    ReplicationFixture::SetUp();
    if (HasFatalFailure()) return;
    base_ = fs::temp_directory_path() / name_;
    fs::remove_all(base_);
  }
  void TearDown() override {
    ReplicationFixture::TearDown();
    if (!base_.empty()) fs::remove_all(base_);
  }

  fs::path base_;
};

TEST_F(SpooledExportPostgres, FilesRollAtTheDestinationsLargestObject) {
  exec(
      fmt::format("CREATE TABLE {}.big AS SELECT i AS id, md5(i::text) AS note "
                  "FROM pg_catalog.generate_series(1, {}) AS i",
                  name_, kRows));
  // The destination refuses to store an object above the limit, as S3 would, so a spooled
  // file that outgrew it fails the upload.
  storage::LocalStorage destination(base_ / "destination", "--destination", kLargestObject);
  ExportConfig config;
  config.source.conninfo = conninfo_;
  config.run_id = "spooled";
  config.jobs = 1;
  config.filter.include = {name_ + ".*"};
  config.codec = compress::StreamCodec::none;  // stored bytes are the CSV bytes
  config.format_name = "csv";
  config.compression_name = "none";
  format::CsvFormat format;
  const auto summary = run_spooled_export(config, format, base_ / "spool", destination);

  EXPECT_EQ(summary.rows, static_cast<uint64_t>(kRows));
  const auto manifest = nlohmann::json::parse(*destination.read(manifest_key("spooled")));
  ASSERT_EQ(manifest["tables"].size(), 1u);
  const auto& files = manifest["tables"][0]["files"];
  EXPECT_GT(files.size(), 2u) << "the table was not split at the destination's largest object";
  std::set<int> ids;
  uint64_t rows = 0;
  for (const auto& file : files) {
    const std::string key = file["key"];
    const uint64_t bytes = file["bytes"];
    EXPECT_LE(bytes, kLargestObject) << key;
    const auto stored = destination.stat(key);
    ASSERT_TRUE(stored) << key << " is listed in the manifest but was not uploaded";
    EXPECT_EQ(stored->size, bytes) << key;
    rows += file["rows"].get<uint64_t>();
    std::istringstream lines(*destination.read(key));
    std::string line;
    uint64_t file_rows = 0;
    while (std::getline(lines, line)) {
      if (line == "id,note") continue;  // each file has its header
      ids.insert(std::stoi(line.substr(0, line.find(','))));
      ++file_rows;
    }
    EXPECT_EQ(file_rows, file["rows"].get<uint64_t>()) << key;
  }
  EXPECT_EQ(rows, static_cast<uint64_t>(kRows));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kRows)) << "rows are missing or repeated";
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), kRows);
  EXPECT_TRUE(storage::LocalStorage(base_ / "spool").list("runs/").empty())
      << "the spool is emptied once published";
}

}  // namespace
}  // namespace pgexport::exporter
