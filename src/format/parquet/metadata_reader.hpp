// Decoding the compact-thrift structures of files pgexport writes (the reading half of
// metadata.hpp): the FileMetaData footer and page headers, into the same structs the writer
// fills. Only what pgexport writes is accepted: an enum value it never writes (INT96, another
// codec or encoding, data page V2, an index page, a logical type other than its own, a column
// chunk in another file) is a data_error saying so, as is a field missing that it always
// writes. Fields it does not need (statistics, encoding stats, sizes) are skipped.
#pragma once

#include <string_view>

#include "format/parquet/metadata.hpp"
#include "format/parquet/thrift_compact_reader.hpp"

namespace pgexport::format::parquet {

// The footer: exactly the FileMetaData bytes, without its length and "PAR1". Fills schema,
// num_rows, row_groups (columns with meta_data: type, path_in_schema, codec, num_values,
// total_compressed_size, data_page_offset, dictionary_page_offset; num_rows) and
// key_value_metadata.
FileMetaData read_file_metadata(std::string_view footer);

// One page header at the reader's position; the page's bytes follow it.
PageHeader read_page_header(thrift::CompactReader& reader);

}  // namespace pgexport::format::parquet
