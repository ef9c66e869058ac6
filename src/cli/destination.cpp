#include "cli/destination.hpp"

#include "common/error.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cli {

std::unique_ptr<format::Format> make_format(const Settings& settings,
                                            const exporter::ExportConfig& config) {
  std::string name = settings.required_text("format");
  if (name == "csv") return std::make_unique<format::CsvFormat>();
  if (name == "jsonl") return std::make_unique<format::JsonlFormat>();
  fail(ErrorKind::usage, "--format {} is not available in this build", name);
}

std::unique_ptr<storage::Storage> make_storage(const Settings& settings) {
  std::string destination = settings.required_text("destination");
  if (destination.starts_with("s3://")) {
    fail(ErrorKind::usage, "s3:// destinations are not available in this build");
  }
  if (destination.find("://") != std::string::npos) {
    fail(ErrorKind::usage,
         "--destination '{}' is neither a directory nor an s3://bucket/prefix URL", destination);
  }
  return std::make_unique<storage::LocalStorage>(destination);
}

}  // namespace pgexport::cli
