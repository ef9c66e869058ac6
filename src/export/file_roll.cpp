#include "export/file_roll.hpp"

#include <algorithm>

namespace pgexport::exporter {

uint64_t file_roll_bytes(uint64_t max_file_bytes, std::optional<uint64_t> largest_object) {
  if (!largest_object) return max_file_bytes;
  const uint64_t object_limit = *largest_object > 2 * kRollHeadroomBytes
                                    ? *largest_object - kRollHeadroomBytes
                                    : std::max<uint64_t>(*largest_object / 2, 1);
  return max_file_bytes == 0 ? object_limit : std::min(max_file_bytes, object_limit);
}

}  // namespace pgexport::exporter
