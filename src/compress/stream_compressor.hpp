// Whole-file compression as a ByteSink filter: bytes written in come out compressed into the
// sink below. finish() writes the codec's end frame; it must be called before the file ends.
#pragma once

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

// The file name suffix a codec adds: "", ".zst", ".gz".
std::string stream_codec_suffix(StreamCodec codec);

}  // namespace pgexport::compress
