#include "format/parquet/rle_encoder.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace pgexport::format::parquet {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// An independent decoder of the hybrid encoding, written from Encodings.md.
std::vector<uint32_t> decode(const std::string& data, int width, size_t count) {
  std::vector<uint32_t> values;
  size_t position = 0;
  auto varint = [&] {
    uint64_t result = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = static_cast<uint8_t>(data.at(position++));
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
  };
  while (values.size() < count) {
    uint64_t header = varint();
    if (header & 1) {
      size_t n = (header >> 1) * 8;
      uint64_t bit = 0;
      for (size_t i = 0; i < n; ++i) {
        uint32_t v = 0;
        for (int b = 0; b < width; ++b, ++bit) {
          uint8_t byte = static_cast<uint8_t>(data.at(position + bit / 8));
          v |= static_cast<uint32_t>((byte >> (bit % 8)) & 1) << b;
        }
        if (values.size() < count) values.push_back(v);
      }
      position += (n * width + 7) / 8;
    } else {
      size_t n = header >> 1;
      uint32_t v = 0;
      for (int i = 0; i < (width + 7) / 8; ++i) {
        v |= static_cast<uint32_t>(static_cast<uint8_t>(data.at(position++))) << (8 * i);
      }
      values.insert(values.end(), n, v);
    }
  }
  EXPECT_EQ(position, data.size()) << "trailing bytes after the runs";
  return values;
}

TEST(RleEncoder, BitWidth) {
  EXPECT_EQ(bit_width(0), 0);
  EXPECT_EQ(bit_width(1), 1);
  EXPECT_EQ(bit_width(2), 2);
  EXPECT_EQ(bit_width(3), 2);
  EXPECT_EQ(bit_width(4), 3);
  EXPECT_EQ(bit_width(255), 8);
  EXPECT_EQ(bit_width(256), 9);
  EXPECT_EQ(bit_width(UINT32_MAX), 32);
}

TEST(RleEncoder, BitPackingMatchesTheSpecificationExample) {
  // Encodings.md: 0..7 with bit width 3 pack to 10001000 11000110 11111010.
  std::vector<uint8_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  append_bit_packed(out, values, 3);
  EXPECT_EQ(out, bytes({0x88, 0xc6, 0xfa}));

  std::vector<uint32_t> wide(values.begin(), values.end());
  out.clear();
  append_rle_hybrid(out, wide, 3);  // one bit-packed group: header (1 << 1) | 1
  EXPECT_EQ(out, bytes({0x03, 0x88, 0xc6, 0xfa}));
}

TEST(RleEncoder, LongRunsBecomeRleRuns) {
  std::vector<uint8_t> levels(100, 1);
  std::string out;
  append_rle_hybrid(out, levels, 1);
  EXPECT_EQ(out, bytes({0xc8, 0x01, 0x01}));  // varint(100 << 1), then the value in one byte

  std::vector<uint32_t> indices(300, 257);
  out.clear();
  append_rle_hybrid(out, indices, 9);  // a 9-bit value takes two bytes, little endian
  EXPECT_EQ(out, bytes({0xd8, 0x04, 0x01, 0x01}));
}

TEST(RleEncoder, ShortTailIsPaddedToAGroup) {
  std::vector<uint8_t> levels = {1, 0, 1};
  std::string out;
  append_rle_hybrid(out, levels, 1);
  EXPECT_EQ(out, bytes({0x03, 0x05}));  // one group of 8, 5 of them padding zeros
}

TEST(RleEncoder, MixedRunsStartOnlyAtGroupBoundaries) {
  // 3 literals, then 20 sevens: the first 5 sevens complete the literal group.
  std::vector<uint32_t> values = {1, 2, 3};
  values.insert(values.end(), 20, 7);
  std::string out;
  append_rle_hybrid(out, values, 3);
  EXPECT_EQ(out.substr(0, 1), bytes({0x03}));
  EXPECT_EQ(out.substr(4), bytes({0x1e, 0x07}));  // RLE run of 15 sevens
  EXPECT_EQ(decode(out, 3, values.size()), values);
}

TEST(RleEncoder, RandomSequencesRoundTrip) {
  std::mt19937 generator(7);
  for (int width : {1, 2, 3, 7, 8, 13, 16, 31, 32}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> values;
      size_t count = generator() % 500;
      uint64_t mask = width == 32 ? 0xffffffffu : ((1u << width) - 1);
      while (values.size() < count) {
        uint32_t v = static_cast<uint32_t>(generator() & mask);
        size_t run = generator() % 3 == 0 ? generator() % 40 : 1;  // some long runs
        values.insert(values.end(), run, v);
      }
      values.resize(count);
      std::string out;
      append_rle_hybrid(out, values, width);
      EXPECT_EQ(decode(out, width, values.size()), values) << "width " << width;
    }
  }
}

TEST(RleEncoder, EmptyInputWritesNothing) {
  std::string out;
  append_rle_hybrid(out, std::vector<uint8_t>{}, 1);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace pgexport::format::parquet
