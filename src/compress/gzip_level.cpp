#include "compress/gzip_level.hpp"

#include "common/error.hpp"

namespace pgexport::compress {

namespace {
// igzip's levels are 0 to 3 (ISAL_DEF_MIN_LEVEL..ISAL_DEF_MAX_LEVEL); its level 0 is a weak
// compressor, not stored blocks, so pgexport's 0 keeps zlib's meaning.
constexpr int kFirstIsalLevel = 1;
constexpr int kLastIsalLevel = 3;
constexpr int kMaxGzipLevel = 9;
}  // namespace

GzipSetting gzip_setting(std::optional<int> level) {
  const int chosen = level.value_or(kDefaultGzipLevel);
  if (chosen < 0 || chosen > kMaxGzipLevel) {
    fail(ErrorKind::usage, "gzip compression level {} is out of range (0 to {})", chosen,
         kMaxGzipLevel);
  }
  if (chosen >= kFirstIsalLevel && chosen <= kLastIsalLevel) {
    return {DeflateLibrary::isal, chosen};
  }
  return {DeflateLibrary::zlib, chosen};
}

}  // namespace pgexport::compress
