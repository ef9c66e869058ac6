// What a compressor's working state costs, as leased from --memory-limit: measured with the C
// library's own allocation counters, the estimate must not fall short of what the codec holds.
#include <gtest/gtest.h>
#include <malloc.h>

#include <optional>
#include <random>
#include <string>

#include "common/byte_sink.hpp"
#include "compress/block_codec.hpp"
#include "compress/stream_compressor.hpp"

namespace pgexport::compress {
namespace {

// Bytes the process has allocated right now, small blocks and mmap'd large ones together.
uint64_t allocated_bytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// 4 MiB of text-like data with some randomness: large enough for zstd to use its whole window
// at the levels tested, compressible enough to fill its tables.
std::string sample_input() {
  std::mt19937 generator(7);
  std::string input;
  input.reserve(4u << 20);
  while (input.size() < (4u << 20)) {
    input += "row " + std::to_string(generator() % 100000) + ",name-" +
             std::to_string(generator() % 977) + ";";
  }
  return input;
}

class DiscardSink final : public ByteSink {
 public:
  void write(std::string_view) override {}
};

struct Case {
  const char* name;
  std::optional<int> level;
};

TEST(CodecMemory, BlockCodecsHoldNoMoreThanTheirEstimate) {
  const std::string input = sample_input();
  std::string output;
  output.reserve(2 * input.size());  // the caller's buffer, not the codec's
  for (auto [kind, level] : {std::pair{BlockCodecKind::zstd, std::optional<int>(1)},
                             std::pair{BlockCodecKind::zstd, std::optional<int>(3)},
                             std::pair{BlockCodecKind::zstd, std::optional<int>(9)},
                             std::pair{BlockCodecKind::gzip, std::optional<int>(1)},
                             std::pair{BlockCodecKind::gzip, std::optional<int>(6)},
                             std::pair{BlockCodecKind::snappy, std::optional<int>()}}) {
    SCOPED_TRACE(std::string(block_codec_name(kind)) + " " + std::to_string(level.value_or(0)));
    const uint64_t before = allocated_bytes();
    auto codec = make_block_codec(kind, level);
    codec->compress(input, output);
    const uint64_t held = allocated_bytes() - before;
    EXPECT_LE(held, block_codec_memory_bytes(kind, level));
  }
}

TEST(CodecMemory, StreamCompressorsHoldNoMoreThanTheirEstimate) {
  const std::string input = sample_input();
  DiscardSink sink;
  for (auto [codec, level] : {std::pair{StreamCodec::zstd, std::optional<int>()},
                              std::pair{StreamCodec::zstd, std::optional<int>(9)},
                              std::pair{StreamCodec::gzip, std::optional<int>()},
                              std::pair{StreamCodec::gzip, std::optional<int>(6)}}) {
    SCOPED_TRACE(stream_codec_suffix(codec) + " " + std::to_string(level.value_or(0)));
    const uint64_t before = allocated_bytes();
    auto compressor = make_stream_compressor(codec, level, sink);
    for (size_t at = 0; at < input.size(); at += 100) {
      compressor->write(std::string_view(input).substr(at, 100));  // row-sized writes
    }
    compressor->finish();
    const uint64_t held = allocated_bytes() - before;
    EXPECT_LE(held, stream_compressor_memory_bytes(codec, level));
  }
}

TEST(CodecMemory, HigherLevelsCostMoreAndNoneCostsNothing) {
  EXPECT_GT(block_codec_memory_bytes(BlockCodecKind::zstd, 19),
            10 * block_codec_memory_bytes(BlockCodecKind::zstd, 1));
  EXPECT_EQ(block_codec_memory_bytes(BlockCodecKind::uncompressed), 0u);
  EXPECT_EQ(stream_compressor_memory_bytes(StreamCodec::none, std::nullopt), 0u);
  EXPECT_GT(stream_compressor_memory_bytes(StreamCodec::zstd, 19),
            10 * stream_compressor_memory_bytes(StreamCodec::zstd, 1));
}

}  // namespace
}  // namespace pgexport::compress
