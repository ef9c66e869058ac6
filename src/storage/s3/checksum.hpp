// The integrity checksums S3 verifies on upload: CRC32C (x-amz-checksum-crc32c) through
// isa-l, which uses the SSE4.2 crc32 instruction, and the MD5 of Content-MD5.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pgexport::s3 {

// Incremental CRC32C (Castagnoli, as in iSCSI): the check value of "123456789" is e3069283.
class Crc32c {
 public:
  void update(std::string_view bytes);
  uint32_t value() const { return state_ ^ 0xFFFFFFFFu; }
  // Base64 of the four big-endian bytes: the form x-amz-checksum-crc32c carries.
  std::string base64() const;

 private:
  uint32_t state_ = 0xFFFFFFFFu;  // CRC32C starts from all ones and inverts at the end
};

// The header values for a whole body.
std::string crc32c_base64(std::string_view bytes);
std::string md5_base64(std::string_view bytes);

}  // namespace pgexport::s3
