#include "compress/block_codec.hpp"

#include <snappy.h>
#include <zlib.h>
// For ZSTD_estimateCCtxSize and ZSTD_estimateCStreamSize, which the shared library exports.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <climits>
#include <cstdint>

#include "common/error.hpp"
#include "compress/gzip_level.hpp"
#include "compress/igzip.hpp"

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

// One gzip member per block through zlib: the levels igzip lacks (gzip_level.hpp).
class ZlibGzipCodec final : public BlockCodec {
 public:
  explicit ZlibGzipCodec(int level) {
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
  ~ZlibGzipCodec() override { deflateEnd(&stream_); }
  ZlibGzipCodec(const ZlibGzipCodec&) = delete;
  ZlibGzipCodec& operator=(const ZlibGzipCodec&) = delete;

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

// One gzip member per block through ISA-L's igzip, in one stateless call: the single RFC 1952
// member per page that Parquet's GZIP codec asks writers for.
class IgzipGzipCodec final : public BlockCodec {
 public:
  explicit IgzipGzipCodec(int level) : igzip_(level) {}

  BlockCodecKind kind() const override { return BlockCodecKind::gzip; }
  void compress(std::string_view input, std::string& output) override {
    // isal_zstream counts in uint32_t; pages are far smaller, but refuse rather than truncate.
    if (input.size() > UINT32_MAX / 2) fail(ErrorKind::internal, "gzip: block too large");
    isal_zstream& stream = igzip_.begin_member(IgzipStream::Mode::one_shot);
    // Incompressible input falls back to stored blocks (5 bytes per 64 KiB) inside the
    // gzip header and trailer; a sixteenth more than the input, plus room for the largest
    // block header, always holds the result.
    output.resize(input.size() + input.size() / 16 + ISAL_DEF_MAX_HDR_SIZE + 64);
    stream.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));
    stream.avail_in = static_cast<uint32_t>(input.size());
    stream.next_out = reinterpret_cast<uint8_t*>(output.data());
    stream.avail_out = static_cast<uint32_t>(output.size());
    stream.end_of_stream = 1;
    const int status = isal_deflate_stateless(&stream);
    if (status != COMP_OK)
      fail(ErrorKind::internal, "igzip: block compression failed ({})", status);
    output.resize(stream.total_out);
  }

 private:
  IgzipStream igzip_;
};

// The zstd level make_block_codec uses; throws usage for one the library lacks.
int zstd_level(std::optional<int> level) {
  const int chosen = level.value_or(ZSTD_defaultCLevel());
  if (chosen < ZSTD_minCLevel() || chosen > ZSTD_maxCLevel()) {
    fail(ErrorKind::usage, "zstd compression level {} is out of range ({} to {})", chosen,
         ZSTD_minCLevel(), ZSTD_maxCLevel());
  }
  return chosen;
}

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
    case BlockCodecKind::zstd:
      return std::make_unique<ZstdCodec>(zstd_level(level));
    case BlockCodecKind::gzip: {
      const GzipSetting gzip = gzip_setting(level);
      if (gzip.library == DeflateLibrary::isal) return std::make_unique<IgzipGzipCodec>(gzip.level);
      return std::make_unique<ZlibGzipCodec>(gzip.level);
    }
  }
  fail(ErrorKind::internal, "unknown block codec");
}

uint64_t block_codec_memory_bytes(BlockCodecKind kind, std::optional<int> level) {
  switch (kind) {
    case BlockCodecKind::uncompressed:
    case BlockCodecKind::snappy:  // works in the output buffer it is given
      return 0;
    case BlockCodecKind::zstd: {
      const int chosen = zstd_level(level);
      // The estimate for inputs of every size: a page of one huge value gets the level's
      // whole window and tables.
      return kCodecAllocationSlack + ZSTD_estimateCCtxSize(chosen);
    }
    case BlockCodecKind::gzip: {
      const GzipSetting gzip = gzip_setting(level);
      if (gzip.library == DeflateLibrary::isal) {
        return kCodecAllocationSlack + IgzipStream::memory_bytes(gzip.level);
      }
      return kCodecAllocationSlack + kZlibDeflateBytes;
    }
  }
  fail(ErrorKind::internal, "unknown block codec");
}

}  // namespace pgexport::compress
