// Parquet's RLE / bit-packing hybrid (Encodings.md, "RLE = 3"), used for definition and
// repetition levels and for dictionary indices, and the LSB-first bit packing it shares with
// PLAIN booleans.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace pgexport::format::parquet {

// Bits needed to store every value in 0..max_value (0 for max_value 0).
int bit_width(uint64_t max_value);

// Appends `values` in the hybrid encoding, without the 4-byte length prefix that data page V1
// levels carry (the caller adds it where the format wants it). Runs of 8 or more equal values
// become RLE runs; everything else is bit-packed in groups of 8, the last group padded with
// zeros. Every value must fit in `width` bits (1..32).
void append_rle_hybrid(std::string& out, std::span<const uint32_t> values, int width);
void append_rle_hybrid(std::string& out, std::span<const uint8_t> values, int width);

// Appends values bit-packed LSB first with the given width, padded to a whole byte.
void append_bit_packed(std::string& out, std::span<const uint8_t> values, int width);

}  // namespace pgexport::format::parquet
