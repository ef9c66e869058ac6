#include "format/csv/csv_format.hpp"

#include <gtest/gtest.h>

namespace pgexport::format {
namespace {

pg::TableSchema two_columns() {
  pg::TableSchema table{"public", "t", {}};
  table.columns.push_back(pg::Column{"id", 1, true, {}, {}});
  table.columns.push_back(pg::Column{"odd, \"name\"", 2, false, {}, {}});
  return table;
}

TEST(CsvFormat, QuotesOnlyWhatPostgresQuotes) {
  EXPECT_EQ(csv_quote("plain"), "plain");
  EXPECT_EQ(csv_quote(""), "\"\"");
  EXPECT_EQ(csv_quote("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_quote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_quote("line\nbreak"), "\"line\nbreak\"");
}

TEST(CsvFormat, SelectsEveryColumnQuoted) {
  CsvFormat format;
  auto spec = format.copy_spec(two_columns());
  EXPECT_EQ(spec.wire, WireFormat::csv);
  ASSERT_EQ(spec.select_list.size(), 2u);
  EXPECT_EQ(spec.select_list[1], "\"odd, \"\"name\"\"\"");
}

TEST(CsvFormat, EveryFileStartsWithTheHeader) {
  CsvFormat format;
  auto encoder = format.make_encoder(two_columns());
  StringSink first, second;
  encoder->start(first);
  encoder->write_row("1,\n");
  encoder->finish();
  encoder->start(second);
  encoder->write_row("2,\"\"\n");
  encoder->finish();
  EXPECT_EQ(first.data, "id,\"odd, \"\"name\"\"\"\n1,\n");
  EXPECT_EQ(second.data, "id,\"odd, \"\"name\"\"\"\n2,\"\"\n");
}

}  // namespace
}  // namespace pgexport::format
