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

namespace pgexport::format {
namespace {

// The rows a DMS S3 target writes, from the DMS user guide ("Using Amazon S3 as a target"):
// no header, comma-separated, a value quoted only when it must be (Rfc4180, its default).
TEST(CsvDmsDialect, FilesHaveNoHeaderRow) {
  CsvFormat format(CsvDialect::dms());
  auto encoder = format.make_encoder(two_columns());
  StringSink file;
  encoder->start(file);
  encoder->write_row("101,Smith\n");
  encoder->finish();
  EXPECT_EQ(file.data, "101,Smith\n");
}

TEST(CsvDmsDialect, RowsMatchTheDocumentedExample) {
  CsvFormat format(CsvDialect::dms());
  pg::TableSchema table{"public", "employee", {}};
  for (const char* name : {"Op", "id", "last", "first", "hired", "city"}) {
    table.columns.push_back(pg::Column{name, 0, false, {}});
  }
  auto writer = format.make_text_row_writer(table);
  std::vector<std::optional<std::string_view>> values = {"I",   "101",      "Smith",
                                                         "Bob", "4-Jun-14", "New York"};
  EXPECT_EQ(writer->build(values), "I,101,Smith,Bob,4-Jun-14,New York\n");
}

TEST(CsvDmsDialect, QuotesAndNullsFollowRfc4180AndTheNullDefault) {
  CsvFormat format(CsvDialect::dms());
  auto writer = format.make_text_row_writer(two_columns());
  // A quotation mark inside a value: the value is enclosed and the mark doubled. NULL is an
  // unquoted empty field (CsvNullValue's default); the empty string stays "" so the two differ.
  std::vector<std::optional<std::string_view>> quoted = {"say \"hi\"", std::nullopt};
  EXPECT_EQ(writer->build(quoted), "\"say \"\"hi\"\"\",\n");
  std::vector<std::optional<std::string_view>> empty = {"", "line\nbreak"};
  EXPECT_EQ(writer->build(empty), "\"\",\"line\nbreak\"\n");
}

TEST(CsvDmsDialect, TheManifestNamesTheDialectSoReadersKnowThereIsNoHeader) {
  EXPECT_TRUE(CsvFormat().describe_options().is_null());
  auto options = CsvFormat(CsvDialect::dms()).describe_options();
  EXPECT_EQ(options["dialect"], "dms");
  EXPECT_EQ(options["header"], false);
  EXPECT_FALSE(csv_dialect_of(options).header);
  EXPECT_TRUE(csv_dialect_of(nullptr).header);
  EXPECT_TRUE(csv_dialect_of(nlohmann::json{{"profile", "portable"}}).header);
}

}  // namespace
}  // namespace pgexport::format
