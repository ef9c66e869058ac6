#include "cli/format_options.hpp"

namespace pgexport::cli {

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

}  // namespace pgexport::cli
