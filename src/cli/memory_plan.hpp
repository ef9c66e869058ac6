// How --memory-limit is divided (docs/memory.md, "How the limit is divided"): the writers'
// share, which every file's compression context, page buffers and Parquet row group are leased
// from (half of the limit for Parquet; for CSV and JSON Lines one compressor per job), and the
// rest for upload buffers.
#pragma once

#include <cstdint>
#include <memory>

#include "cli/options.hpp"
#include "common/encoder_memory.hpp"
#include "export/exporter.hpp"

namespace pgexport::cli {

struct MemoryPlan {
  uint64_t upload_bytes = 0;               // the budget all part buffers are leased from
  uint64_t row_group_bytes = 0;            // per encoder; 0 when the format has no row groups
  std::shared_ptr<EncoderMemory> writers;  // none when writers lease nothing
};

// Throws pgexport::Error (usage) when the limit cannot hold the jobs' writers and one upload
// part, saying what would.
MemoryPlan plan_memory(const Settings& settings, const exporter::ExportConfig& config);

}  // namespace pgexport::cli
