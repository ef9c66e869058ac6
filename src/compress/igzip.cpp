#include "compress/igzip.hpp"

#include "common/error.hpp"

namespace pgexport::compress {

namespace {
// ISA-L's suggested working memory per level (its *_DEFAULT sizes, about 300 KiB): the hash
// tables and the token buffer; smaller buffers make it flush blocks more often.
size_t level_buffer_size(int level) {
  switch (level) {
    case 1:
      return ISAL_DEF_LVL1_DEFAULT;
    case 2:
      return ISAL_DEF_LVL2_DEFAULT;
    case 3:
      return ISAL_DEF_LVL3_DEFAULT;
  }
  fail(ErrorKind::internal, "igzip has no compression level {}", level);
}
}  // namespace

uint64_t IgzipStream::memory_bytes(int level) {
  return sizeof(IgzipStream) + level_buffer_size(level);
}

IgzipStream::IgzipStream(int level) : level_(level), level_buffer_(level_buffer_size(level)) {}

isal_zstream& IgzipStream::begin_member(Mode mode) {
  if (mode == Mode::streaming) {
    isal_deflate_init(&stream_);
  } else {
    isal_deflate_stateless_init(&stream_);
  }
  stream_.level = static_cast<uint32_t>(level_);
  stream_.level_buf = level_buffer_.data();
  stream_.level_buf_size = static_cast<uint32_t>(level_buffer_.size());
  stream_.gzip_flag = IGZIP_GZIP;  // a gzip header and trailer, not a raw deflate stream
  return stream_;
}

}  // namespace pgexport::compress
