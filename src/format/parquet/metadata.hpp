// The parts of parquet.thrift that pgexport writes, as plain structs, and their compact-protocol
// serialisation. Field numbers and enum values are the specification's; optional thrift fields
// are std::optional here and are left out of the encoding when empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgexport::format::parquet {

enum class PhysicalType : int32_t {
  boolean = 0,
  int32 = 1,
  int64 = 2,
  // 3 is INT96, deprecated; pgexport never writes it.
  float_ = 4,
  double_ = 5,
  byte_array = 6,
  fixed_len_byte_array = 7,
};

enum class ConvertedType : int32_t {
  utf8 = 0,
  map = 1,
  map_key_value = 2,  // the repeated group of a MAP, in files written before LogicalType
  list = 3,
  enum_ = 4,
  decimal = 5,
  date = 6,
  time_micros = 8,
  timestamp_micros = 10,
  int_16 = 16,
  int_32 = 17,
  int_64 = 18,
  json = 19,
};

enum class Repetition : int32_t { required = 0, optional = 1, repeated = 2 };

// plain_dictionary and bit_packed are never written; older writers (parquet-mr's V1 pages, as
// Spark writes them) use them, and they are read: plain_dictionary as rle_dictionary for data
// pages and plain for dictionary pages, bit_packed only as the name of absent levels.
enum class Encoding : int32_t {
  plain = 0,
  plain_dictionary = 2,
  rle = 3,
  bit_packed = 4,
  rle_dictionary = 8
};

enum class CompressionCodec : int32_t { uncompressed = 0, snappy = 1, gzip = 2, zstd = 6 };

enum class PageType : int32_t { data_page = 0, dictionary_page = 2 };

// The LogicalType union. Only the members pgexport writes exist; `kind` selects one.
struct LogicalType {
  enum class Kind {
    string,
    map,
    list,
    enumeration,
    decimal,
    date,
    time,
    timestamp,
    integer,
    json,
    uuid
  };
  Kind kind = Kind::string;
  int32_t decimal_scale = 0;      // decimal
  int32_t decimal_precision = 0;  // decimal
  bool adjusted_to_utc = false;   // time, timestamp (unit is always MICROS)
  int8_t integer_bit_width = 0;   // integer
  bool integer_signed = true;     // integer
};

struct SchemaElement {
  std::optional<PhysicalType> type;      // leaves only
  std::optional<int32_t> type_length;    // FIXED_LEN_BYTE_ARRAY only
  std::optional<Repetition> repetition;  // all but the root
  std::string name;
  std::optional<int32_t> num_children;  // groups only
  std::optional<ConvertedType> converted_type;
  std::optional<int32_t> scale;      // decimal, also in logical_type
  std::optional<int32_t> precision;  // decimal, also in logical_type
  std::optional<LogicalType> logical_type;
};

// Bounds and counts for one column chunk. min/max are PLAIN-encoded without a length prefix,
// ordered as the column's ColumnOrder (TYPE_ORDER) says.
struct Statistics {
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
  std::optional<int64_t> null_count;
  std::optional<bool> is_max_value_exact;
  std::optional<bool> is_min_value_exact;
  std::optional<int64_t> nan_count;  // FLOAT and DOUBLE only
};

struct DataPageHeader {
  int32_t num_values = 0;  // including NULLs and empty lists: one per level entry
  Encoding encoding = Encoding::plain;
  Encoding definition_level_encoding = Encoding::rle;
  Encoding repetition_level_encoding = Encoding::rle;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::plain;
};

struct PageHeader {
  PageType type = PageType::data_page;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct PageEncodingStats {
  PageType page_type = PageType::data_page;
  Encoding encoding = Encoding::plain;
  int32_t count = 0;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::int32;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  CompressionCodec codec = CompressionCodec::uncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;  // pages including their headers
  int64_t total_compressed_size = 0;    // pages including their headers
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::vector<PageEncodingStats> encoding_stats;
};

struct ColumnChunk {
  int64_t file_offset = 0;  // deprecated; the specification asks writers for 0
  ColumnMetaData meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;  // uncompressed
  int64_t num_rows = 0;
  int64_t file_offset = 0;
  int64_t total_compressed_size = 0;
  std::optional<int16_t> ordinal;  // an i16: left out past 32767 row groups
};

struct FileMetaData {
  int32_t version = 1;  // parquet.thrift: writers should write 1 for the widest compatibility
  std::vector<SchemaElement> schema;  // depth-first, root first
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by;
  // One ColumnOrder per leaf column; pgexport always uses TYPE_ORDER, so it is a count.
  int32_t type_ordered_leaf_columns = 0;
};

// Appends the compact-protocol encoding of each struct to `out`.
void serialize(const PageHeader& header, std::string& out);
void serialize(const FileMetaData& metadata, std::string& out);
void serialize(const Statistics& statistics, std::string& out);  // standalone, for tests

}  // namespace pgexport::format::parquet
