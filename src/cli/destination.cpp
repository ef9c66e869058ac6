#include "cli/destination.hpp"

#include <algorithm>

#include "common/error.hpp"
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
}  // namespace

MemoryPlan plan_memory(const Settings& settings, int jobs) {
  MemoryPlan plan;
  uint64_t limit = settings.size("memory-limit");
  if (settings.required_text("format") != "parquet") {
    plan.upload_bytes = limit;
    return plan;
  }
  // Parquet holds a row group per worker while it encodes: half of the limit for those, half
  // for upload buffers, unless --row-group-bytes says otherwise.
  plan.upload_bytes = limit / 2;
  if (settings.text("row-group-bytes")) {
    plan.row_group_bytes = settings.size("row-group-bytes");
  } else {
    plan.row_group_bytes = std::clamp<uint64_t>(limit / 2 / static_cast<uint64_t>(jobs),
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
    options.row_group_bytes = memory.row_group_bytes;
    // The options table lets through only the names parse_profile knows.
    options.profile = format::parquet::parse_profile(settings.required_text("parquet-profile"))
                          .value_or(format::parquet::ParquetProfile::portable);
    options.numeric_as_text = settings.flag("parquet-numeric-as-text");
    options.arrays_as_text = settings.flag("parquet-arrays-as-text");
    options.timestamps_as_text = settings.flag("parquet-timestamps-as-text");
    options.metadata = {{"pgexport.run_id", config.run_id}};
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
