// Whole-file compression as a ByteSink filter: bytes written in come out compressed into the
// sink below. finish() writes the codec's end frame; it must be called before the file ends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/byte_sink.hpp"

namespace pgexport::compress {

enum class StreamCodec { none, zstd, gzip };

class StreamCompressor : public ByteSink {
 public:
  // Flushes everything buffered and writes the end of the compressed stream.
  virtual void finish() = 0;
};

// `level` defaults to the codec's fast setting when absent (see stream_compressor.cpp).
std::unique_ptr<StreamCompressor> make_stream_compressor(StreamCodec codec,
                                                         std::optional<int> level,
                                                         ByteSink& downstream);

// The most memory a compressor of make_stream_compressor(codec, level, ...) holds: the codec's
// working state and its output buffer, what a writer leases from --memory-limit for it. 0 for
// none. Throws as make_stream_compressor does for a level out of range.
uint64_t stream_compressor_memory_bytes(StreamCodec codec, std::optional<int> level);

// The file name suffix a codec adds: "", ".zst", ".gz".
std::string stream_codec_suffix(StreamCodec codec);

}  // namespace pgexport::compress
