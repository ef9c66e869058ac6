// Reads the row counts from a Parquet file's footer: a file ends with the compact-thrift
// FileMetaData, its length (4 bytes, little endian) and "PAR1". Only FileMetaData.num_rows and
// each RowGroup.num_rows are decoded; every other field is skipped, so footers written by other
// tools read as well as ours.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pgexport::format::parquet {

// "PAR1" length + magic at the end of every Parquet file.
inline constexpr size_t kFooterTrailerBytes = 8;

struct FooterRowCounts {
  int64_t num_rows = 0;                 // FileMetaData.num_rows
  std::vector<int64_t> row_group_rows;  // RowGroup.num_rows, in file order
};

// The FileMetaData length that the last 8 bytes of a file announce. Throws Error(data_error)
// when they do not end in "PAR1".
uint32_t footer_length(std::string_view trailer);

// Decodes a FileMetaData (exactly the footer bytes, without length and magic).
FooterRowCounts read_row_counts(std::string_view file_metadata);

// Decodes the footer from the end of a file: `file_tail` holds at least the footer, its length
// and the magic (the whole file will do). Throws Error(data_error) naming what is wrong.
FooterRowCounts read_row_counts_from_tail(std::string_view file_tail);

}  // namespace pgexport::format::parquet
