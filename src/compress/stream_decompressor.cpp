#include "compress/stream_decompressor.hpp"

#include <zlib.h>
#include <zstd.h>

#include <new>
#include <string>

#include "common/error.hpp"

namespace pgexport::compress {

namespace {

// Decompressed output is handed downstream in chunks of this size, as the compressors do: few
// calls for the sink, and a buffer that stays cache friendly.
constexpr size_t kOutputChunk = 128 * 1024;

class PassThrough final : public StreamDecompressor {
 public:
  explicit PassThrough(ByteSink& downstream) : downstream_(downstream) {}
  void write(std::string_view bytes) override { downstream_.write(bytes); }
  void finish() override {}

 private:
  ByteSink& downstream_;
};

class ZstdDecompressor final : public StreamDecompressor {
 public:
  explicit ZstdDecompressor(ByteSink& downstream)
      : context_(ZSTD_createDCtx()), downstream_(downstream), output_(kOutputChunk, '\0') {
    if (context_ == nullptr) throw std::bad_alloc();
  }
  ~ZstdDecompressor() override { ZSTD_freeDCtx(context_); }

  void write(std::string_view bytes) override {
    if (bytes.empty()) return;
    seen_input_ = true;
    ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
    // Loop until the input is consumed and the output buffer was not filled (so zstd holds
    // no more decoded bytes for this input).
    bool output_full = true;
    while (input.pos < input.size || output_full) {
      ZSTD_outBuffer output{output_.data(), output_.size(), 0};
      size_t consumed_before = input.pos;
      size_t hint = ZSTD_decompressStream(context_, &output, &input);
      if (ZSTD_isError(hint)) {
        fail(ErrorKind::data_error, "zstd: the data is damaged ({})", ZSTD_getErrorName(hint));
      }
      // 0 means a frame just ended; another one may follow. A call that moved nothing (the
      // last one, checking for more output) says nothing about the frame.
      if (input.pos > consumed_before || output.pos > 0) frame_open_ = hint != 0;
      if (output.pos > 0) downstream_.write(std::string_view(output_.data(), output.pos));
      output_full = output.pos == output.size;
    }
  }

  void finish() override {
    if (!seen_input_) fail(ErrorKind::data_error, "zstd: the file is empty (no frame)");
    if (frame_open_) fail(ErrorKind::data_error, "zstd: the data ends in the middle of a frame");
  }

 private:
  ZSTD_DCtx* context_;
  ByteSink& downstream_;
  std::string output_;
  bool seen_input_ = false;
  bool frame_open_ = false;
};

class GzipDecompressor final : public StreamDecompressor {
 public:
  explicit GzipDecompressor(ByteSink& downstream)
      : downstream_(downstream), output_(kOutputChunk, '\0') {
    // windowBits 15 + 16 accepts the gzip wrapper only (header and CRC32 trailer, checked).
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) throw std::bad_alloc();
  }
  ~GzipDecompressor() override { inflateEnd(&stream_); }

  void write(std::string_view bytes) override {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    while (stream_.avail_in > 0) {
      if (member_ended_) {
        // The next member begins: zlib decodes one member per stream, so start anew.
        inflateReset(&stream_);
        member_ended_ = false;
      }
      member_open_ = true;
      inflate_step();
    }
    // Output may still be pending inside zlib when the output buffer filled up exactly.
    drain();
  }

  void finish() override {
    if (members_ == 0 && !member_open_) {
      fail(ErrorKind::data_error, "gzip: the file is empty (no member)");
    }
    if (member_open_) fail(ErrorKind::data_error, "gzip: the data ends in the middle of a member");
  }

 private:
  void drain() {
    while (member_open_ && inflate_step() > 0) {
    }
  }

  // One inflate() call into the output buffer: hands what it produced downstream, notes the end
  // of a member, and fails on damaged data. Returns the bytes produced (0: zlib needs input).
  size_t inflate_step() {
    stream_.next_out = reinterpret_cast<Bytef*>(output_.data());
    stream_.avail_out = static_cast<uInt>(output_.size());
    const int status = inflate(&stream_, Z_NO_FLUSH);
    const size_t produced = output_.size() - stream_.avail_out;
    if (produced > 0) downstream_.write(std::string_view(output_.data(), produced));
    if (status == Z_STREAM_END) {
      member_ended_ = true;
      member_open_ = false;
      ++members_;
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      fail(ErrorKind::data_error, "gzip: the data is damaged ({})",
           stream_.msg != nullptr ? stream_.msg : "inflate failed");
    }
    return produced;
  }

  z_stream stream_{};
  ByteSink& downstream_;
  std::string output_;
  bool member_open_ = false;   // inside a member that has not ended yet
  bool member_ended_ = false;  // the last member ended; the next byte starts a new one
  int members_ = 0;
};

}  // namespace

std::unique_ptr<StreamDecompressor> make_stream_decompressor(StreamCodec codec,
                                                             ByteSink& downstream) {
  switch (codec) {
    case StreamCodec::none:
      return std::make_unique<PassThrough>(downstream);
    case StreamCodec::zstd:
      return std::make_unique<ZstdDecompressor>(downstream);
    case StreamCodec::gzip:
      return std::make_unique<GzipDecompressor>(downstream);
  }
  fail(ErrorKind::internal, "unknown stream codec");
}

}  // namespace pgexport::compress
