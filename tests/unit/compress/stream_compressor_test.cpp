#include "compress/stream_compressor.hpp"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>

namespace pgexport::compress {
namespace {

std::string sample_text(size_t size) {
  std::mt19937 random(42);
  std::string text;
  while (text.size() < size) text += "row," + std::to_string(random() % 1000) + ",\"text\"\n";
  return text;
}

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0'), result;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int status;
  do {
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    status = inflate(&stream, Z_NO_FLUSH);
    result.append(out.data(), out.size() - stream.avail_out);
  } while (status == Z_OK);
  inflateEnd(&stream);
  EXPECT_EQ(status, Z_STREAM_END);
  return result;
}

std::string unzstd(const std::string& compressed) {
  std::string result;
  ZSTD_DStream* stream = ZSTD_createDStream();
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::string out(1 << 20, '\0');
  while (input.pos < input.size) {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    size_t status = ZSTD_decompressStream(stream, &output, &input);
    EXPECT_FALSE(ZSTD_isError(status));
    if (ZSTD_isError(status)) break;
    result.append(out.data(), output.pos);
  }
  ZSTD_freeDStream(stream);
  return result;
}

TEST(StreamCompressor, ZstdRoundTripsInManySmallWrites) {
  std::string text = sample_text(3 << 20);
  StringSink sink;
  auto compressor = make_stream_compressor(StreamCodec::zstd, std::nullopt, sink);
  for (size_t offset = 0; offset < text.size(); offset += 1000) {
    compressor->write(std::string_view(text).substr(offset, 1000));
  }
  compressor->finish();
  EXPECT_LT(sink.data.size(), text.size() / 2);
  EXPECT_EQ(unzstd(sink.data), text);
}

TEST(StreamCompressor, GzipRoundTrips) {
  std::string text = sample_text(1 << 20);
  StringSink sink;
  auto compressor = make_stream_compressor(StreamCodec::gzip, 6, sink);
  compressor->write(text);
  compressor->finish();
  EXPECT_EQ(gunzip(sink.data), text);
}

TEST(StreamCompressor, EmptyInputStillMakesAValidStream) {
  StringSink zstd_sink, gzip_sink;
  make_stream_compressor(StreamCodec::zstd, std::nullopt, zstd_sink)->finish();
  make_stream_compressor(StreamCodec::gzip, std::nullopt, gzip_sink)->finish();
  EXPECT_FALSE(zstd_sink.data.empty());
  EXPECT_EQ(unzstd(zstd_sink.data), "");
  EXPECT_EQ(gunzip(gzip_sink.data), "");
}

TEST(StreamCompressor, NonePassesBytesThrough) {
  StringSink sink;
  auto compressor = make_stream_compressor(StreamCodec::none, std::nullopt, sink);
  compressor->write("a,b\n");
  compressor->finish();
  EXPECT_EQ(sink.data, "a,b\n");
  EXPECT_EQ(stream_codec_suffix(StreamCodec::none), "");
  EXPECT_EQ(stream_codec_suffix(StreamCodec::zstd), ".zst");
}

}  // namespace
}  // namespace pgexport::compress
