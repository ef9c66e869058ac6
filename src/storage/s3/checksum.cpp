#include "storage/s3/checksum.hpp"

#include <isa-l/crc.h>

#include <algorithm>
#include <array>
#include <climits>

#include "common/digest.hpp"

namespace pgexport::s3 {

void Crc32c::update(std::string_view bytes) {
  // isa-l takes an int length: feed parts (up to 5 GiB) in slices it can count.
  constexpr size_t kMaxSlice = INT_MAX;
  while (!bytes.empty()) {
    const size_t slice = std::min(bytes.size(), kMaxSlice);
    state_ = crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<char*>(bytes.data())),
                         static_cast<int>(slice), state_);
    bytes.remove_prefix(slice);
  }
}

std::string Crc32c::base64() const {
  const uint32_t crc = value();
  const std::array<unsigned char, 4> big_endian = {
      static_cast<unsigned char>(crc >> 24), static_cast<unsigned char>(crc >> 16),
      static_cast<unsigned char>(crc >> 8), static_cast<unsigned char>(crc)};
  return base64_encode(big_endian);
}

std::string crc32c_base64(std::string_view bytes) {
  Crc32c crc;
  crc.update(bytes);
  return crc.base64();
}

std::string md5_base64(std::string_view bytes) {
  return base64_encode(md5(bytes));
}

}  // namespace pgexport::s3
