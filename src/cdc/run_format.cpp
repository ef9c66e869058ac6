#include "cdc/run_format.hpp"

#include "common/error.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::cdc {

std::unique_ptr<format::Format> make_parquet_format_like(
    const std::string& compression, const nlohmann::json& format_options, std::optional<int> level,
    uint64_t row_group_bytes, const std::string& manifest_key,
    std::vector<std::pair<std::string, std::string>> metadata) {
  format::parquet::ParquetOptions options;
  if (compression == "zstd") {
    options.compression = format::Compression::zstd;
  } else if (compression == "gzip") {
    options.compression = format::Compression::gzip;
  } else if (compression == "snappy") {
    options.compression = format::Compression::snappy;
  } else if (compression == "none") {
    options.compression = format::Compression::none;
  } else {
    fail(ErrorKind::usage,
         "the manifest {} says compression {}, which parquet pages are never written with; run "
         "`pgexport cdc init` again",
         manifest_key, compression);
  }
  // The same fast default levels as the export's (cli/destination.cpp).
  if (options.compression == format::Compression::zstd ||
      options.compression == format::Compression::gzip) {
    options.compression_level = level.value_or(1);
  }
  options.row_group_bytes = row_group_bytes;
  // Runs written before format_options existed used the rules of what is now the exact profile,
  // which the column checks confirm column by column.
  options.profile = format::parquet::ParquetProfile::exact;
  if (!format_options.is_null()) {
    auto mapping = format::parquet::mapping_from_description(format_options);
    if (!mapping) {
      fail(ErrorKind::usage,
           "the manifest {} has format_options that are not parquet's reader profile and "
           "representation switches (profile portable or exact; numeric_as_text, "
           "arrays_as_text, timestamps_as_text, each true or false); run "
           "`pgexport cdc init` again",
           manifest_key);
    }
    options.profile = mapping->profile;
    options.numeric_as_text = mapping->numeric_as_text;
    options.arrays_as_text = mapping->arrays_as_text;
    options.timestamps_as_text = mapping->timestamps_as_text;
  }
  options.metadata = std::move(metadata);
  return std::make_unique<format::parquet::ParquetFormat>(std::move(options));
}

}  // namespace pgexport::cdc
