#include "compress/block_decompressor.hpp"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <climits>

#include "common/error.hpp"

namespace pgexport::compress {
namespace {

[[noreturn]] void wrong_size(std::string_view codec, size_t got, size_t want) {
  fail(ErrorKind::data_error, "{}: a block decompresses to {} bytes, its header says {}", codec,
       got, want);
}

class UncompressedBlocks final : public BlockDecompressor {
 public:
  void decompress(std::string_view input, size_t uncompressed_size, std::string& output) override {
    if (input.size() != uncompressed_size)
      wrong_size("uncompressed", input.size(), uncompressed_size);
    output.assign(input);
  }
};

class SnappyBlocks final : public BlockDecompressor {
 public:
  void decompress(std::string_view input, size_t uncompressed_size, std::string& output) override {
    size_t length = 0;
    if (!snappy::GetUncompressedLength(input.data(), input.size(), &length)) {
      fail(ErrorKind::data_error, "snappy: a block is damaged (no valid length)");
    }
    if (length != uncompressed_size) wrong_size("snappy", length, uncompressed_size);
    output.resize(length);
    if (!snappy::RawUncompress(input.data(), input.size(), output.data())) {
      fail(ErrorKind::data_error, "snappy: a block is damaged");
    }
  }
};

class ZstdBlocks final : public BlockDecompressor {
 public:
  ZstdBlocks() : context_(ZSTD_createDCtx()) {
    if (context_ == nullptr) fail(ErrorKind::internal, "zstd: out of memory");
  }
  ~ZstdBlocks() override { ZSTD_freeDCtx(context_); }

  void decompress(std::string_view input, size_t uncompressed_size, std::string& output) override {
    output.resize(uncompressed_size);
    size_t result =
        ZSTD_decompressDCtx(context_, output.data(), output.size(), input.data(), input.size());
    if (ZSTD_isError(result)) {
      fail(ErrorKind::data_error, "zstd: a block is damaged ({})", ZSTD_getErrorName(result));
    }
    if (result != uncompressed_size) wrong_size("zstd", result, uncompressed_size);
  }

 private:
  ZSTD_DCtx* context_;
};

class GzipBlocks final : public BlockDecompressor {
 public:
  GzipBlocks() {
    // 15 + 16: a gzip (RFC 1952) member with deflate's largest window, as GzipCodec writes.
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) fail(ErrorKind::internal, "zlib: out of memory");
  }
  ~GzipBlocks() override { inflateEnd(&stream_); }

  void decompress(std::string_view input, size_t uncompressed_size, std::string& output) override {
    if (input.size() > UINT_MAX || uncompressed_size > UINT_MAX) {
      fail(ErrorKind::data_error, "gzip: a block of more than 4 GiB");
    }
    inflateReset(&stream_);
    // One byte more than expected, so a block that inflates to more is noticed.
    output.resize(uncompressed_size + 1);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    stream_.next_out = reinterpret_cast<Bytef*>(output.data());
    stream_.avail_out = static_cast<uInt>(output.size());
    const int status = inflate(&stream_, Z_FINISH);
    if (status != Z_STREAM_END) {
      fail(ErrorKind::data_error, "gzip: a block is damaged ({})",
           stream_.msg ? stream_.msg : "incomplete");
    }
    const size_t produced = output.size() - stream_.avail_out;
    if (produced != uncompressed_size) wrong_size("gzip", produced, uncompressed_size);
    output.resize(produced);
  }

 private:
  z_stream stream_{};
};

}  // namespace

std::unique_ptr<BlockDecompressor> make_block_decompressor(BlockCodecKind kind) {
  switch (kind) {
    case BlockCodecKind::uncompressed:
      return std::make_unique<UncompressedBlocks>();
    case BlockCodecKind::snappy:
      return std::make_unique<SnappyBlocks>();
    case BlockCodecKind::zstd:
      return std::make_unique<ZstdBlocks>();
    case BlockCodecKind::gzip:
      return std::make_unique<GzipBlocks>();
  }
  fail(ErrorKind::internal, "unknown block codec");
}

}  // namespace pgexport::compress
