// The footer reader finds the row counts in files our writer wrote (one and several row groups,
// other footer fields skipped), and refuses files that are cut short or are not Parquet.
#include "format/parquet/footer_reader.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "format/parquet/parquet_format.hpp"
#include "format/parquet/thrift_compact_reader.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

using namespace pqtest;

// A file of `rows` rows of (id int8, note text) with at most `row_group_rows` per row group.
std::string parquet_file(int rows, uint64_t row_group_rows) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = {column("id", base_type(pg::oid::kInt8, "bigint"), true),
                   column("note", base_type(pg::oid::kText, "text"))};
  ParquetOptions options;
  options.row_group_rows = row_group_rows;
  options.metadata = {{"pgexport.run_id", "r1"}};  // a key-value list the reader must skip
  ParquetEncoder encoder(table, options);
  StringSink sink;
  encoder.start(sink);
  for (int i = 0; i < rows; ++i) {
    encoder.write_row(
        tuple({int8_value(i), i % 3 == 0 ? std::nullopt : std::optional<std::string>("n")}));
  }
  encoder.finish();
  return sink.data;
}

// The message of the data_error `action` throws.
std::string data_error_of(auto&& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(FooterReader, ReadsRowCountsOfOneRowGroup) {
  auto counts = read_row_counts_from_tail(parquet_file(10, 1000));
  EXPECT_EQ(counts.num_rows, 10);
  EXPECT_EQ(counts.row_group_rows, (std::vector<int64_t>{10}));
}

TEST(FooterReader, ReadsEveryRowGroupAndAgreesWithTheTestDecoder) {
  std::string file = parquet_file(10, 3);
  auto counts = read_row_counts_from_tail(file);
  EXPECT_EQ(counts.num_rows, 10);
  EXPECT_EQ(counts.row_group_rows, (std::vector<int64_t>{3, 3, 3, 1}));
  // The tests' own decoder reads the same footer the same way.
  auto footer = read_footer(file);
  EXPECT_EQ(footer[fmd::kNumRows].i(), counts.num_rows);
  EXPECT_EQ(footer[fmd::kRowGroups].list().size(), counts.row_group_rows.size());
}

TEST(FooterReader, AnEmptyFileHasNoRows) {
  auto counts = read_row_counts_from_tail(parquet_file(0, 10));
  EXPECT_EQ(counts.num_rows, 0);
  int64_t in_groups = 0;
  for (auto rows : counts.row_group_rows) in_groups += rows;
  EXPECT_EQ(in_groups, 0);
}

TEST(FooterReader, ATailWithJustTheFooterSuffices) {
  std::string file = parquet_file(50, 7);
  uint32_t length = footer_length(file.substr(file.size() - kFooterTrailerBytes));
  ASSERT_LT(length + kFooterTrailerBytes, file.size());
  auto tail = std::string_view(file).substr(file.size() - length - kFooterTrailerBytes);
  EXPECT_EQ(read_row_counts_from_tail(tail).num_rows, 50);
  // One byte fewer and the footer no longer fits in what is given.
  EXPECT_NE(data_error_of([&] { read_row_counts_from_tail(tail.substr(1)); }).find("footer length"),
            std::string::npos);
}

TEST(FooterReader, RefusesTruncatedAndForeignFiles) {
  std::string file = parquet_file(20, 5);
  EXPECT_NE(data_error_of([&] {
              read_row_counts_from_tail(file.substr(0, file.size() - 1));
            }).find("PAR1"),
            std::string::npos);
  data_error_of([&] { read_row_counts_from_tail("id,note\n1,a\n"); });
  // A footer whose bytes are cut (length and magic kept): the reader stops at the end.
  uint32_t length = footer_length(file.substr(file.size() - kFooterTrailerBytes));
  std::string cut = file.substr(file.size() - kFooterTrailerBytes - length, length / 2);
  data_error_of([&] { read_row_counts(cut); });
}

TEST(ThriftCompactReader, SkipsEveryKindOfField) {
  std::string bytes;
  thrift::CompactWriter writer(bytes);
  writer.begin_struct();
  writer.field_bool(1, true);
  writer.field_i8(2, -3);
  writer.field_i16(3, 300);
  writer.field_binary(4, "skipped");
  writer.begin_list_field(5, thrift::CompactType::i64, 20);  // long list header form
  for (int i = 0; i < 20; ++i) writer.element_i64(i);
  writer.begin_struct_field(6);
  writer.field_i32(1, 7);
  writer.begin_struct_field(2);
  writer.field_binary(1, "deep");
  writer.end_struct();
  writer.end_struct();
  writer.field_i64(40, -123456789012);  // long field header form
  writer.end_struct();

  thrift::CompactReader reader(bytes);
  reader.begin_struct();
  std::vector<int16_t> ids;
  int64_t wanted = 0;
  for (auto field = reader.next_field(); !field.stop(); field = reader.next_field()) {
    ids.push_back(field.id);
    if (field.id == 40) {
      wanted = reader.read_i64();
    } else {
      reader.skip(field.type);
    }
  }
  EXPECT_EQ(ids, (std::vector<int16_t>{1, 2, 3, 4, 5, 6, 40}));
  EXPECT_EQ(wanted, -123456789012);
  EXPECT_EQ(reader.position(), bytes.size());
}

TEST(ThriftCompactReader, RefusesLengthsPastTheEnd) {
  std::string bytes;
  thrift::CompactWriter writer(bytes);
  writer.begin_struct();
  writer.field_binary(1, "a binary of some length");
  writer.end_struct();
  thrift::CompactReader reader(std::string_view(bytes).substr(0, 6));
  reader.begin_struct();
  auto field = reader.next_field();
  data_error_of([&] { reader.skip(field.type); });
}

}  // namespace
}  // namespace pgexport::format::parquet
