// Decoding one column chunk as pgexport writes it: an optional PLAIN dictionary page, then data
// pages V1 (repetition levels, definition levels, each RLE-encoded behind a 4-byte length, then
// PLAIN or RLE_DICTIONARY values), each page compressed with the chunk's codec. Anything else is
// refused (metadata_reader.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compress/block_decompressor.hpp"
#include "format/parquet/metadata.hpp"

namespace pgexport::format::parquet {

// A leaf column's shape, from the schema.
struct LeafShape {
  PhysicalType physical = PhysicalType::byte_array;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY only
  uint8_t max_definition_level = 0;
  uint8_t max_repetition_level = 0;
};

// One chunk, decoded: a level pair per slot, and the values of the slots whose definition level
// is the maximum, in order, each as its PLAIN bytes (4 or 8 little-endian bytes for numbers, one
// byte 0/1 for booleans, the bytes themselves for byte arrays). Values are views into buffers the
// chunk owns.
struct DecodedChunk {
  std::vector<uint32_t> definition_levels;  // empty when the leaf's maximum is 0
  std::vector<uint32_t> repetition_levels;  // empty when the leaf's maximum is 0
  std::vector<std::string_view> values;
  size_t slots = 0;

  std::deque<std::string> buffers;  // decompressed pages and unpacked booleans
};

// The block codec of a column chunk's codec; throws data_error for one pgexport cannot read.
compress::BlockCodecKind block_codec_of(CompressionCodec codec);

// Decodes the chunk whose bytes (from its first page to its end) are `bytes`. Throws data_error
// naming what is wrong.
void decode_column_chunk(std::string_view bytes, const LeafShape& shape,
                         compress::BlockDecompressor& decompressor, int64_t expected_slots,
                         DecodedChunk& chunk);

}  // namespace pgexport::format::parquet
