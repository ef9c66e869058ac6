#include "cli/destination.hpp"

#include "cli/format_options.hpp"
#include "common/error.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "format/parquet/parquet_format.hpp"
#include "storage/local/local_storage.hpp"
#include "storage/s3/s3_storage.hpp"

namespace pgexport::cli {

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
