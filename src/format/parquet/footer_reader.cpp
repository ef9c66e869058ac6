#include "format/parquet/footer_reader.hpp"

#include <optional>

#include "common/error.hpp"
#include "format/parquet/thrift_compact_reader.hpp"

namespace pgexport::format::parquet {

namespace {
// Field ids from parquet.thrift.
constexpr int16_t kFileMetaDataNumRows = 3;
constexpr int16_t kFileMetaDataRowGroups = 4;
constexpr int16_t kRowGroupNumRows = 3;

using thrift::CompactType;

int64_t read_row_group_rows(thrift::CompactReader& reader) {
  reader.begin_struct();
  std::optional<int64_t> rows;
  for (auto field = reader.next_field(); !field.stop(); field = reader.next_field()) {
    if (field.id == kRowGroupNumRows && field.type == static_cast<uint8_t>(CompactType::i64)) {
      rows = reader.read_i64();
    } else {
      reader.skip(field.type);
    }
  }
  if (!rows) fail(ErrorKind::data_error, "parquet: a row group has no num_rows");
  return *rows;
}
}  // namespace

uint32_t footer_length(std::string_view trailer) {
  if (trailer.size() < kFooterTrailerBytes ||
      trailer.substr(trailer.size() - 4) != std::string_view("PAR1")) {
    fail(ErrorKind::data_error, "parquet: the file does not end with PAR1");
  }
  auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(trailer[trailer.size() - 8 + i]));
  };
  return byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
}

FooterRowCounts read_row_counts(std::string_view file_metadata) {
  thrift::CompactReader reader(file_metadata);
  reader.begin_struct();
  FooterRowCounts counts;
  bool have_rows = false;
  for (auto field = reader.next_field(); !field.stop(); field = reader.next_field()) {
    if (field.id == kFileMetaDataNumRows && field.type == static_cast<uint8_t>(CompactType::i64)) {
      counts.num_rows = reader.read_i64();
      have_rows = true;
    } else if (field.id == kFileMetaDataRowGroups &&
               field.type == static_cast<uint8_t>(CompactType::list)) {
      auto list = reader.read_list_header();
      if (list.element_type != static_cast<uint8_t>(CompactType::struct_)) {
        fail(ErrorKind::data_error, "parquet: row_groups is not a list of structs");
      }
      for (uint32_t i = 0; i < list.size; ++i) {
        counts.row_group_rows.push_back(read_row_group_rows(reader));
      }
    } else {
      reader.skip(field.type);
    }
  }
  if (!have_rows) fail(ErrorKind::data_error, "parquet: the footer has no num_rows");
  return counts;
}

FooterRowCounts read_row_counts_from_tail(std::string_view file_tail) {
  uint32_t length = footer_length(file_tail);
  if (length > file_tail.size() - kFooterTrailerBytes) {
    fail(ErrorKind::data_error,
         "parquet: the footer length ({} bytes) is larger than what precedes it ({} bytes)", length,
         file_tail.size() - kFooterTrailerBytes);
  }
  return read_row_counts(file_tail.substr(file_tail.size() - kFooterTrailerBytes - length, length));
}

}  // namespace pgexport::format::parquet
