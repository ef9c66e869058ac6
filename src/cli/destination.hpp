// Builds the format and the destination storage that the options name.
#pragma once

#include <memory>

#include "cli/options.hpp"
#include "export/exporter.hpp"
#include "format/format.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

struct MemoryPlan;
std::unique_ptr<format::Format> make_format(const Settings& settings,
                                            const exporter::ExportConfig& config,
                                            const MemoryPlan& memory);

// Memory: --memory-limit is shared between upload buffers and, for parquet, row groups.
struct MemoryPlan {
  uint64_t upload_bytes = 0;     // the budget all part buffers are leased from
  uint64_t row_group_bytes = 0;  // per encoder; 0 when the format has no row groups
};
MemoryPlan plan_memory(const Settings& settings, int jobs);

std::unique_ptr<storage::Storage> make_storage(const Settings& settings, const MemoryPlan& memory);

}  // namespace pgexport::cli
