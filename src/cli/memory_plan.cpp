#include "cli/memory_plan.hpp"

#include <algorithm>
#include <string>

#include "cli/format_options.hpp"
#include "common/error.hpp"
#include "common/progress.hpp"
#include "compress/stream_compressor.hpp"
#include "format/parquet/file_writer.hpp"

namespace pgexport::cli {

namespace {
// A row group above this gains readers little (DuckDB and Spark split work by row group) and
// costs memory per worker.
constexpr uint64_t kLargestDefaultRowGroup = 64ull << 20;
// Smaller row groups make files slow to scan; below this the limit is too tight to be useful.
constexpr uint64_t kSmallestRowGroup = 1ull << 20;

// `bytes` rounded up to whole MiB, as --memory-limit can be given back.
std::string mebibytes_text(uint64_t bytes) {
  constexpr uint64_t kMebibyte = 1ull << 20;
  return size_text((bytes + kMebibyte - 1) / kMebibyte * kMebibyte);
}

}  // namespace

MemoryPlan plan_memory(const Settings& settings, const exporter::ExportConfig& config) {
  const uint64_t limit = settings.size("memory-limit");
  const auto jobs = static_cast<uint64_t>(config.jobs);
  const bool parquet = settings.required_text("format") == "parquet";
  // What each job's writer holds while a file is open, and how much of the limit the writers
  // share: for Parquet half, for their row groups to grow into; otherwise just the compressors.
  const uint64_t fixed =
      parquet ? format::parquet::writer_fixed_memory_bytes(parquet_options(settings, config))
              : compress::stream_compressor_memory_bytes(config.codec, config.compression_level);
  const uint64_t share = parquet ? limit / 2 : jobs * fixed;
  // Uploads lease the rest, and an S3 upload needs at least one part of it.
  const bool s3 = settings.text("destination").value_or("").starts_with("s3://");
  const uint64_t part = s3 ? settings.size("part-size") : 0;
  if (jobs * fixed > share || share >= limit || limit - share < part) {
    const uint64_t needed = parquet ? std::max(2 * (jobs * fixed + kSmallestRowGroup), 2 * part)
                                    : jobs * fixed + std::max(part, kSmallestRowGroup);
    const std::string codec =
        config.compression_name +
        (config.compression_level ? fmt::format(" level {}", *config.compression_level) : "");
    fail(ErrorKind::usage,
         "--memory-limit {} cannot hold {} writers of {} each ({}){}: raise --memory-limit to at "
         "least {}, or lower --jobs or --compression-level",
         size_text(limit), jobs, short_bytes(fixed),
         parquet ? fmt::format("the {} page codec, page buffers and a row group's first MiB", codec)
                 : fmt::format("the {} compressor", codec),
         s3 ? fmt::format(" and a {} upload part", size_text(part)) : "", mebibytes_text(needed));
  }
  MemoryPlan plan;
  plan.upload_bytes = limit - share;
  const uint64_t growth = share - jobs * fixed;
  if (fixed > 0) plan.writers = std::make_shared<EncoderMemory>(config.jobs, fixed, growth);
  if (!parquet) return plan;
  if (settings.text("row-group-bytes")) {
    // A larger row group than the share can lease closes early (file_writer.hpp).
    plan.row_group_bytes = settings.size("row-group-bytes");
  } else {
    // The jobs' equal parts of the share: the row group each writer's lease starts with, and
    // its part of the room to grow.
    plan.row_group_bytes = std::clamp<uint64_t>(format::parquet::kRowGroupLeaseStep + growth / jobs,
                                                kSmallestRowGroup, kLargestDefaultRowGroup);
  }
  return plan;
}

}  // namespace pgexport::cli
