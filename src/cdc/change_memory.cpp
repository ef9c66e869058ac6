#include "cdc/change_memory.hpp"

namespace pgexport::cdc {

std::optional<ChangeMemoryPlan> plan_change_memory(uint64_t memory_limit, uint64_t part_size) {
  if (part_size == 0 || memory_limit < minimum_change_memory(part_size)) return std::nullopt;
  // files * (part + file overhead) + one spare part + the process <= limit.
  const uint64_t files = (memory_limit - kProcessBytes - part_size) / (part_size + kOpenFileBytes);
  ChangeMemoryPlan plan;
  plan.max_open_files = static_cast<size_t>(files);
  plan.upload_bytes = memory_limit - kProcessBytes - files * kOpenFileBytes;
  return plan;
}

uint64_t minimum_change_memory(uint64_t part_size) {
  return kProcessBytes + kOpenFileBytes + 2 * part_size;
}

}  // namespace pgexport::cdc
