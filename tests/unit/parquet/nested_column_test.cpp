// Nested columns: the schema elements of groups, MAPs and LISTs, and the definition and
// repetition levels the shredder writes, compared with levels worked out by hand from
// parquet-format's "Nested Types" rules; then the leaves read back by NestedColumnReader.
#include "format/parquet/nested_column_writer.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "compress/block_decompressor.hpp"
#include "format/parquet/column_chunk_reader.hpp"
#include "format/parquet/file_writer.hpp"
#include "format/parquet/metadata_reader.hpp"
#include "format/parquet/nested_column_reader.hpp"

#include <cstring>

namespace pgexport::format::parquet {
namespace {

using Field = NestedField;
using Value = NestedValue;

// optional group s { optional int64 a; optional group m (MAP) {
//   repeated group key_value { required binary key (STRING); optional binary value (STRING) } } }
Field struct_field() {
  return Field::group(
      "s", {Field::int64("a"), Field::map("m", Field::string("key"), Field::string("value"))});
}
// optional group l (LIST) { repeated group list { optional binary element (STRING) } }
Field list_field() {
  return Field::list("l", Field::string("element"));
}

// Rows with NULL at every depth: the struct, its field, the map, a map value; the list, an
// element; and empty collections.
std::vector<std::pair<Value, Value>> rows() {
  return {
      {Value(), Value()},
      {Value::group({Value(), Value()}), Value::list({})},
      {Value::group({Value::int64(5), Value::map({})}), Value::list({Value()})},
      {Value::group({Value::int64(-6), Value::map({{Value::string("k1"), Value::string("v1")},
                                                   {Value::string("k2"), Value()}})}),
       Value::list({Value::string("x"), Value::string("y")})},
  };
}

std::string write_file() {
  FileWriterOptions options;
  options.codec = compress::BlockCodecKind::uncompressed;
  FileWriter writer(options);
  auto s = std::make_unique<NestedColumnWriter>(struct_field(), writer.column_settings());
  auto l = std::make_unique<NestedColumnWriter>(list_field(), writer.column_settings());
  NestedColumnWriter* s_writer = s.get();
  NestedColumnWriter* l_writer = l.get();
  writer.add_column(std::move(s));
  writer.add_column(std::move(l));
  StringSink sink;
  writer.start(sink);
  for (const auto& [s_value, l_value] : rows()) {
    s_writer->write_value(s_value);
    l_writer->write_value(l_value);
    writer.end_row();
  }
  writer.finish();
  return sink.data;
}

TEST(NestedColumn, SchemaElementsAreTheThreeLevelForms) {
  FileWriter writer(FileWriterOptions{});
  NestedColumnWriter s(struct_field(), writer.column_settings());
  NestedColumnWriter l(list_field(), writer.column_settings());
  std::vector<SchemaElement> schema;
  s.append_schema(schema);
  l.append_schema(schema);
  std::vector<std::string> names;
  for (const auto& element : schema) names.push_back(element.name);
  EXPECT_EQ(names, (std::vector<std::string>{"s", "a", "m", "key_value", "key", "value", "l",
                                             "list", "element"}));
  EXPECT_EQ(schema[0].num_children, 2);
  EXPECT_EQ(schema[0].repetition, Repetition::optional);
  EXPECT_FALSE(schema[0].type.has_value());
  EXPECT_EQ(schema[1].type, PhysicalType::int64);
  EXPECT_EQ(schema[2].converted_type, ConvertedType::map);
  EXPECT_EQ(schema[2].logical_type->kind, LogicalType::Kind::map);
  EXPECT_EQ(schema[3].repetition, Repetition::repeated);
  EXPECT_EQ(schema[3].num_children, 2);
  EXPECT_EQ(schema[4].repetition, Repetition::required);
  EXPECT_EQ(schema[4].logical_type->kind, LogicalType::Kind::string);
  EXPECT_EQ(schema[5].repetition, Repetition::optional);
  EXPECT_EQ(schema[6].converted_type, ConvertedType::list);
  EXPECT_EQ(schema[7].repetition, Repetition::repeated);
  EXPECT_EQ(schema[7].num_children, 1);
  EXPECT_EQ(schema[8].type, PhysicalType::byte_array);

  std::vector<PrimitiveColumnWriter*> leaves;
  s.collect_leaves(leaves);
  l.collect_leaves(leaves);
  ASSERT_EQ(leaves.size(), 4u);
  EXPECT_EQ(leaves[1]->schema().path, (std::vector<std::string>{"s", "m", "key_value", "key"}));
  // definition: s, m, key_value (the key is required); repetition: key_value.
  EXPECT_EQ(leaves[1]->schema().max_definition_level, 3);
  EXPECT_EQ(leaves[1]->schema().max_repetition_level, 1);
  EXPECT_EQ(leaves[2]->schema().max_definition_level, 4);
  EXPECT_EQ(leaves[3]->schema().max_definition_level, 3);
  EXPECT_EQ(leaves[3]->schema().max_repetition_level, 1);
}

struct Levels {
  std::vector<uint32_t> definition, repetition;
  std::vector<std::string> values;
};

// The levels and values of leaf `index` of the written file's only row group.
Levels levels_of(const std::string& file, size_t index, uint8_t max_definition,
                 uint8_t max_repetition, PhysicalType physical) {
  uint32_t footer_length;
  std::memcpy(&footer_length, file.data() + file.size() - 8, 4);
  FileMetaData metadata = read_file_metadata(
      std::string_view(file).substr(file.size() - 8 - footer_length, footer_length));
  const ColumnMetaData& meta = metadata.row_groups.at(0).columns.at(index).meta_data;
  const int64_t start = meta.dictionary_page_offset.value_or(meta.data_page_offset);
  auto decompressor = compress::make_block_decompressor(compress::BlockCodecKind::uncompressed);
  DecodedChunk chunk;
  LeafShape shape{physical, 0, max_definition, max_repetition};
  decode_column_chunk(std::string_view(file).substr(start, meta.total_compressed_size), shape,
                      *decompressor, meta.num_values, chunk);
  Levels levels{chunk.definition_levels, chunk.repetition_levels, {}};
  for (auto value : chunk.values) levels.values.emplace_back(value);
  return levels;
}

std::string le64(int64_t value) {
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &value, 8);
  return bytes;
}

TEST(NestedColumn, LevelsAreTheHandWorkedOnes) {
  const std::string file = write_file();
  // s.a: NULL s (0), NULL a (1), 5 (2), -6 (2).
  auto a = levels_of(file, 0, 2, 0, PhysicalType::int64);
  EXPECT_EQ(a.definition, (std::vector<uint32_t>{0, 1, 2, 2}));
  EXPECT_TRUE(a.repetition.empty());
  EXPECT_EQ(a.values, (std::vector<std::string>{le64(5), le64(-6)}));
  // s.m.key_value.key: NULL s (0), NULL m (1), empty m (2), two entries (3, 3) of which the
  // second repeats at level 1.
  auto key = levels_of(file, 1, 3, 1, PhysicalType::byte_array);
  EXPECT_EQ(key.definition, (std::vector<uint32_t>{0, 1, 2, 3, 3}));
  EXPECT_EQ(key.repetition, (std::vector<uint32_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(key.values, (std::vector<std::string>{"k1", "k2"}));
  // s.m.key_value.value: as the key, but v1 is defined (4) and k2's value is NULL (3).
  auto value = levels_of(file, 2, 4, 1, PhysicalType::byte_array);
  EXPECT_EQ(value.definition, (std::vector<uint32_t>{0, 1, 2, 4, 3}));
  EXPECT_EQ(value.repetition, (std::vector<uint32_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(value.values, (std::vector<std::string>{"v1"}));
  // l.list.element: NULL l (0), empty (1), [NULL] (2), [x, y] (3, 3).
  auto element = levels_of(file, 3, 3, 1, PhysicalType::byte_array);
  EXPECT_EQ(element.definition, (std::vector<uint32_t>{0, 1, 2, 3, 3}));
  EXPECT_EQ(element.repetition, (std::vector<uint32_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(element.values, (std::vector<std::string>{"x", "y"}));
}

TEST(NestedColumn, TheReaderReassemblesRows) {
  NestedColumnReader reader(write_file());
  ASSERT_EQ(reader.rows(), 4);
  using Opt = NestedColumnReader::Value;
  EXPECT_EQ(reader.column({"s", "a"}),
            (std::vector<Opt>{std::nullopt, std::nullopt, le64(5), le64(-6)}));
  using Entries = NestedColumnReader::Entries;
  using List = std::vector<Opt>;
  // NULL struct, NULL map, empty map, two entries.
  EXPECT_EQ(reader.repeated_column({"s", "m", "key_value", "key"}),
            (std::vector<Entries>{std::nullopt, std::nullopt, List{}, List{"k1", "k2"}}));
  EXPECT_EQ(reader.repeated_column({"s", "m", "key_value", "value"}),
            (std::vector<Entries>{std::nullopt, std::nullopt, List{}, List{"v1", std::nullopt}}));
  // NULL list, empty list, [NULL], [x, y].
  EXPECT_EQ(reader.repeated_column({"l", "list", "element"}),
            (std::vector<Entries>{std::nullopt, List{}, List{std::nullopt}, List{"x", "y"}}));
  EXPECT_FALSE(reader.has_leaf({"s", "b"}));
  EXPECT_THROW(reader.column({"l", "list", "element"}), Error);
}

TEST(NestedColumn, AValueOfTheWrongShapeIsRefused) {
  FileWriter writer(FileWriterOptions{});
  NestedColumnWriter s(struct_field(), writer.column_settings());
  EXPECT_THROW(s.write_value(Value::group({Value::int64(1)})), Error);  // a field short
  EXPECT_THROW(s.write_value(Value::int64(1)), Error);                  // not a group
  NestedColumnWriter required(Field::group("r", {Field::int64("x", true)}),
                              writer.column_settings());
  try {
    required.write_value(Value::group({Value()}));
    FAIL() << "a NULL in a required field was taken";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
  }
}

}  // namespace
}  // namespace pgexport::format::parquet
