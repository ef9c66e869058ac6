#include "pg/catalog.hpp"

#include <gtest/gtest.h>

namespace pgexport::pg {
namespace {

TEST(GlobMatch, StarAndQuestionMark) {
  EXPECT_TRUE(glob_match("public.*", "public.orders"));
  EXPECT_TRUE(glob_match("*.audit_*", "audit.audit_history"));
  EXPECT_TRUE(glob_match("move?", "moves"));
  EXPECT_FALSE(glob_match("move?", "move"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("public.*", "private.orders"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
}

TEST(TypeDesc, NumericTypmodGivesPrecisionAndScale) {
  TypeDesc numeric;
  numeric.oid = oid::kNumeric;
  numeric.typmod = ((12 << 16) | 2) + 4;
  EXPECT_EQ(numeric.numeric_precision(), 12);
  EXPECT_EQ(numeric.numeric_scale(), 2);
  numeric.typmod = -1;
  EXPECT_FALSE(numeric.numeric_precision());
}

TEST(QuoteIdentifier, DoublesEmbeddedQuotes) {
  EXPECT_EQ(quote_identifier("order"), "\"order\"");
  EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace pgexport::pg
