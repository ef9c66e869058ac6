// ISA-L's igzip deflate, the fast gzip compressor behind gzip levels 1-3 (gzip_level.hpp):
// one isal_zstream and the working memory its level needs, reused member after member.
#pragma once

#include <isa-l/igzip_lib.h>

#include <cstdint>
#include <vector>

namespace pgexport::compress {

class IgzipStream {
 public:
  enum class Mode {
    streaming,  // isal_deflate(), input in any number of calls
    one_shot,   // isal_deflate_stateless(), the whole member in one call
  };

  // `level` is igzip's own (1 to 3). Throws pgexport::Error (internal) for any other.
  explicit IgzipStream(int level);
  IgzipStream(const IgzipStream&) = delete;
  IgzipStream& operator=(const IgzipStream&) = delete;

  // Resets the stream for a new gzip member (RFC 1952 header and CRC-32 trailer) and returns
  // it; the caller sets the input and output buffers.
  isal_zstream& begin_member(Mode mode);
  // The stream of the member begun last.
  isal_zstream& stream() { return stream_; }
  // What one IgzipStream of igzip level `level` holds: the stream and its level's buffer.
  static uint64_t memory_bytes(int level);

 private:
  int level_;
  std::vector<uint8_t> level_buffer_;
  isal_zstream stream_{};
};

}  // namespace pgexport::compress
