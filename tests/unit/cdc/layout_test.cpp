#include "cdc/layout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "export/layout.hpp"

namespace pgexport::cdc {
namespace {

TEST(CdcLayout, KeysFollowTheDocumentedLayout) {
  EXPECT_EQ(change_file_key("public", "orders", 12, "1f0c9a2b3c4d", 0, "csv.zst"),
            "changes/public.orders/00000000000000000012-1f0c9a2b3c4d-000.csv.zst");
  EXPECT_EQ(log_entry_key(12), "changes/_log/00000000000000000012.json");
  EXPECT_EQ(log_entry_key(UINT64_MAX), "changes/_log/18446744073709551615.json");
  EXPECT_EQ(change_table_prefix("public", "orders"), "changes/public.orders/");
}

TEST(CdcLayout, NamesAreEncodedAsTheFullExportEncodesThem) {
  EXPECT_EQ(change_table_prefix("a.b", "c"), "changes/a%2Eb.c/");
  EXPECT_NE(change_table_prefix("a.b", "c"), change_table_prefix("a", "b.c"));
  // Every table directory has a '.', so none can be the log's directory.
  EXPECT_NE(change_table_prefix("", "_log"), std::string(kLogPrefix));
  EXPECT_EQ(change_table_prefix("public", "_log"), "changes/public._log/");
}

TEST(CdcLayout, KeysSortBySequence) {
  std::vector<uint64_t> sequences = {9, 10, 100, 1, 99, 1000000};
  std::vector<std::string> keys;
  for (uint64_t sequence : sequences) keys.push_back(log_entry_key(sequence));
  std::sort(keys.begin(), keys.end());
  std::sort(sequences.begin(), sequences.end());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(sequence_of_log_key(keys[i]), sequences[i]);

  EXPECT_LT(change_file_key("s", "t", 9, "a", 0, "csv"),
            change_file_key("s", "t", 10, "a", 0, "csv"));
}

TEST(CdcLayout, OnlyExactEntryKeysNameASequence) {
  EXPECT_EQ(sequence_of_log_key("changes/_log/00000000000000000007.json"), 7u);
  EXPECT_EQ(sequence_of_log_key("changes/_log/18446744073709551615.json"), UINT64_MAX);
  EXPECT_EQ(sequence_of_log_key("changes/_log/18446744073709551616.json"), std::nullopt);
  EXPECT_EQ(sequence_of_log_key("changes/_log/7.json"), std::nullopt);
  EXPECT_EQ(sequence_of_log_key("changes/_log/0000000000000000000x.json"), std::nullopt);
  EXPECT_EQ(sequence_of_log_key("changes/_log/00000000000000000007.json.tmp"), std::nullopt);
  EXPECT_EQ(sequence_of_log_key("changes/other/00000000000000000007.json"), std::nullopt);
}

TEST(CdcLayout, ADeltaChangeTableSitsNextToItsTableAndNeverIsOne) {
  EXPECT_EQ(delta_change_table_root("public", "orders"), "tables/public.orders.changes/");
  EXPECT_EQ(delta_change_file_key("public", "orders", 12, "1f0c9a2b3c4d", 0, "parquet"),
            "tables/public.orders.changes/00000000000000000012-1f0c9a2b3c4d-000.parquet");
  // A table named "orders.changes" is encoded, so its directory has one '.' and differs.
  EXPECT_EQ(exporter::table_directory("public", "orders.changes"), "public.orders%2Echanges");
  EXPECT_NE(delta_change_table_root("public", "orders"),
            "tables/" + exporter::table_directory("public", "orders.changes") + "/");
  // Housekeeping reads both shapes of change file keys alike.
  auto name =
      parse_change_file_key(delta_change_file_key("public", "orders", 12, "a1", 3, "parquet"));
  ASSERT_TRUE(name);
  EXPECT_EQ(name->table_directory, "public.orders");
  EXPECT_EQ(name->sequence, 12u);
  EXPECT_EQ(name->attempt, "a1");
  for (std::string other : {"tables/public.orders/00000000000000000012-a1-003.parquet",
                            "tables/public.orders.changes/_delta_log/00000000000000000000.json",
                            "tables/public.orders.other/00000000000000000012-a1-003.parquet"}) {
    EXPECT_FALSE(parse_change_file_key(other)) << other;
  }
}

}  // namespace
}  // namespace pgexport::cdc
