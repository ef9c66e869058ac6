// Decoding Parquet's RLE / bit-packing hybrid (Encodings.md, "RLE = 3"), the reading half of
// rle_encoder.hpp: definition and repetition levels and dictionary indices.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pgexport::format::parquet {

// Decodes exactly `count` values of `width` bits (0..32) from `data` (without a length prefix)
// into `out`. Throws data_error when the runs end early; bit-packed padding after the last value
// is ignored.
void decode_rle_hybrid(std::string_view data, int width, size_t count, std::vector<uint32_t>& out);

}  // namespace pgexport::format::parquet
