#include "export/layout.hpp"

#include <gtest/gtest.h>

namespace pgexport::exporter {
namespace {

TEST(Layout, NamesAreEncodedSoTheSchemaTableJoinIsUnambiguous) {
  EXPECT_EQ(encode_key_segment("orders"), "orders");
  EXPECT_EQ(encode_key_segment("Weird Name"), "Weird%20Name");
  EXPECT_EQ(encode_key_segment("a.b"), "a%2Eb");
  EXPECT_EQ(encode_key_segment("x/y"), "x%2Fy");
  EXPECT_EQ(encode_key_segment("é"), "%C3%A9");
  EXPECT_NE(table_directory("a.b", "c"), table_directory("a", "b.c"));
}

TEST(Layout, KeysFollowTheDocumentedLayout) {
  EXPECT_EQ(data_file_key("r1", "0123456789ab", "public", "Orders", 3, 1, "csv.zst"),
            "runs/r1/data-0123456789ab/public.Orders/part-00003-001.csv.zst");
  EXPECT_EQ(attempt_prefix("r1", "0123456789ab"), "runs/r1/data-0123456789ab/");
  EXPECT_EQ(manifest_key("r1"), "runs/r1/_manifest.json");
}

TEST(Layout, AttemptTokensAreDistinctHexSegments) {
  const std::string first = new_attempt_token();
  const std::string second = new_attempt_token();
  EXPECT_EQ(first.size(), 12u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(first, second);
}

TEST(Layout, RunIdsMustBeSafeKeySegments) {
  EXPECT_TRUE(is_valid_run_id("20261124T203543Z"));
  EXPECT_TRUE(is_valid_run_id("nightly-2026.11.24_a"));
  EXPECT_FALSE(is_valid_run_id(""));
  EXPECT_FALSE(is_valid_run_id(".."));
  EXPECT_FALSE(is_valid_run_id("a/b"));
  EXPECT_FALSE(is_valid_run_id("has space"));
  EXPECT_FALSE(is_valid_run_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace pgexport::exporter
