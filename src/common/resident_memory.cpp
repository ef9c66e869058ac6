#include "common/resident_memory.hpp"

#include <unistd.h>

#include <cstdio>

namespace pgexport {

std::optional<uint64_t> resident_bytes() noexcept {
  // statm's fields are in pages: total size, then resident.
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return std::nullopt;
  unsigned long long size = 0, resident = 0;
  const int read = std::fscanf(file, "%llu %llu", &size, &resident);
  std::fclose(file);
  const long page = sysconf(_SC_PAGESIZE);
  if (read != 2 || page <= 0) return std::nullopt;
  return resident * static_cast<uint64_t>(page);
}

}  // namespace pgexport
