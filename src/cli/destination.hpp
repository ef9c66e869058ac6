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

// How --memory-limit is divided (docs/memory.md): the writers' share, which every file's
// compression context, page buffers and Parquet row group are leased from (half of the limit
// for Parquet; for CSV and JSON Lines one compressor per job), and the rest for upload buffers.
struct MemoryPlan {
  uint64_t upload_bytes = 0;               // the budget all part buffers are leased from
  uint64_t row_group_bytes = 0;            // per encoder; 0 when the format has no row groups
  std::shared_ptr<EncoderMemory> writers;  // none when writers lease nothing
};
// Throws pgexport::Error (usage) when the limit cannot hold the jobs' writers and one upload
// part, saying what would.
MemoryPlan plan_memory(const Settings& settings, const exporter::ExportConfig& config);

std::unique_ptr<storage::Storage> make_storage(const Settings& settings, const MemoryPlan& memory);

}  // namespace pgexport::cli
