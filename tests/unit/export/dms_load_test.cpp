#include "export/dms_load.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::exporter {
namespace {

namespace fs = std::filesystem;

TEST(DmsLayout, FullLoadFilesCountInHexAsDmsNamesThem) {
  // The sequence the DMS user guide lists: ...09, 0A, 0B, ..., 0F, 10.
  EXPECT_EQ(dms_load_file_key("public", "orders", 1, "csv"), "public/orders/LOAD00000001.csv");
  EXPECT_EQ(dms_load_file_key("public", "orders", 9, "csv"), "public/orders/LOAD00000009.csv");
  EXPECT_EQ(dms_load_file_key("public", "orders", 10, "csv"), "public/orders/LOAD0000000A.csv");
  EXPECT_EQ(dms_load_file_key("public", "orders", 15, "csv"), "public/orders/LOAD0000000F.csv");
  EXPECT_EQ(dms_load_file_key("public", "orders", 16, "csv"), "public/orders/LOAD00000010.csv");
  EXPECT_EQ(dms_load_file_key("hr", "employee", 2, "csv.gz"), "hr/employee/LOAD00000002.csv.gz");
  EXPECT_EQ(dms_load_file_key("hr", "employee", 1, "parquet"), "hr/employee/LOAD00000001.parquet");
}

TEST(DmsLayout, NamesStayAsTheDatabaseSpellsThemExceptWhatWouldAddAFolder) {
  EXPECT_EQ(dms_table_folder("public", "Weird Name.v2"), "public/Weird Name.v2/");
  EXPECT_EQ(dms_key_segment("a/b"), "a%2Fb");
  EXPECT_EQ(dms_key_segment("100%"), "100%25");
  EXPECT_EQ(dms_key_segment("tab\there"), "tab%09here");
  EXPECT_EQ(dms_key_segment("."), "%2E");
  EXPECT_EQ(dms_key_segment(".."), "%2E%2E");
  EXPECT_EQ(dms_key_segment("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(DmsLayout, TimestampsHaveDmsFormatInUtcToTheMicrosecond) {
  using namespace std::chrono;
  // 2026-11-24T20:35:43.123456Z
  system_clock::time_point time{microseconds{1'795'552'543'123'456}};
  EXPECT_EQ(dms_timestamp_text(time), "2026-11-24 20:35:43.123456");
  EXPECT_EQ(dms_timestamp_text(system_clock::time_point{microseconds{-1}}),
            "1969-12-31 23:59:59.999999");
}

TEST(DmsLayout, TheTimestampColumnComesFirst) {
  pg::TableSchema table{"public", "t", {}};
  table.columns.push_back(pg::Column{"id", 1, true, {}});
  table.columns.push_back(pg::Column{"name", 2, false, {}});
  auto shaped = with_timestamp_column(table, "ts");
  ASSERT_EQ(shaped.columns.size(), 3u);
  EXPECT_EQ(shaped.columns[0].name, "ts");
  EXPECT_EQ(shaped.columns[0].type.oid, pg::oid::kText);
  EXPECT_EQ(shaped.columns[1].name, "id");
  EXPECT_EQ(shaped.columns[2].name, "name");
  EXPECT_EQ(timestamp_literal_sql("2026-11-24 20:35:43.123456"),
            "'2026-11-24 20:35:43.123456'::pg_catalog.text");
}

TEST(DmsLayout, EachTableIsNumberedFromOneWithoutGaps) {
  DmsLoadFiles files(2);
  EXPECT_EQ(files.take_number(0), 1u);
  EXPECT_EQ(files.take_number(1), 1u);
  EXPECT_EQ(files.take_number(0), 2u);
  EXPECT_EQ(files.take_number(0), 3u);
  files.committed("a");
  files.committed("b");
  EXPECT_EQ(files.committed_keys(), (std::vector<std::string>{"a", "b"}));
}

TEST(DmsLayout, LayoutNamesParse) {
  EXPECT_EQ(parse_data_layout("runs"), DataLayout::runs);
  EXPECT_EQ(parse_data_layout("dms"), DataLayout::dms);
  EXPECT_EQ(parse_data_layout("DMS"), std::nullopt);
  EXPECT_EQ(data_layout_name(DataLayout::dms), "dms");
}

class DmsClaim : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("pgexport-dms-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    storage_ = std::make_unique<storage::LocalStorage>(base_);
    storage_->check_writable();
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  std::unique_ptr<storage::LocalStorage> storage_;
};

TEST_F(DmsClaim, ASecondLoadIntoTheSameDestinationIsRefusedNamingTheFirst) {
  claim_dms_load(*storage_, "first", "000000000001", "2026-11-24T20:35:43.000Z");
  try {
    claim_dms_load(*storage_, "second", "000000000002", "2026-11-24T20:36:00.000Z");
    FAIL() << "the second claim was granted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::run_exists);
    EXPECT_NE(std::string(error.what()).find("run 'first'"), std::string::npos) << error.what();
  }
  auto claim = nlohmann::json::parse(*storage_->read(std::string(kDmsLoadClaimKey)));
  EXPECT_EQ(claim["run_id"], "first");
}

TEST_F(DmsClaim, AWithdrawnLoadLeavesNothingAndFreesTheDestination) {
  claim_dms_load(*storage_, "failed", "000000000001", "2026-11-24T20:35:43.000Z");
  storage::put_object(*storage_, "public/t/LOAD00000001.csv", "1\n");
  storage::put_object(*storage_, "public/t/LOAD00000002.csv", "2\n");
  withdraw_dms_load(*storage_, {"public/t/LOAD00000001.csv", "public/t/LOAD00000002.csv"});
  EXPECT_TRUE(storage_->list("").empty());
  claim_dms_load(*storage_, "next", "000000000002", "2026-11-24T20:40:00.000Z");
  EXPECT_TRUE(storage_->stat(std::string(kDmsLoadClaimKey)));
}

}  // namespace
}  // namespace pgexport::exporter
