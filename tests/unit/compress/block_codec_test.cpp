#include "compress/block_codec.hpp"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

#include "common/error.hpp"

namespace pgexport::compress {
namespace {

// Inputs that exercise the codecs' edge cases: nothing, one byte, very compressible, and
// incompressible (random) data larger than one zstd block (128 KiB).
std::vector<std::string> sample_inputs() {
  std::string repetitive;
  for (int i = 0; i < 20000; ++i) repetitive += "row " + std::to_string(i % 17) + ";";
  std::string random(300 * 1024, '\0');
  std::mt19937 generator(42);
  for (char& c : random) c = static_cast<char>(generator());
  return {"", "x", repetitive, random};
}

std::string gunzip(const std::string& compressed, size_t expected_size) {
  z_stream stream{};
  // 15 + 16: accept only a gzip (RFC 1952) wrapper, so a zlib-wrapped block would fail here.
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string output(expected_size + 1, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(stream.avail_in, 0u) << "a single gzip member must use the whole block";
  output.resize(stream.total_out);
  inflateEnd(&stream);
  return output;
}

TEST(BlockCodec, UncompressedCopies) {
  auto codec = make_block_codec(BlockCodecKind::uncompressed);
  std::string output = "stale";
  for (const auto& input : sample_inputs()) {
    codec->compress(input, output);
    EXPECT_EQ(output, input);
  }
}

TEST(BlockCodec, SnappyRoundTripsThroughLibsnappy) {
  auto codec = make_block_codec(BlockCodecKind::snappy);
  EXPECT_EQ(codec->kind(), BlockCodecKind::snappy);
  for (const auto& input : sample_inputs()) {
    std::string compressed, restored;
    codec->compress(input, compressed);
    ASSERT_TRUE(snappy::IsValidCompressedBuffer(compressed.data(), compressed.size()));
    ASSERT_TRUE(snappy::Uncompress(compressed.data(), compressed.size(), &restored));
    EXPECT_EQ(restored, input);
  }
}

TEST(BlockCodec, ZstdRoundTripsAtSeveralLevels) {
  for (int level : {-5, 1, 3, 19}) {
    auto codec = make_block_codec(BlockCodecKind::zstd, level);
    for (const auto& input : sample_inputs()) {
      std::string compressed;
      codec->compress(input, compressed);
      // One complete frame that records its content size, so readers can size buffers.
      ASSERT_EQ(ZSTD_findFrameCompressedSize(compressed.data(), compressed.size()),
                compressed.size());
      ASSERT_EQ(ZSTD_getFrameContentSize(compressed.data(), compressed.size()), input.size());
      std::string restored(input.size(), '\0');
      size_t size =
          ZSTD_decompress(restored.data(), restored.size(), compressed.data(), compressed.size());
      ASSERT_FALSE(ZSTD_isError(size)) << ZSTD_getErrorName(size);
      EXPECT_EQ(restored, input) << "level " << level;
    }
  }
}

TEST(BlockCodec, HigherZstdLevelIsNotLarger) {
  std::string input = sample_inputs()[2];
  std::string fast, strong;
  make_block_codec(BlockCodecKind::zstd, 1)->compress(input, fast);
  make_block_codec(BlockCodecKind::zstd, 19)->compress(input, strong);
  EXPECT_LE(strong.size(), fast.size());
}

TEST(BlockCodec, GzipWritesOneGzipMember) {
  for (std::optional<int> level : {std::optional<int>{}, std::optional<int>{0},
                                   std::optional<int>{1}, std::optional<int>{9}}) {
    auto codec = make_block_codec(BlockCodecKind::gzip, level);
    for (const auto& input : sample_inputs()) {
      std::string compressed;
      codec->compress(input, compressed);
      ASSERT_GE(compressed.size(), 18u);  // 10-byte header + 8-byte trailer at least
      EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);  // RFC 1952 ID1
      EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);  // RFC 1952 ID2
      EXPECT_EQ(gunzip(compressed, input.size()), input);
    }
  }
}

TEST(BlockCodec, CodecIsReusableAcrossBlocks) {
  // Parquet compresses every page with the same codec instance: state must not leak.
  for (auto kind : {BlockCodecKind::gzip, BlockCodecKind::zstd, BlockCodecKind::snappy}) {
    auto codec = make_block_codec(kind);
    std::string first, again;
    codec->compress("first block", first);
    codec->compress(sample_inputs()[2], again);
    codec->compress("first block", again);
    EXPECT_EQ(first, again) << block_codec_name(kind);
  }
}

TEST(BlockCodec, RejectsLevelsOutOfRange) {
  EXPECT_THROW(make_block_codec(BlockCodecKind::gzip, 10), Error);
  EXPECT_THROW(make_block_codec(BlockCodecKind::gzip, -2), Error);
  EXPECT_THROW(make_block_codec(BlockCodecKind::zstd, ZSTD_maxCLevel() + 1), Error);
  try {
    make_block_codec(BlockCodecKind::zstd, 1000);
    ADD_FAILURE() << "level 1000 was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
  }
  EXPECT_NO_THROW(make_block_codec(BlockCodecKind::snappy, 99));  // no levels: ignored
}

TEST(BlockCodec, NamesFollowParquet) {
  EXPECT_EQ(block_codec_name(BlockCodecKind::uncompressed), "uncompressed");
  EXPECT_EQ(block_codec_name(BlockCodecKind::snappy), "snappy");
  EXPECT_EQ(block_codec_name(BlockCodecKind::gzip), "gzip");
  EXPECT_EQ(block_codec_name(BlockCodecKind::zstd), "zstd");
}

}  // namespace
}  // namespace pgexport::compress
