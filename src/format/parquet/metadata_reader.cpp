#include "format/parquet/metadata_reader.hpp"

#include <optional>

#include "common/error.hpp"

namespace pgexport::format::parquet {
namespace {

using thrift::CompactReader;
using thrift::CompactType;
using thrift::FieldHeader;

constexpr uint8_t type_of(CompactType type) {
  return static_cast<uint8_t>(type);
}

[[noreturn]] void not_ours(std::string_view what) {
  fail(ErrorKind::data_error, "parquet: {}, which pgexport never writes", what);
}

// Calls on_field(header) for each field of the struct that opens at the reader's position; a
// field on_field does not consume (it returns false) is skipped.
template <typename OnField>
void read_struct(CompactReader& reader, OnField&& on_field) {
  reader.begin_struct();
  for (FieldHeader field = reader.next_field(); !field.stop(); field = reader.next_field()) {
    if (!on_field(field)) reader.skip(field.type);
  }
}

bool is(const FieldHeader& field, int16_t id, CompactType type) {
  return field.id == id && field.type == type_of(type);
}

bool is_bool(const FieldHeader& field, int16_t id) {
  return field.id == id && (field.type == type_of(CompactType::boolean_true) ||
                            field.type == type_of(CompactType::boolean_false));
}

// Calls on_element() once per element of a list of `element` values at the reader's position.
template <typename OnElement>
void read_list(CompactReader& reader, CompactType element, std::string_view what,
               OnElement&& on_element) {
  const thrift::ListHeader list = reader.read_list_header();
  if (list.element_type != type_of(element)) {
    fail(ErrorKind::data_error, "parquet: {} is not a list of the expected type", what);
  }
  for (uint32_t i = 0; i < list.size; ++i) on_element();
}

PhysicalType physical_type(int32_t value) {
  switch (value) {
    case 0:
    case 1:
    case 2:
    case 4:
    case 5:
    case 6:
    case 7:
      return static_cast<PhysicalType>(value);
    default:
      not_ours(fmt::format("a column has physical type {}", value));
  }
}

Repetition repetition(int32_t value) {
  if (value < 0 || value > 2) not_ours(fmt::format("a field has repetition {}", value));
  return static_cast<Repetition>(value);
}

ConvertedType converted_type(int32_t value) {
  switch (value) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 8:
    case 10:
    case 16:
    case 17:
    case 18:
    case 19:
      return static_cast<ConvertedType>(value);
    default:
      not_ours(fmt::format("a field has converted type {}", value));
  }
}

Encoding encoding(int32_t value) {
  switch (value) {
    case 0:
    case 2:
    case 3:
    case 4:
    case 8:
      return static_cast<Encoding>(value);
    default:
      not_ours(fmt::format("a page uses encoding {}", value));
  }
}

CompressionCodec codec(int32_t value) {
  switch (value) {
    case 0:
    case 1:
    case 2:
    case 6:
      return static_cast<CompressionCodec>(value);
    default:
      not_ours(fmt::format("a column chunk uses compression codec {}", value));
  }
}

// TimeUnit: pgexport writes MICROS (field 2) only.
void read_time_unit(CompactReader& reader) {
  bool micros = false;
  read_struct(reader, [&](const FieldHeader& field) {
    if (field.id == 2 && field.type == type_of(CompactType::struct_)) {
      micros = true;
      read_struct(reader, [](const FieldHeader&) { return false; });
      return true;
    }
    return false;
  });
  if (!micros) not_ours("a TIME or TIMESTAMP is not in microseconds");
}

LogicalType read_logical_type(CompactReader& reader) {
  using Kind = LogicalType::Kind;
  std::optional<LogicalType> type;
  read_struct(reader, [&](const FieldHeader& field) {
    if (field.type != type_of(CompactType::struct_)) return false;
    LogicalType value;
    switch (field.id) {
      case 1:
        value.kind = Kind::string;
        break;
      case 2:
        value.kind = Kind::map;
        break;
      case 3:
        value.kind = Kind::list;
        break;
      case 4:
        value.kind = Kind::enumeration;
        break;
      case 5:
        value.kind = Kind::decimal;
        read_struct(reader, [&](const FieldHeader& member) {
          if (is(member, 1, CompactType::i32)) {
            value.decimal_scale = reader.read_i32();
          } else if (is(member, 2, CompactType::i32)) {
            value.decimal_precision = reader.read_i32();
          } else {
            return false;
          }
          return true;
        });
        type = value;
        return true;
      case 6:
        value.kind = Kind::date;
        break;
      case 7:
      case 8:
        value.kind = field.id == 7 ? Kind::time : Kind::timestamp;
        read_struct(reader, [&](const FieldHeader& member) {
          if (is_bool(member, 1)) {
            value.adjusted_to_utc = CompactReader::bool_of_field(member.type);
          } else if (member.id == 2 && member.type == type_of(CompactType::struct_)) {
            read_time_unit(reader);
          } else {
            return false;
          }
          return true;
        });
        type = value;
        return true;
      case 10:
        value.kind = Kind::integer;
        read_struct(reader, [&](const FieldHeader& member) {
          if (is(member, 1, CompactType::i8)) {
            value.integer_bit_width = reader.read_i8();
          } else if (is_bool(member, 2)) {
            value.integer_signed = CompactReader::bool_of_field(member.type);
          } else {
            return false;
          }
          return true;
        });
        type = value;
        return true;
      case 12:
        value.kind = Kind::json;
        break;
      case 14:
        value.kind = Kind::uuid;
        break;
      default:
        not_ours(fmt::format("a field has logical type {}", field.id));
    }
    read_struct(reader, [](const FieldHeader&) { return false; });  // an empty marker struct
    type = value;
    return true;
  });
  if (!type) not_ours("a field has an empty logical type");
  return *type;
}

SchemaElement read_schema_element(CompactReader& reader) {
  SchemaElement element;
  bool named = false;
  read_struct(reader, [&](const FieldHeader& field) {
    if (is(field, 1, CompactType::i32)) {
      element.type = physical_type(reader.read_i32());
    } else if (is(field, 2, CompactType::i32)) {
      element.type_length = reader.read_i32();
    } else if (is(field, 3, CompactType::i32)) {
      element.repetition = repetition(reader.read_i32());
    } else if (is(field, 4, CompactType::binary)) {
      element.name = std::string(reader.read_binary());
      named = true;
    } else if (is(field, 5, CompactType::i32)) {
      element.num_children = reader.read_i32();
    } else if (is(field, 6, CompactType::i32)) {
      element.converted_type = converted_type(reader.read_i32());
    } else if (is(field, 7, CompactType::i32)) {
      element.scale = reader.read_i32();
    } else if (is(field, 8, CompactType::i32)) {
      element.precision = reader.read_i32();
    } else if (is(field, 10, CompactType::struct_)) {
      element.logical_type = read_logical_type(reader);
    } else {
      return false;
    }
    return true;
  });
  if (!named) fail(ErrorKind::data_error, "parquet: a schema element has no name");
  return element;
}

ColumnMetaData read_column_metadata(CompactReader& reader) {
  ColumnMetaData meta;
  bool typed = false, placed = false;
  read_struct(reader, [&](const FieldHeader& field) {
    if (is(field, 1, CompactType::i32)) {
      meta.type = physical_type(reader.read_i32());
      typed = true;
    } else if (is(field, 3, CompactType::list)) {
      read_list(reader, CompactType::binary, "path_in_schema",
                [&] { meta.path_in_schema.emplace_back(reader.read_binary()); });
    } else if (is(field, 4, CompactType::i32)) {
      meta.codec = codec(reader.read_i32());
    } else if (is(field, 5, CompactType::i64)) {
      meta.num_values = reader.read_i64();
    } else if (is(field, 6, CompactType::i64)) {
      meta.total_uncompressed_size = reader.read_i64();
    } else if (is(field, 7, CompactType::i64)) {
      meta.total_compressed_size = reader.read_i64();
    } else if (is(field, 9, CompactType::i64)) {
      meta.data_page_offset = reader.read_i64();
      placed = true;
    } else if (is(field, 11, CompactType::i64)) {
      meta.dictionary_page_offset = reader.read_i64();
    } else {
      return false;
    }
    return true;
  });
  if (!typed || !placed || meta.path_in_schema.empty()) {
    fail(ErrorKind::data_error, "parquet: a column chunk lacks its type, path or offset");
  }
  return meta;
}

RowGroup read_row_group(CompactReader& reader) {
  RowGroup group;
  bool counted = false;
  read_struct(reader, [&](const FieldHeader& field) {
    if (is(field, 1, CompactType::list)) {
      read_list(reader, CompactType::struct_, "a row group's columns", [&] {
        ColumnChunk chunk;
        bool described = false;
        read_struct(reader, [&](const FieldHeader& member) {
          if (member.id == 1 && member.type == type_of(CompactType::binary)) {
            not_ours("a column chunk lives in another file (file_path)");
          }
          if (is(member, 3, CompactType::struct_)) {
            chunk.meta_data = read_column_metadata(reader);
            described = true;
            return true;
          }
          return false;
        });
        if (!described) fail(ErrorKind::data_error, "parquet: a column chunk has no meta_data");
        group.columns.push_back(std::move(chunk));
      });
    } else if (is(field, 3, CompactType::i64)) {
      group.num_rows = reader.read_i64();
      counted = true;
    } else {
      return false;
    }
    return true;
  });
  if (!counted) fail(ErrorKind::data_error, "parquet: a row group has no num_rows");
  return group;
}

}  // namespace

FileMetaData read_file_metadata(std::string_view footer) {
  CompactReader reader(footer);
  FileMetaData metadata;
  bool counted = false;
  read_struct(reader, [&](const FieldHeader& field) {
    if (is(field, 2, CompactType::list)) {
      read_list(reader, CompactType::struct_, "schema",
                [&] { metadata.schema.push_back(read_schema_element(reader)); });
    } else if (is(field, 3, CompactType::i64)) {
      metadata.num_rows = reader.read_i64();
      counted = true;
    } else if (is(field, 4, CompactType::list)) {
      read_list(reader, CompactType::struct_, "row_groups",
                [&] { metadata.row_groups.push_back(read_row_group(reader)); });
    } else if (is(field, 5, CompactType::list)) {
      read_list(reader, CompactType::struct_, "key_value_metadata", [&] {
        KeyValue entry;
        read_struct(reader, [&](const FieldHeader& member) {
          if (is(member, 1, CompactType::binary)) {
            entry.key = std::string(reader.read_binary());
          } else if (is(member, 2, CompactType::binary)) {
            entry.value = std::string(reader.read_binary());
          } else {
            return false;
          }
          return true;
        });
        metadata.key_value_metadata.push_back(std::move(entry));
      });
    } else {
      return false;
    }
    return true;
  });
  if (!counted || metadata.schema.empty()) {
    fail(ErrorKind::data_error, "parquet: the footer has no schema or no num_rows");
  }
  return metadata;
}

PageHeader read_page_header(CompactReader& reader) {
  PageHeader header;
  bool typed = false;
  read_struct(reader, [&](const FieldHeader& field) {
    if (is(field, 1, CompactType::i32)) {
      const int32_t type = reader.read_i32();
      if (type != 0 && type != 2) {
        not_ours(fmt::format("a page has type {} (only data pages V1 and dictionary pages)", type));
      }
      header.type = static_cast<PageType>(type);
      typed = true;
    } else if (is(field, 2, CompactType::i32)) {
      header.uncompressed_page_size = reader.read_i32();
    } else if (is(field, 3, CompactType::i32)) {
      header.compressed_page_size = reader.read_i32();
    } else if (is(field, 5, CompactType::struct_)) {
      DataPageHeader data;
      read_struct(reader, [&](const FieldHeader& member) {
        if (is(member, 1, CompactType::i32)) {
          data.num_values = reader.read_i32();
        } else if (is(member, 2, CompactType::i32)) {
          data.encoding = encoding(reader.read_i32());
        } else if (is(member, 3, CompactType::i32)) {
          data.definition_level_encoding = encoding(reader.read_i32());
        } else if (is(member, 4, CompactType::i32)) {
          data.repetition_level_encoding = encoding(reader.read_i32());
        } else {
          return false;
        }
        return true;
      });
      header.data_page_header = data;
    } else if (is(field, 7, CompactType::struct_)) {
      DictionaryPageHeader dictionary;
      read_struct(reader, [&](const FieldHeader& member) {
        if (is(member, 1, CompactType::i32)) {
          dictionary.num_values = reader.read_i32();
        } else if (is(member, 2, CompactType::i32)) {
          dictionary.encoding = encoding(reader.read_i32());
        } else {
          return false;
        }
        return true;
      });
      header.dictionary_page_header = dictionary;
    } else if (field.id == 8) {
      not_ours("a page is a data page V2");
    } else {
      return false;
    }
    return true;
  });
  if (!typed || header.uncompressed_page_size < 0 || header.compressed_page_size < 0) {
    fail(ErrorKind::data_error, "parquet: a page header lacks its type or has a negative size");
  }
  if (header.type == PageType::data_page ? !header.data_page_header
                                         : !header.dictionary_page_header) {
    fail(ErrorKind::data_error, "parquet: a page header lacks the header of its page type");
  }
  return header;
}

}  // namespace pgexport::format::parquet
