#include "compress/block_codec.hpp"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <climits>

#include "common/error.hpp"

namespace pgexport::compress {
namespace {

class UncompressedCodec final : public BlockCodec {
 public:
  BlockCodecKind kind() const override { return BlockCodecKind::uncompressed; }
  void compress(std::string_view input, std::string& output) override { output.assign(input); }
};

class SnappyCodec final : public BlockCodec {
 public:
  BlockCodecKind kind() const override { return BlockCodecKind::snappy; }
  void compress(std::string_view input, std::string& output) override {
    output.resize(snappy::MaxCompressedLength(input.size()));
    size_t written = 0;
    snappy::RawCompress(input.data(), input.size(), output.data(), &written);
    output.resize(written);
  }
};

class ZstdCodec final : public BlockCodec {
 public:
  explicit ZstdCodec(int level) : context_(ZSTD_createCCtx()) {
    if (context_ == nullptr) fail(ErrorKind::internal, "zstd: cannot allocate a context");
    check(ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, level));
  }
  ~ZstdCodec() override { ZSTD_freeCCtx(context_); }
  ZstdCodec(const ZstdCodec&) = delete;
  ZstdCodec& operator=(const ZstdCodec&) = delete;

  BlockCodecKind kind() const override { return BlockCodecKind::zstd; }
  void compress(std::string_view input, std::string& output) override {
    output.resize(ZSTD_compressBound(input.size()));
    // compress2 ends the frame and resets the session but keeps the parameters set above.
    size_t written =
        check(ZSTD_compress2(context_, output.data(), output.size(), input.data(), input.size()));
    output.resize(written);
  }

 private:
  static size_t check(size_t result) {
    if (ZSTD_isError(result)) fail(ErrorKind::internal, "zstd: {}", ZSTD_getErrorName(result));
    return result;
  }
  ZSTD_CCtx* context_;
};

class GzipCodec final : public BlockCodec {
 public:
  explicit GzipCodec(int level) {
    // windowBits 15 is deflate's largest window; adding 16 asks zlib for the gzip (RFC 1952)
    // header and trailer instead of the zlib wrapper, as Parquet requires. memLevel 8 is
    // zlib's default.
    constexpr int kGzipWindowBits = 15 + 16;
    constexpr int kMemoryLevel = 8;
    if (deflateInit2(&stream_, level, Z_DEFLATED, kGzipWindowBits, kMemoryLevel,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      fail(ErrorKind::internal, "zlib: cannot initialise a gzip stream");
    }
  }
  ~GzipCodec() override { deflateEnd(&stream_); }
  GzipCodec(const GzipCodec&) = delete;
  GzipCodec& operator=(const GzipCodec&) = delete;

  BlockCodecKind kind() const override { return BlockCodecKind::gzip; }
  void compress(std::string_view input, std::string& output) override {
    // zlib counts in uInt; pages are far smaller, but refuse rather than truncate.
    if (input.size() > UINT_MAX / 2) fail(ErrorKind::internal, "gzip: block too large");
    deflateReset(&stream_);
    output.resize(deflateBound(&stream_, static_cast<uLong>(input.size())));
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    stream_.next_out = reinterpret_cast<Bytef*>(output.data());
    stream_.avail_out = static_cast<uInt>(output.size());
    // deflateBound guarantees that one Z_FINISH call completes the member.
    if (deflate(&stream_, Z_FINISH) != Z_STREAM_END) {
      fail(ErrorKind::internal, "zlib: deflate did not finish: {}",
           stream_.msg != nullptr ? stream_.msg : "no message");
    }
    output.resize(stream_.total_out);
  }

 private:
  z_stream stream_{};
};

}  // namespace

std::string_view block_codec_name(BlockCodecKind kind) {
  switch (kind) {
    case BlockCodecKind::uncompressed:
      return "uncompressed";
    case BlockCodecKind::snappy:
      return "snappy";
    case BlockCodecKind::gzip:
      return "gzip";
    case BlockCodecKind::zstd:
      return "zstd";
  }
  return "unknown";
}

std::unique_ptr<BlockCodec> make_block_codec(BlockCodecKind kind, std::optional<int> level) {
  switch (kind) {
    case BlockCodecKind::uncompressed:
      return std::make_unique<UncompressedCodec>();
    case BlockCodecKind::snappy:
      return std::make_unique<SnappyCodec>();
    case BlockCodecKind::zstd: {
      int chosen = level.value_or(ZSTD_defaultCLevel());
      if (chosen < ZSTD_minCLevel() || chosen > ZSTD_maxCLevel()) {
        fail(ErrorKind::usage, "zstd compression level {} is out of range ({} to {})", chosen,
             ZSTD_minCLevel(), ZSTD_maxCLevel());
      }
      return std::make_unique<ZstdCodec>(chosen);
    }
    case BlockCodecKind::gzip: {
      int chosen = level.value_or(Z_DEFAULT_COMPRESSION);
      if (chosen != Z_DEFAULT_COMPRESSION && (chosen < 0 || chosen > 9)) {
        fail(ErrorKind::usage, "gzip compression level {} is out of range (0 to 9)", chosen);
      }
      return std::make_unique<GzipCodec>(chosen);
    }
  }
  fail(ErrorKind::internal, "unknown block codec");
}

}  // namespace pgexport::compress
