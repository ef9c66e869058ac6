#include "cdc/layout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

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

}  // namespace
}  // namespace pgexport::cdc
