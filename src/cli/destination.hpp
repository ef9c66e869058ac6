// Builds the format and the destination storage that the options name, sized by the memory
// plan.
#pragma once

#include <memory>

#include "cli/memory_plan.hpp"
#include "cli/options.hpp"
#include "export/exporter.hpp"
#include "format/format.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

std::unique_ptr<format::Format> make_format(const Settings& settings,
                                            const exporter::ExportConfig& config,
                                            const MemoryPlan& memory);

std::unique_ptr<storage::Storage> make_storage(const Settings& settings, const MemoryPlan& memory);

}  // namespace pgexport::cli
