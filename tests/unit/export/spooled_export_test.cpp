// Resuming a spooled run needs no database: these tests build the states a crash leaves in
// the spool and the destination, and check that a re-run completes each of them.
#include "export/spooled_export.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "export/commit.hpp"
#include "export/layout.hpp"
#include "export/manifest.hpp"
#include "format/csv/csv_format.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::exporter {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kRun = "spooled";
constexpr std::string_view kAttempt = "00000000abcd";

class SpoolResume : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("pgexport-spool-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    spool_ = std::make_unique<storage::LocalStorage>(base_ / "spool");
    destination_ = std::make_unique<storage::LocalStorage>(base_ / "destination");
    spool_->check_writable();
    destination_->check_writable();
    // A completed export phase: two files and the manifest that lists them.
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (int part = 0; part < 2; ++part) {
      const std::string key = data_file_key(kRun, kAttempt, "public", "t", part, 0, "csv");
      const std::string body = "id\n" + std::to_string(part) + "\n";
      storage::put_object(*spool_, key, body);
      files.push_back({{"key", key},
                       {"rows", 1},
                       {"bytes", body.size()},
                       {"sha256", hex_encode(sha256(body))}});
      keys_.push_back(key);
    }
    nlohmann::ordered_json manifest;
    manifest["manifest_version"] = kManifestVersion;
    manifest["run_id"] = kRun;
    manifest["attempt"] = kAttempt;
    manifest["snapshot_at"] = "2026-12-01T10:00:00.000Z";
    manifest["finished_at"] = "2026-12-01T10:00:05.000Z";
    manifest["source"]["snapshot"]["snapshot_id"] = "00000003-0000001B-1";
    nlohmann::ordered_json table;
    table["schema"] = "public";
    table["name"] = "t";
    table["rows"] = 2;
    table["files"] = files;
    manifest["tables"] = nlohmann::ordered_json::array({table});
    manifest_ = manifest.dump(2) + "\n";
    ASSERT_EQ(spool_->create_if_absent(manifest_key(kRun), manifest_),
              storage::ConditionalWrite::written);
    config_.run_id = std::string(kRun);
    config_.jobs = 2;
  }
  void TearDown() override { fs::remove_all(base_); }

  ExportSummary resume() {
    return run_spooled_export(config_, format_, base_ / "spool", *destination_);
  }
  std::string latest_run() {
    return parse_latest_pointer(*destination_->read(std::string(kLatestKey))).run_id;
  }

  fs::path base_;
  std::unique_ptr<storage::LocalStorage> spool_;
  std::unique_ptr<storage::LocalStorage> destination_;
  std::vector<std::string> keys_;
  std::string manifest_;
  ExportConfig config_;
  format::CsvFormat format_;
};

TEST_F(SpoolResume, UploadsWhatIsMissingThenCommits) {
  // A crash after the first file was uploaded.
  storage::put_object(*destination_, keys_[0], *spool_->read(keys_[0]));
  std::vector<std::string> spooled;
  for (const auto& key : keys_) spooled.push_back(*spool_->read(key));
  const auto summary = resume();
  EXPECT_EQ(summary.rows, 2u);
  EXPECT_EQ(destination_->read(manifest_key(kRun)), manifest_);
  for (size_t i = 0; i < keys_.size(); ++i) EXPECT_EQ(destination_->read(keys_[i]), spooled[i]);
  EXPECT_EQ(latest_run(), kRun);
  EXPECT_TRUE(spool_->list("runs/").empty()) << "the spool is emptied once published";
}

TEST_F(SpoolResume, AManifestPublishedWithoutItsPointerGetsThePointer) {
  // A crash between creating the manifest and moving latest.json.
  for (const auto& key : keys_) storage::put_object(*destination_, key, *spool_->read(key));
  ASSERT_EQ(destination_->create_if_absent(manifest_key(kRun), manifest_),
            storage::ConditionalWrite::written);
  const auto summary = resume();
  EXPECT_TRUE(summary.latest_moved);
  EXPECT_EQ(latest_run(), kRun);
  EXPECT_TRUE(spool_->list("runs/").empty()) << "the spool is emptied once published";
}

TEST_F(SpoolResume, ADamagedSpoolFileIsNeverPublished) {
  const fs::path damaged = base_ / "spool" / keys_[1];
  { std::ofstream(damaged, std::ios::binary | std::ios::trunc) << "id\n9\n"; }
  try {
    resume();
    FAIL() << "a damaged spool was published";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_error);
    EXPECT_NE(std::string(error.what()).find("does not match the checksum"), std::string::npos);
  }
  EXPECT_FALSE(destination_->stat(keys_[1])) << "the damaged object became visible";
  EXPECT_FALSE(destination_->stat(manifest_key(kRun)));
}

TEST_F(SpoolResume, AFileLargerThanTheDestinationStoresIsRefusedBeforeAnyUpload) {
  // Resumed with settings under which the destination stores less than the export rolled at.
  const uint64_t spooled_bytes = spool_->stat(keys_[0])->size;
  destination_ = std::make_unique<storage::LocalStorage>(base_ / "destination", "--destination",
                                                         spooled_bytes - 1);
  try {
    resume();
    FAIL() << "a spooled file the destination cannot store was uploaded";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find(keys_[0]), std::string::npos) << error.what();
  }
  EXPECT_TRUE(destination_->list("runs/").empty()) << "some files were uploaded";
  EXPECT_EQ(spool_->read(manifest_key(kRun)), manifest_) << "the spool must still hold the run";
}

TEST_F(SpoolResume, AnotherRunUnderTheSameIdIsNotOverwritten) {
  ASSERT_EQ(destination_->create_if_absent(manifest_key(kRun), "{\"other\": true}\n"),
            storage::ConditionalWrite::written);
  try {
    resume();
    FAIL() << "the spooled run replaced another run";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::run_exists);
  }
  EXPECT_EQ(destination_->read(manifest_key(kRun)), "{\"other\": true}\n");
}

}  // namespace
}  // namespace pgexport::exporter
