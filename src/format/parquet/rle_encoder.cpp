#include "format/parquet/rle_encoder.hpp"

#include <bit>

#include "common/error.hpp"
#include "format/parquet/thrift_compact.hpp"

namespace pgexport::format::parquet {
namespace {

// Bit-packed runs always hold a multiple of 8 values (the header counts groups of 8), and an
// RLE run only pays off against bit packing once it covers a whole group.
constexpr size_t kGroupSize = 8;

template <typename T>
void pack(std::string& out, std::span<const T> values, size_t padded_count, int width) {
  uint64_t buffer = 0;  // pending bits, lowest first
  int buffered_bits = 0;
  for (size_t i = 0; i < padded_count; ++i) {
    uint64_t value = i < values.size() ? values[i] : 0;
    buffer |= value << buffered_bits;
    buffered_bits += width;
    while (buffered_bits >= 8) {
      out.push_back(static_cast<char>(buffer & 0xff));
      buffer >>= 8;
      buffered_bits -= 8;
    }
  }
  if (buffered_bits > 0) out.push_back(static_cast<char>(buffer & 0xff));
}

template <typename T>
void append_literals(std::string& out, std::span<const T> values, int width) {
  if (values.empty()) return;
  size_t groups = (values.size() + kGroupSize - 1) / kGroupSize;
  thrift::append_varint(out, (groups << 1) | 1);
  pack(out, values, groups * kGroupSize, width);
}

template <typename T>
void append_repeated(std::string& out, T value, size_t count, int width) {
  thrift::append_varint(out, count << 1);
  // The repeated value takes the bit width rounded up to whole bytes, little endian.
  int bytes = (width + 7) / 8;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

template <typename T>
void encode_hybrid(std::string& out, std::span<const T> values, int width) {
  if (width < 1 || width > 32) fail(ErrorKind::internal, "RLE bit width {} out of range", width);
  size_t literal_start = 0;
  size_t i = 0;
  while (i < values.size()) {
    // A run may only start where the pending literals fill whole groups: a bit-packed run
    // cannot end part-way through a group except at the very end of the data.
    if ((i - literal_start) % kGroupSize == 0) {
      size_t run = 1;
      while (i + run < values.size() && values[i + run] == values[i]) ++run;
      if (run >= kGroupSize) {
        append_literals(out, values.subspan(literal_start, i - literal_start), width);
        append_repeated(out, values[i], run, width);
        i += run;
        literal_start = i;
        continue;
      }
    }
    ++i;
  }
  append_literals(out, values.subspan(literal_start), width);
}

}  // namespace

int bit_width(uint64_t max_value) {
  return max_value == 0 ? 0 : std::bit_width(max_value);
}

void append_rle_hybrid(std::string& out, std::span<const uint32_t> values, int width) {
  encode_hybrid(out, values, width);
}

void append_rle_hybrid(std::string& out, std::span<const uint8_t> values, int width) {
  encode_hybrid(out, values, width);
}

void append_bit_packed(std::string& out, std::span<const uint8_t> values, int width) {
  pack(out, values, values.size(), width);
}

}  // namespace pgexport::format::parquet
