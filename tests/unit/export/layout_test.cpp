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
  EXPECT_EQ(data_file_key("r1", "public", "Orders", 3, 1, "csv.zst"),
            "runs/r1/public.Orders/part-00003-001.csv.zst");
  EXPECT_EQ(manifest_key("r1"), "runs/r1/_manifest.json");
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
