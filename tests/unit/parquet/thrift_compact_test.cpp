#include "format/parquet/thrift_compact.hpp"

#include <gtest/gtest.h>

#include "format/parquet/metadata.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

using thrift::CompactType;
using thrift::CompactWriter;

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(ThriftCompact, VarintMatchesTheSpecificationExample) {
  std::string out;
  thrift::append_varint(out, 50399);  // thrift-compact-protocol.md: 0xDF 0x89 0x03
  EXPECT_EQ(hex(out), "df 89 03");
  out.clear();
  thrift::append_varint(out, 0);
  thrift::append_varint(out, 127);
  thrift::append_varint(out, 128);
  EXPECT_EQ(hex(out), "00 7f 80 01");
  out.clear();
  thrift::append_varint(out, UINT64_MAX);  // ten bytes, the last holding one bit
  EXPECT_EQ(hex(out), "ff ff ff ff ff ff ff ff ff 01");
}

TEST(ThriftCompact, ZigzagFoldsSignsAsSpecified) {
  EXPECT_EQ(thrift::zigzag(0), 0u);
  EXPECT_EQ(thrift::zigzag(-1), 1u);
  EXPECT_EQ(thrift::zigzag(1), 2u);
  EXPECT_EQ(thrift::zigzag(-2), 3u);
  EXPECT_EQ(thrift::zigzag(2), 4u);
  EXPECT_EQ(thrift::zigzag(INT32_MAX), 4294967294u);
  EXPECT_EQ(thrift::zigzag(INT32_MIN), 4294967295u);
  EXPECT_EQ(thrift::zigzag(INT64_MIN), UINT64_MAX);
}

TEST(ThriftCompact, ShortAndLongFieldHeaders) {
  std::string out;
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_i32(1, 0);   // delta 1, type 5
  writer.field_i32(2, -1);  // delta 1: zigzag(-1) = 1
  writer.field_i64(17, 1);  // delta 15, the longest short form
  writer.field_i32(40, 1);  // delta 23: long form, type then zigzag(40) = 80
  writer.field_i16(41, 3);  // i16 has its own type, 4
  writer.field_i8(42, 16);  // i8 is one raw byte
  writer.end_struct();
  EXPECT_EQ(hex(out), "15 00 15 01 f6 02 05 50 02 14 06 13 10 00");
}

TEST(ThriftCompact, BooleanFieldsCarryTheValueInTheType) {
  std::string out;
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_bool(1, true);
  writer.field_bool(2, false);
  writer.end_struct();
  EXPECT_EQ(hex(out), "11 12 00");
}

TEST(ThriftCompact, BinaryListsAndNestedStructs) {
  std::string out;
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_binary(1, "hi");
  writer.begin_list_field(2, CompactType::i32, 3);
  writer.element_i32(1);
  writer.element_i32(-1);
  writer.element_i32(64);
  writer.begin_struct_field(3);
  writer.field_i32(1, 5);  // ids restart inside the nested struct
  writer.end_struct();
  writer.field_i32(4, 7);  // and resume from 3 outside it
  writer.end_struct();
  EXPECT_EQ(hex(out), "18 02 68 69 19 35 02 01 80 01 1c 15 0a 00 15 0e 00");
}

TEST(ThriftCompact, ListsOfFifteenOrMoreUseTheLongHeader) {
  std::string out;
  CompactWriter writer(out);
  writer.begin_struct();
  writer.begin_list_field(1, CompactType::binary, 14);
  for (int i = 0; i < 14; ++i) writer.element_binary("");
  writer.begin_list_field(2, CompactType::binary, 15);
  for (int i = 0; i < 15; ++i) writer.element_binary("");
  writer.end_struct();
  EXPECT_EQ(hex(out.substr(0, 2)), "19 e8");
  EXPECT_EQ(hex(out.substr(16, 3)), "19 f8 0f");
}

TEST(ThriftCompact, PageHeaderHasTheExpectedBytes) {
  PageHeader header;
  header.type = PageType::data_page;
  header.uncompressed_page_size = 100;
  header.compressed_page_size = 50;
  header.data_page_header = DataPageHeader{.num_values = 10, .encoding = Encoding::plain};
  std::string out;
  serialize(header, out);
  // type 0; sizes zigzag(100) = 200 = c8 01 and zigzag(50) = 0x64; field 5 (delta 2) is the
  // DataPageHeader: 10 values, PLAIN, RLE levels (3 -> 6).
  EXPECT_EQ(hex(out), "15 00 15 c8 01 15 64 2c 15 14 15 00 15 06 15 06 00 00");
}

TEST(ThriftCompact, DictionaryPageHeaderHasTheExpectedBytes) {
  PageHeader header;
  header.type = PageType::dictionary_page;
  header.uncompressed_page_size = 3;
  header.compressed_page_size = 3;
  header.dictionary_page_header = DictionaryPageHeader{.num_values = 2};
  std::string out;
  serialize(header, out);
  // field 7 (delta 4 from 3) holds num_values 2 and encoding PLAIN.
  EXPECT_EQ(hex(out), "15 04 15 06 15 06 4c 15 04 15 00 00 00");
}

TEST(ThriftCompact, StatisticsUseTheNewFieldsOnly) {
  Statistics statistics;
  statistics.null_count = 0;
  statistics.max_value = "b";
  statistics.min_value = "a";
  statistics.is_max_value_exact = true;
  statistics.is_min_value_exact = false;
  std::string out;
  serialize(statistics, out);
  EXPECT_EQ(hex(out), "36 00 28 01 62 18 01 61 11 12 00");
}

TEST(ThriftCompact, FileMetaDataDecodesBack) {
  FileMetaData metadata;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement leaf;
  leaf.type = PhysicalType::fixed_len_byte_array;
  leaf.type_length = 9;
  leaf.repetition = Repetition::optional;
  leaf.name = "amount";
  leaf.converted_type = ConvertedType::decimal;
  leaf.scale = 2;
  leaf.precision = 20;
  leaf.logical_type =
      LogicalType{.kind = LogicalType::Kind::decimal, .decimal_scale = 2, .decimal_precision = 20};
  metadata.schema = {root, leaf};
  metadata.num_rows = 5;
  metadata.key_value_metadata = {{"k", "v"}};
  metadata.created_by = "pgexport test";
  metadata.type_ordered_leaf_columns = 1;
  std::string out;
  serialize(metadata, out);

  pqtest::ThriftReader reader(out);
  pqtest::ThriftValue decoded{reader.read_struct()};
  EXPECT_EQ(reader.position(), out.size());
  EXPECT_EQ(decoded[1].i(), 1);  // version
  const auto& schema = decoded[2].list();
  ASSERT_EQ(schema.size(), 2u);
  EXPECT_EQ(schema[0][4].s(), "schema");
  EXPECT_EQ(schema[0][5].i(), 1);
  EXPECT_FALSE(schema[0].has(3));  // the root has no repetition
  EXPECT_EQ(schema[1][1].i(), 7);
  EXPECT_EQ(schema[1][2].i(), 9);
  EXPECT_EQ(schema[1][6].i(), 5);
  EXPECT_EQ(schema[1][7].i(), 2);
  EXPECT_EQ(schema[1][8].i(), 20);
  EXPECT_EQ(schema[1][10][5][1].i(), 2);   // LogicalType.DECIMAL.scale
  EXPECT_EQ(schema[1][10][5][2].i(), 20);  // LogicalType.DECIMAL.precision
  EXPECT_EQ(decoded[3].i(), 5);
  EXPECT_TRUE(decoded[4].list().empty());
  EXPECT_EQ(decoded[5].list()[0][1].s(), "k");
  EXPECT_EQ(decoded[5].list()[0][2].s(), "v");
  EXPECT_EQ(decoded[6].s(), "pgexport test");
  ASSERT_EQ(decoded[7].list().size(), 1u);
  EXPECT_TRUE(decoded[7].list()[0].has(1));  // TYPE_ORDER
}

}  // namespace
}  // namespace pgexport::format::parquet
