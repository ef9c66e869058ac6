#include "format/parquet/rle_decoder.hpp"

#include "common/error.hpp"

namespace pgexport::format::parquet {

namespace {

[[noreturn]] void truncated() {
  fail(ErrorKind::data_error, "parquet: RLE/bit-packed data ends before its last value");
}

}  // namespace

void decode_rle_hybrid(std::string_view data, int width, size_t count, std::vector<uint32_t>& out) {
  if (width < 0 || width > 32) fail(ErrorKind::data_error, "parquet: a bit width of {}", width);
  out.clear();
  out.reserve(count);
  size_t at = 0;
  const size_t value_bytes = static_cast<size_t>(width + 7) / 8;
  while (out.size() < count) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= data.size() || shift > 63) truncated();
      const auto byte = static_cast<uint8_t>(data[at++]);
      header |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (header & 1) {
      // Bit-packed: (header >> 1) groups of eight values, LSB first.
      const uint64_t values = (header >> 1) * 8;
      const uint64_t bytes = (header >> 1) * static_cast<uint64_t>(width);
      if (bytes > data.size() - at) truncated();
      for (uint64_t i = 0; i < values && out.size() < count; ++i) {
        uint32_t value = 0;
        for (int bit = 0; bit < width; ++bit) {
          const uint64_t position = i * static_cast<uint64_t>(width) + static_cast<uint64_t>(bit);
          const auto byte = static_cast<uint8_t>(data[at + position / 8]);
          value |= static_cast<uint32_t>((byte >> (position % 8)) & 1) << bit;
        }
        out.push_back(value);
      }
      at += bytes;
    } else {
      const uint64_t repeat = header >> 1;
      if (value_bytes > data.size() - at) truncated();
      uint32_t value = 0;
      for (size_t i = 0; i < value_bytes; ++i) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(data[at + i])) << (8 * i);
      }
      at += value_bytes;
      if (repeat == 0 || repeat > count - out.size()) {
        fail(ErrorKind::data_error, "parquet: an RLE run of {} values where {} remain", repeat,
             count - out.size());
      }
      out.insert(out.end(), repeat, value);
    }
  }
}

}  // namespace pgexport::format::parquet
