// Whole-file decompression as a ByteSink filter, the inverse of stream_compressor.hpp: bytes
// of a compressed file written in come out decompressed into the sink below, in bounded
// chunks, so memory does not grow with the file. Used to re-read exported files (verify).
#pragma once

#include <memory>

#include "common/byte_sink.hpp"
#include "compress/stream_compressor.hpp"

namespace pgexport::compress {

class StreamDecompressor : public ByteSink {
 public:
  // Checks that the compressed stream ended where the input did: throws Error(data_error)
  // for a stream cut short (a truncated file) or one with no data at all.
  virtual void finish() = 0;
};

// zstd accepts one or more concatenated frames; gzip one or more concatenated members (as
// `cat a.gz b.gz` makes, and as RFC 1952 allows). Damaged input throws Error(data_error)
// from write() or finish(), naming the codec and what is wrong.
std::unique_ptr<StreamDecompressor> make_stream_decompressor(StreamCodec codec,
                                                             ByteSink& downstream);

}  // namespace pgexport::compress
