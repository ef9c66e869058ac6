#include "compress/stream_compressor.hpp"

#include <zlib.h>
// For ZSTD_estimateCCtxSize and ZSTD_estimateCStreamSize, which the shared library exports.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <algorithm>

#include "common/error.hpp"
#include "compress/block_codec.hpp"
#include "compress/gzip_level.hpp"
#include "compress/igzip.hpp"

namespace pgexport::compress {

namespace {

// Compressed output is handed downstream in chunks of this size: large enough that the sink
// (a file or an S3 part buffer) sees few calls, small enough to stay cache friendly.
constexpr size_t kOutputChunk = 128 * 1024;

// igzip pays a fixed cost per call that, at one call per row (~100 bytes), doubles its CPU
// time; rows are gathered into chunks of this size first. (zstd and zlib buffer cheaply
// themselves.)
constexpr size_t kIgzipInputChunk = 64 * 1024;

// isal_zstream counts input in uint32_t: larger writes are fed in slices of this size.
constexpr size_t kIgzipMaxSlice = 1u << 30;

class PassThrough final : public StreamCompressor {
 public:
  explicit PassThrough(ByteSink& downstream) : downstream_(downstream) {}
  void write(std::string_view bytes) override { downstream_.write(bytes); }
  void finish() override {}

 private:
  ByteSink& downstream_;
};

class ZstdCompressor final : public StreamCompressor {
 public:
  ZstdCompressor(int level, ByteSink& downstream)
      : context_(ZSTD_createCCtx()), downstream_(downstream), output_(kOutputChunk, '\0') {
    if (context_ == nullptr) throw std::bad_alloc();
    ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, level);
    // A checksum per frame lets `zstd -t` and readers detect a damaged object.
    ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(context_); }

  void write(std::string_view bytes) override { run(bytes, ZSTD_e_continue); }
  void finish() override { run({}, ZSTD_e_end); }

 private:
  void run(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
    bool more = true;
    while (more) {
      ZSTD_outBuffer output{output_.data(), output_.size(), 0};
      size_t remaining = ZSTD_compressStream2(context_, &output, &input, mode);
      if (ZSTD_isError(remaining)) {
        fail(ErrorKind::internal, "zstd compression failed: {}", ZSTD_getErrorName(remaining));
      }
      if (output.pos > 0) downstream_.write(std::string_view(output_.data(), output.pos));
      more = mode == ZSTD_e_end ? remaining != 0 : input.pos < input.size;
    }
  }

  ZSTD_CCtx* context_;
  ByteSink& downstream_;
  std::string output_;
};

// gzip through zlib: the levels igzip lacks (0, stored; 4-9, stronger than igzip).
class ZlibGzipCompressor final : public StreamCompressor {
 public:
  ZlibGzipCompressor(int level, ByteSink& downstream)
      : downstream_(downstream), output_(kOutputChunk, '\0') {
    // windowBits 15 + 16 asks zlib for the gzip wrapper (header and CRC32 trailer).
    if (deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~ZlibGzipCompressor() override { deflateEnd(&stream_); }

  void write(std::string_view bytes) override { run(bytes, Z_NO_FLUSH); }
  void finish() override { run({}, Z_FINISH); }

 private:
  void run(std::string_view bytes, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    int status = Z_OK;
    do {
      stream_.next_out = reinterpret_cast<Bytef*>(output_.data());
      stream_.avail_out = static_cast<uInt>(output_.size());
      status = deflate(&stream_, flush);
      if (status == Z_STREAM_ERROR) fail(ErrorKind::internal, "gzip compression failed");
      size_t produced = output_.size() - stream_.avail_out;
      if (produced > 0) downstream_.write(std::string_view(output_.data(), produced));
    } while (flush == Z_FINISH ? status != Z_STREAM_END : stream_.avail_in > 0);
  }

  z_stream stream_{};
  ByteSink& downstream_;
  std::string output_;
};

// gzip through ISA-L's igzip (levels 1-3): one member, written as the bytes arrive.
class IgzipCompressor final : public StreamCompressor {
 public:
  IgzipCompressor(int level, ByteSink& downstream)
      : igzip_(level), downstream_(downstream), output_(kOutputChunk, '\0') {
    igzip_.begin_member(IgzipStream::Mode::streaming);
    pending_.reserve(kIgzipInputChunk);
  }

  void write(std::string_view bytes) override {
    if (pending_.size() + bytes.size() < kIgzipInputChunk) {
      pending_.append(bytes);
      return;
    }
    deflate_pending();
    if (bytes.size() >= kIgzipInputChunk) {
      deflate(bytes, false);
    } else {
      pending_.append(bytes);
    }
  }

  void finish() override {
    deflate(pending_, true);
    pending_.clear();
  }

 private:
  void deflate_pending() {
    if (pending_.empty()) return;
    deflate(pending_, false);
    pending_.clear();
  }

  // Compresses `bytes`; with `last`, also ends the member (final block and trailer).
  void deflate(std::string_view bytes, bool last) {
    isal_zstream& stream = igzip_.stream();
    do {
      const size_t slice = std::min(bytes.size(), kIgzipMaxSlice);
      stream.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
      stream.avail_in = static_cast<uint32_t>(slice);
      bytes.remove_prefix(slice);
      stream.end_of_stream = last && bytes.empty() ? 1 : 0;
      // isal_deflate returns when the input is used up or the output is full; at the end it
      // must be called until the trailer is out.
      do {
        stream.next_out = reinterpret_cast<uint8_t*>(output_.data());
        stream.avail_out = static_cast<uint32_t>(output_.size());
        const int status = isal_deflate(&stream);
        if (status != COMP_OK) fail(ErrorKind::internal, "igzip compression failed ({})", status);
        const size_t produced = output_.size() - stream.avail_out;
        if (produced > 0) downstream_.write(std::string_view(output_.data(), produced));
      } while (stream.avail_in > 0 ||
               (stream.end_of_stream != 0 && stream.internal_state.state != ZSTATE_END));
    } while (!bytes.empty());
  }

  IgzipStream igzip_;
  ByteSink& downstream_;
  std::string output_;
  std::string pending_;  // small writes gathered into one igzip call
};

}  // namespace

std::unique_ptr<StreamCompressor> make_stream_compressor(StreamCodec codec,
                                                         std::optional<int> level,
                                                         ByteSink& downstream) {
  switch (codec) {
    case StreamCodec::none:
      return std::make_unique<PassThrough>(downstream);
    // Level 1 by default for both: on one core it keeps pace with what PostgreSQL's COPY
    // produces, and the ratio gained by higher levels is a few percent. gzip's levels map
    // onto igzip or zlib (gzip_level.hpp).
    case StreamCodec::zstd:
      return std::make_unique<ZstdCompressor>(level.value_or(1), downstream);
    case StreamCodec::gzip: {
      const GzipSetting gzip = gzip_setting(level);
      if (gzip.library == DeflateLibrary::isal) {
        return std::make_unique<IgzipCompressor>(gzip.level, downstream);
      }
      return std::make_unique<ZlibGzipCompressor>(gzip.level, downstream);
    }
  }
  fail(ErrorKind::internal, "unknown stream codec");
}

uint64_t stream_compressor_memory_bytes(StreamCodec codec, std::optional<int> level) {
  switch (codec) {
    case StreamCodec::none:
      return 0;
    case StreamCodec::zstd:
      return kCodecAllocationSlack + kOutputChunk + ZSTD_estimateCStreamSize(level.value_or(1));
    case StreamCodec::gzip: {
      const GzipSetting gzip = gzip_setting(level);
      if (gzip.library == DeflateLibrary::isal) {
        return kCodecAllocationSlack + kOutputChunk + kIgzipInputChunk +
               IgzipStream::memory_bytes(gzip.level);
      }
      return kCodecAllocationSlack + kOutputChunk + kZlibDeflateBytes;
    }
  }
  fail(ErrorKind::internal, "unknown stream codec");
}

std::string stream_codec_suffix(StreamCodec codec) {
  switch (codec) {
    case StreamCodec::none:
      return "";
    case StreamCodec::zstd:
      return ".zst";
    case StreamCodec::gzip:
      return ".gz";
  }
  return "";
}

}  // namespace pgexport::compress
