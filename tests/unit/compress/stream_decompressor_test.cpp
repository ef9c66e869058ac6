// The stream decompressors undo what the stream compressors write, whatever the chunking,
// across concatenated frames and members, and refuse damaged or truncated input.
#include "compress/stream_decompressor.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/error.hpp"
#include "compress/stream_compressor.hpp"

namespace pgexport::compress {
namespace {

// Text that compresses (repeated words) mixed with bytes that do not, so that both the
// compressed and the decompressed sizes cross the 128 KiB chunk size several times.
std::string sample_data(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string data;
  while (data.size() < size) {
    if (random() % 4 == 0) {
      for (int i = 0; i < 64; ++i) data += static_cast<char>(random());
    } else {
      data += "id,note\n42,\"a quoted\nnewline\"\n";
    }
  }
  data.resize(size);
  return data;
}

std::string compress_all(StreamCodec codec, std::string_view data) {
  StringSink out;
  auto compressor = make_stream_compressor(codec, std::nullopt, out);
  compressor->write(data);
  compressor->finish();
  return out.data;
}

// Writes `compressed` in pieces of `chunk` bytes and returns what came out.
std::string decompress_in_chunks(StreamCodec codec, std::string_view compressed, size_t chunk) {
  StringSink out;
  auto decompressor = make_stream_decompressor(codec, out);
  for (size_t at = 0; at < compressed.size(); at += chunk) {
    decompressor->write(compressed.substr(at, chunk));
  }
  decompressor->finish();
  return out.data;
}

void expect_data_error(StreamCodec codec, std::string_view compressed) {
  StringSink out;
  auto decompressor = make_stream_decompressor(codec, out);
  try {
    decompressor->write(compressed);
    decompressor->finish();
    ADD_FAILURE() << "damaged input was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error) << error.what();
  }
}

class StreamDecompressorTest : public ::testing::TestWithParam<StreamCodec> {};

TEST_P(StreamDecompressorTest, UndoesTheCompressorWhateverTheChunking) {
  std::string data = sample_data(700 * 1024, 1);
  std::string compressed = compress_all(GetParam(), data);
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{7}}) {
    EXPECT_EQ(decompress_in_chunks(GetParam(), compressed, chunk), data) << "chunk " << chunk;
  }
}

TEST_P(StreamDecompressorTest, ReadsConcatenatedStreamsAsOne) {
  std::string first = sample_data(200 * 1024, 2), second = sample_data(1000, 3);
  std::string joined = compress_all(GetParam(), first) + compress_all(GetParam(), second);
  EXPECT_EQ(decompress_in_chunks(GetParam(), joined, 5000), first + second);
}

TEST_P(StreamDecompressorTest, RefusesTruncatedFlippedAndEmptyInput) {
  std::string compressed = compress_all(GetParam(), sample_data(300 * 1024, 4));
  expect_data_error(GetParam(), compressed.substr(0, compressed.size() - 1));
  expect_data_error(GetParam(), compressed.substr(0, compressed.size() / 2));
  std::string flipped = compressed;
  flipped[flipped.size() / 2] ^= 0x01;
  expect_data_error(GetParam(), flipped);
  expect_data_error(GetParam(), "");
  expect_data_error(GetParam(), compressed + "trailing garbage");
}

INSTANTIATE_TEST_SUITE_P(Codecs, StreamDecompressorTest,
                         ::testing::Values(StreamCodec::zstd, StreamCodec::gzip),
                         [](const auto& info) {
                           return info.param == StreamCodec::zstd ? "zstd" : "gzip";
                         });

TEST(StreamDecompressor, NonePassesBytesThrough) {
  EXPECT_EQ(decompress_in_chunks(StreamCodec::none, "plain\nbytes", 3), "plain\nbytes");
}

}  // namespace
}  // namespace pgexport::compress
