// gzip through igzip (levels 1-3, the default) and zlib (0, 4-9): whatever writes it, the
// output must be standard gzip that zlib's inflate reads back exactly, for every kind of input
// and every way of writing it. (gzip -d, Python and the Parquet readers read it in the
// integration tests.)
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "compress/block_codec.hpp"
#include "compress/gzip_level.hpp"
#include "compress/stream_compressor.hpp"
#include "compress/stream_decompressor.hpp"

namespace pgexport::compress {
namespace {

// Inflates a gzip stream written into it piece by piece, with bounded memory, and keeps only
// what the test compares: the length, a CRC-32 of the decompressed bytes and how many gzip
// members there were. inflate() itself checks each member's CRC-32 and length trailer.
class InflatingSink final : public ByteSink {
 public:
  InflatingSink() { EXPECT_EQ(inflateInit2(&stream_, 15 + 16), Z_OK); }
  ~InflatingSink() override { inflateEnd(&stream_); }

  void write(std::string_view bytes) override {
    compressed_bytes += bytes.size();
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    while (stream_.avail_in > 0) {
      if (ended_) {
        // Another member follows (RFC 1952 allows concatenated members).
        ASSERT_EQ(inflateReset(&stream_), Z_OK);
        ended_ = false;
      }
      stream_.next_out = reinterpret_cast<Bytef*>(buffer_.data());
      stream_.avail_out = static_cast<uInt>(buffer_.size());
      const int status = inflate(&stream_, Z_NO_FLUSH);
      ASSERT_TRUE(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR)
          << "inflate: " << status << " " << (stream_.msg != nullptr ? stream_.msg : "");
      const size_t produced = buffer_.size() - stream_.avail_out;
      crc = crc32_z(crc, reinterpret_cast<const Bytef*>(buffer_.data()), produced);
      if (keep_output) output.append(buffer_.data(), produced);
      length += produced;
      if (status == Z_STREAM_END) {
        ended_ = true;
        ++members;
      }
    }
  }

  // True when the input ended exactly at the end of a gzip member.
  bool complete() const { return ended_; }

  bool keep_output = true;
  std::string output;
  uint64_t length = 0;
  uint64_t compressed_bytes = 0;
  uLong crc = crc32_z(0, nullptr, 0);
  int members = 0;

 private:
  z_stream stream_{};
  bool ended_ = false;
  std::vector<char> buffer_ = std::vector<char>(256 * 1024);
};

std::string random_bytes(size_t size, uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(generator());
  return bytes;
}

// Rows that look like COPY text: numbers, words, some repetition.
std::string table_text(size_t size, uint32_t seed) {
  std::mt19937 generator(seed);
  static const char* const kWords[] = {"shipment", "pending", "approved", "Fort Bragg", "NULL"};
  std::string text;
  while (text.size() < size) {
    text += std::to_string(generator() % 100000) + "," + kWords[generator() % 5] + "," +
            std::to_string(generator()) + ",2026-11-24 20:35:43+00\n";
  }
  text.resize(size);
  return text;
}

struct Input {
  std::string name;
  std::string bytes;
};

std::vector<Input> inputs() {
  return {
      {"empty", ""},
      {"one byte", "x"},
      {"tiny", "id,name\n1,a\n"},
      {"zeros, 5 MiB", std::string(5 << 20, '\0')},
      {"one repeated byte, 3 MiB", std::string(3 << 20, 'a')},
      {"table text, 3 MiB", table_text(3 << 20, 1)},
      {"random, 2 MiB", random_bytes(2 << 20, 2)},
      {"random then text", random_bytes(300 << 10, 3) + table_text(300 << 10, 4)},
  };
}

// The ways rows reach the compressor: all at once, a byte at a time, row-sized pieces, and
// pieces around the size at which igzip's input is gathered (64 KiB).
std::vector<size_t> write_sizes(size_t input_size) {
  std::vector<size_t> sizes = {
      input_size == 0 ? 1 : input_size, 97, 4096, 65535, 65536, 65537, 200000};
  if (input_size <= 20000) sizes.push_back(1);
  return sizes;
}

std::string compress_in_pieces(std::optional<int> level, const std::string& input, size_t piece,
                               InflatingSink& sink) {
  auto compressor = make_stream_compressor(StreamCodec::gzip, level, sink);
  for (size_t offset = 0; offset < input.size(); offset += piece) {
    compressor->write(std::string_view(input).substr(offset, piece));
  }
  compressor->finish();
  return sink.output;
}

TEST(GzipLevel, LevelsOneToThreeAndTheDefaultAreIgzip) {
  EXPECT_EQ(gzip_setting(std::nullopt).library, DeflateLibrary::isal);
  EXPECT_EQ(gzip_setting(std::nullopt).level, 1);
  for (int level : {1, 2, 3}) {
    EXPECT_EQ(gzip_setting(level).library, DeflateLibrary::isal) << level;
    EXPECT_EQ(gzip_setting(level).level, level);
  }
  for (int level : {0, 4, 5, 6, 7, 8, 9}) {
    EXPECT_EQ(gzip_setting(level).library, DeflateLibrary::zlib) << level;
    EXPECT_EQ(gzip_setting(level).level, level);
  }
}

TEST(GzipLevel, LevelsOutsideZeroToNineAreUsageErrors) {
  for (int level : {-1, 10, 22}) {
    try {
      gzip_setting(level);
      ADD_FAILURE() << "level " << level << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage);
      EXPECT_NE(std::string(error.what()).find("0 to 9"), std::string::npos) << error.what();
    }
  }
  StringSink sink;
  EXPECT_THROW(make_stream_compressor(StreamCodec::gzip, 10, sink), Error);
  EXPECT_THROW(make_block_codec(BlockCodecKind::gzip, 10), Error);
}

TEST(GzipStream, EveryLevelAndWritePatternInflatesToTheInput) {
  const std::vector<std::optional<int>> levels = {std::nullopt, 0, 1, 2, 3, 4, 9};
  for (const Input& input : inputs()) {
    for (std::optional<int> level : levels) {
      for (size_t piece : write_sizes(input.bytes.size())) {
        // zlib's levels are not what this test is about: one write pattern is enough there.
        if (level && gzip_setting(level).library == DeflateLibrary::zlib && piece != 4096) {
          continue;
        }
        InflatingSink sink;
        const std::string restored = compress_in_pieces(level, input.bytes, piece, sink);
        const std::string what = input.name + ", level " +
                                 (level ? std::to_string(*level) : "default") + ", writes of " +
                                 std::to_string(piece);
        ASSERT_TRUE(sink.complete()) << what;
        EXPECT_EQ(sink.members, 1) << what;
        ASSERT_EQ(restored.size(), input.bytes.size()) << what;
        EXPECT_TRUE(restored == input.bytes) << what;
      }
    }
  }
}

TEST(GzipStream, CompressesTextAndRepetitionAndBarelyGrowsRandomBytes) {
  for (std::optional<int> level : {std::optional<int>{}, std::optional<int>{3}}) {
    InflatingSink text, zeros, random;
    compress_in_pieces(level, table_text(3 << 20, 5), 100, text);
    compress_in_pieces(level, std::string(5 << 20, '\0'), 100, zeros);
    compress_in_pieces(level, random_bytes(2 << 20, 6), 100, random);
    EXPECT_LT(text.compressed_bytes, (3u << 20) / 2);
    EXPECT_LT(zeros.compressed_bytes, (5u << 20) / 100);
    // Stored blocks cost 5 bytes per 64 KiB: incompressible input grows by well under 1%.
    EXPECT_LT(random.compressed_bytes, (2u << 20) + (2u << 20) / 100);
  }
}

TEST(GzipStream, OurDecompressorReadsIgzipOutput) {
  const std::string text = table_text(1 << 20, 7);
  StringSink compressed;
  auto compressor = make_stream_compressor(StreamCodec::gzip, std::nullopt, compressed);
  compressor->write(text);
  compressor->finish();
  StringSink restored;
  auto decompressor = make_stream_decompressor(StreamCodec::gzip, restored);
  decompressor->write(compressed.data);
  decompressor->finish();
  EXPECT_TRUE(restored.data == text);
}

// About 1 GiB of rows, written a row at a time and inflated as it is produced: nothing holds
// more than a buffer, and the CRC-32 and length of what comes back equal the input's. The
// gzip trailer's length field is modulo 2^32; this stays below it so that inflate's own check
// compares whole lengths.
TEST(GzipStream, AGigabyteInRowSizedWritesInflatesToTheSameBytes) {
  constexpr uint64_t kTotal = uint64_t{1} << 30;
  InflatingSink sink;
  sink.keep_output = false;
  auto compressor = make_stream_compressor(StreamCodec::gzip, std::nullopt, sink);
  // Rows are a running number and one of a few thousand bodies: mostly text, some with a run
  // of random bytes (as bytea hex and UUIDs give), 400 KB of them, far more than the 32 KiB
  // window deflate can refer back to.
  std::mt19937 generator(8);
  std::vector<std::string> bodies;
  for (int i = 0; i < 4096; ++i) {
    std::string body = ",shipment," + std::to_string(generator()) + ",";
    if (i % 16 == 0) body += random_bytes(generator() % 300, generator());
    bodies.push_back(body + table_text(40 + generator() % 60, generator()));
  }
  std::string row;
  uLong crc = crc32_z(0, nullptr, 0);
  uint64_t written = 0;
  while (written < kTotal) {
    row = std::to_string(written);
    row += bodies[generator() % bodies.size()];
    if (written + row.size() > kTotal) row.resize(kTotal - written);
    compressor->write(row);
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(row.data()), row.size());
    written += row.size();
  }
  compressor->finish();
  ASSERT_TRUE(sink.complete());
  EXPECT_EQ(sink.members, 1);
  EXPECT_EQ(sink.length, kTotal);
  EXPECT_EQ(sink.crc, crc);
  EXPECT_LT(sink.compressed_bytes, kTotal / 2);
}

TEST(GzipBlock, EveryLevelWritesOneMemberThatInflatesToTheBlock) {
  for (std::optional<int> level :
       {std::optional<int>{}, std::optional<int>{0}, std::optional<int>{1}, std::optional<int>{2},
        std::optional<int>{3}, std::optional<int>{4}, std::optional<int>{9}}) {
    auto codec = make_block_codec(BlockCodecKind::gzip, level);
    for (const Input& input : inputs()) {
      std::string compressed;
      codec->compress(input.bytes, compressed);
      InflatingSink sink;
      sink.write(compressed);
      const std::string what =
          input.name + ", level " + (level ? std::to_string(*level) : "default");
      ASSERT_TRUE(sink.complete()) << what;
      EXPECT_EQ(sink.members, 1) << what;
      EXPECT_TRUE(sink.output == input.bytes) << what;
    }
  }
}

TEST(GzipBlock, IgzipBlocksAreSmallerThanZlibLevelOneOnText) {
  // The point of the default: not only faster than zlib -1 but no larger on table text.
  const std::string text = table_text(1 << 20, 9);
  std::string igzip, zlib;
  make_block_codec(BlockCodecKind::gzip, std::nullopt)->compress(text, igzip);
  z_stream stream{};
  ASSERT_EQ(deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zlib.resize(deflateBound(&stream, text.size()));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(zlib.data());
  stream.avail_out = static_cast<uInt>(zlib.size());
  ASSERT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  zlib.resize(stream.total_out);
  deflateEnd(&stream);
  EXPECT_LE(igzip.size(), zlib.size());
}

}  // namespace
}  // namespace pgexport::compress
