#include "cli/destination.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "compress/stream_compressor.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "format/parquet/parquet_format.hpp"
#include "storage/local/local_storage.hpp"
#include "storage/s3/s3_storage.hpp"

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

// The options the Parquet writer gets, less what the memory plan decides.
format::parquet::ParquetOptions parquet_options(const Settings& settings,
                                                const exporter::ExportConfig& config) {
  format::parquet::ParquetOptions options;
  const std::string& codec = config.compression_name;
  options.compression = codec == "zstd"     ? format::Compression::zstd
                        : codec == "gzip"   ? format::Compression::gzip
                        : codec == "snappy" ? format::Compression::snappy
                                            : format::Compression::none;
  // The same fast default levels as whole-file compression (see stream_compressor.cpp).
  if (codec == "zstd" || codec == "gzip") {
    options.compression_level = config.compression_level.value_or(1);
  }
  options.row_group_rows = static_cast<uint64_t>(settings.integer("row-group-size"));
  // The options table lets through only the names parse_profile knows.
  options.profile = format::parquet::parse_profile(settings.required_text("parquet-profile"))
                        .value_or(format::parquet::ParquetProfile::portable);
  options.numeric_as_text = settings.flag("parquet-numeric-as-text");
  options.arrays_as_text = settings.flag("parquet-arrays-as-text");
  options.timestamps_as_text = settings.flag("parquet-timestamps-as-text");
  options.metadata = {{"pgexport.run_id", config.run_id}};
  return options;
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

std::unique_ptr<format::Format> make_format(const Settings& settings,
                                            const exporter::ExportConfig& config,
                                            const MemoryPlan& memory) {
  std::string name = settings.required_text("format");
  if (name == "csv") {
    // DMS readers expect DMS's CSV defaults, which differ from PostgreSQL's only in the header.
    return std::make_unique<format::CsvFormat>(config.layout == exporter::DataLayout::dms
                                                   ? format::CsvDialect::dms()
                                                   : format::CsvDialect::postgresql());
  }
  if (name == "jsonl") return std::make_unique<format::JsonlFormat>();
  if (name == "parquet") {
    format::parquet::ParquetOptions options = parquet_options(settings, config);
    options.row_group_bytes = memory.row_group_bytes;
    options.memory = memory.writers;
    return std::make_unique<format::parquet::ParquetFormat>(options);
  }
  fail(ErrorKind::usage, "--format {} is not available in this build", name);
}

std::unique_ptr<storage::Storage> make_storage(const Settings& settings, const MemoryPlan& memory) {
  std::string destination = settings.required_text("destination");
  if (destination.starts_with("s3://")) {
    s3::S3Options options;
    options.url = destination;
    options.region = settings.text("s3-region").value_or("");
    options.endpoint = settings.text("s3-endpoint").value_or("");
    if (settings.flag("s3-path-style")) options.path_style = true;
    options.fips = settings.flag("s3-fips");
    options.sse = settings.text("sse").value_or("");
    options.kms_key_id = settings.text("sse-kms-key-id").value_or("");
    options.acl = settings.text("acl").value_or("");
    options.expected_bucket_owner = settings.text("expected-bucket-owner").value_or("");
    options.storage_class = settings.text("storage-class").value_or("");
    options.assume_role_arn = settings.text("assume-role").value_or("");
    options.assume_role_external_id = settings.text("assume-role-external-id").value_or("");
    options.ca_bundle = settings.text("ca-bundle").value_or("");
    options.unsigned_payload = settings.flag("s3-unsigned-payload");
    options.part_size = settings.size("part-size");
    // One budget for the upload buffers of every worker together.
    options.memory_budget = std::make_shared<MemoryBudget>(memory.upload_bytes);
    return s3::make_s3_storage(options);
  }
  // "s3:/bucket" or "S3://bucket" would otherwise be taken for a relative directory named
  // "s3:" (or "S3:") and the export would land on the local disk without a word.
  const bool s3_typo = destination.size() >= 3 &&
                       (destination[0] == 's' || destination[0] == 'S') && destination[1] == '3' &&
                       destination[2] == ':';
  if (s3_typo) {
    fail(ErrorKind::usage,
         "--destination '{}' is not an S3 URL: write s3://bucket/prefix (lower-case s3, two "
         "slashes), or ./{} for a local directory of that name",
         destination, destination);
  }
  if (destination.find("://") != std::string::npos) {
    fail(ErrorKind::usage,
         "--destination '{}' is neither a directory nor an s3://bucket/prefix URL", destination);
  }
  return std::make_unique<storage::LocalStorage>(destination);
}

}  // namespace pgexport::cli
