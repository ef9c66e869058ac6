#include "format/parquet/metadata.hpp"

#include "common/error.hpp"
#include "format/parquet/thrift_compact.hpp"

namespace pgexport::format::parquet {
namespace {

using thrift::CompactType;
using thrift::CompactWriter;

int32_t as_i32(auto value) {
  return static_cast<int32_t>(value);
}

uint32_t list_size(size_t size) {
  if (size > INT32_MAX) fail(ErrorKind::internal, "thrift: list of {} elements is too long", size);
  return static_cast<uint32_t>(size);
}

// An empty struct: the union members that carry no data (StringType, UUIDType, ...).
void write_empty_struct(CompactWriter& writer, int16_t id) {
  writer.begin_struct_field(id);
  writer.end_struct();
}

void write_time_unit_micros(CompactWriter& writer, int16_t id) {
  writer.begin_struct_field(id);  // TimeUnit union
  write_empty_struct(writer, 2);  // MICROS
  writer.end_struct();
}

void write_logical_type(CompactWriter& writer, const LogicalType& type) {
  using Kind = LogicalType::Kind;
  writer.begin_struct_field(10);  // SchemaElement.logicalType
  switch (type.kind) {
    case Kind::string:
      write_empty_struct(writer, 1);
      break;
    case Kind::map:
      write_empty_struct(writer, 2);
      break;
    case Kind::list:
      write_empty_struct(writer, 3);
      break;
    case Kind::enumeration:
      write_empty_struct(writer, 4);
      break;
    case Kind::decimal:
      writer.begin_struct_field(5);
      writer.field_i32(1, type.decimal_scale);
      writer.field_i32(2, type.decimal_precision);
      writer.end_struct();
      break;
    case Kind::date:
      write_empty_struct(writer, 6);
      break;
    case Kind::time:
    case Kind::timestamp:
      writer.begin_struct_field(type.kind == Kind::time ? 7 : 8);
      writer.field_bool(1, type.adjusted_to_utc);
      write_time_unit_micros(writer, 2);
      writer.end_struct();
      break;
    case Kind::integer:
      writer.begin_struct_field(10);
      writer.field_i8(1, type.integer_bit_width);
      writer.field_bool(2, type.integer_signed);
      writer.end_struct();
      break;
    case Kind::json:
      write_empty_struct(writer, 12);
      break;
    case Kind::uuid:
      write_empty_struct(writer, 14);
      break;
  }
  writer.end_struct();
}

void write_schema_element(CompactWriter& writer, const SchemaElement& element) {
  writer.begin_struct_element();
  if (element.type) writer.field_i32(1, as_i32(*element.type));
  if (element.type_length) writer.field_i32(2, *element.type_length);
  if (element.repetition) writer.field_i32(3, as_i32(*element.repetition));
  writer.field_binary(4, element.name);
  if (element.num_children) writer.field_i32(5, *element.num_children);
  if (element.converted_type) writer.field_i32(6, as_i32(*element.converted_type));
  if (element.scale) writer.field_i32(7, *element.scale);
  if (element.precision) writer.field_i32(8, *element.precision);
  if (element.logical_type) write_logical_type(writer, *element.logical_type);
  writer.end_struct();
}

void write_statistics_fields(CompactWriter& writer, const Statistics& statistics) {
  // Fields 1 and 2 (the deprecated signed-order min/max) are never written: every column
  // declares TYPE_ORDER in FileMetaData.column_orders, so readers use fields 5 and 6.
  if (statistics.null_count) writer.field_i64(3, *statistics.null_count);
  if (statistics.max_value) writer.field_binary(5, *statistics.max_value);
  if (statistics.min_value) writer.field_binary(6, *statistics.min_value);
  if (statistics.is_max_value_exact) writer.field_bool(7, *statistics.is_max_value_exact);
  if (statistics.is_min_value_exact) writer.field_bool(8, *statistics.is_min_value_exact);
  if (statistics.nan_count) writer.field_i64(9, *statistics.nan_count);
}

void write_column_metadata(CompactWriter& writer, const ColumnMetaData& meta) {
  writer.begin_struct_field(3);  // ColumnChunk.meta_data
  writer.field_i32(1, as_i32(meta.type));
  writer.begin_list_field(2, CompactType::i32, list_size(meta.encodings.size()));
  for (Encoding encoding : meta.encodings) writer.element_i32(as_i32(encoding));
  writer.begin_list_field(3, CompactType::binary, list_size(meta.path_in_schema.size()));
  for (const auto& part : meta.path_in_schema) writer.element_binary(part);
  writer.field_i32(4, as_i32(meta.codec));
  writer.field_i64(5, meta.num_values);
  writer.field_i64(6, meta.total_uncompressed_size);
  writer.field_i64(7, meta.total_compressed_size);
  writer.field_i64(9, meta.data_page_offset);
  if (meta.dictionary_page_offset) writer.field_i64(11, *meta.dictionary_page_offset);
  if (meta.statistics) {
    writer.begin_struct_field(12);
    write_statistics_fields(writer, *meta.statistics);
    writer.end_struct();
  }
  if (!meta.encoding_stats.empty()) {
    writer.begin_list_field(13, CompactType::struct_, list_size(meta.encoding_stats.size()));
    for (const auto& stats : meta.encoding_stats) {
      writer.begin_struct_element();
      writer.field_i32(1, as_i32(stats.page_type));
      writer.field_i32(2, as_i32(stats.encoding));
      writer.field_i32(3, stats.count);
      writer.end_struct();
    }
  }
  writer.end_struct();
}

void write_row_group(CompactWriter& writer, const RowGroup& group) {
  writer.begin_struct_element();
  writer.begin_list_field(1, CompactType::struct_, list_size(group.columns.size()));
  for (const auto& chunk : group.columns) {
    writer.begin_struct_element();
    writer.field_i64(2, chunk.file_offset);
    write_column_metadata(writer, chunk.meta_data);
    writer.end_struct();
  }
  writer.field_i64(2, group.total_byte_size);
  writer.field_i64(3, group.num_rows);
  writer.field_i64(5, group.file_offset);
  writer.field_i64(6, group.total_compressed_size);
  if (group.ordinal) writer.field_i16(7, *group.ordinal);
  writer.end_struct();
}

}  // namespace

void serialize(const Statistics& statistics, std::string& out) {
  CompactWriter writer(out);
  writer.begin_struct();
  write_statistics_fields(writer, statistics);
  writer.end_struct();
}

void serialize(const PageHeader& header, std::string& out) {
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_i32(1, as_i32(header.type));
  writer.field_i32(2, header.uncompressed_page_size);
  writer.field_i32(3, header.compressed_page_size);
  if (header.data_page_header) {
    const auto& data = *header.data_page_header;
    writer.begin_struct_field(5);
    writer.field_i32(1, data.num_values);
    writer.field_i32(2, as_i32(data.encoding));
    writer.field_i32(3, as_i32(data.definition_level_encoding));
    writer.field_i32(4, as_i32(data.repetition_level_encoding));
    writer.end_struct();
  }
  if (header.dictionary_page_header) {
    const auto& dictionary = *header.dictionary_page_header;
    writer.begin_struct_field(7);
    writer.field_i32(1, dictionary.num_values);
    writer.field_i32(2, as_i32(dictionary.encoding));
    writer.end_struct();
  }
  writer.end_struct();
}

void serialize(const FileMetaData& metadata, std::string& out) {
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_i32(1, metadata.version);
  writer.begin_list_field(2, CompactType::struct_, list_size(metadata.schema.size()));
  for (const auto& element : metadata.schema) write_schema_element(writer, element);
  writer.field_i64(3, metadata.num_rows);
  writer.begin_list_field(4, CompactType::struct_, list_size(metadata.row_groups.size()));
  for (const auto& group : metadata.row_groups) write_row_group(writer, group);
  if (!metadata.key_value_metadata.empty()) {
    writer.begin_list_field(5, CompactType::struct_, list_size(metadata.key_value_metadata.size()));
    for (const auto& entry : metadata.key_value_metadata) {
      writer.begin_struct_element();
      writer.field_binary(1, entry.key);
      writer.field_binary(2, entry.value);
      writer.end_struct();
    }
  }
  writer.field_binary(6, metadata.created_by);
  writer.begin_list_field(7, CompactType::struct_, list_size(metadata.type_ordered_leaf_columns));
  for (int32_t i = 0; i < metadata.type_ordered_leaf_columns; ++i) {
    writer.begin_struct_element();  // ColumnOrder union
    write_empty_struct(writer, 1);  // TYPE_ORDER
    writer.end_struct();
  }
  writer.end_struct();
}

}  // namespace pgexport::format::parquet
