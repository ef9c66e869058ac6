#include "cli/export_settings.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/commands/command_setup.hpp"
#include "cli/database_connection.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "compress/gzip_level.hpp"

namespace pgexport::cli {

namespace {

compress::StreamCodec stream_codec(const std::string& name) {
  if (name == "zstd") return compress::StreamCodec::zstd;
  if (name == "gzip") return compress::StreamCodec::gzip;
  return compress::StreamCodec::none;
}

}  // namespace

exporter::ExportConfig make_export_config(const Settings& settings) {
  exporter::ExportConfig config;
  config.source = database_connection_string(settings);
  config.run_id =
      settings.text("run-id").value_or(format_utc_compact(std::chrono::system_clock::now()));
  config.jobs = static_cast<int>(settings.integer("jobs"));
  config.filter.include = settings.list("include");
  config.filter.exclude = settings.list("exclude");
  config.chunk_bytes = settings.size("chunk-size");
  config.max_file_bytes = settings.size("max-file-size");
  config.format_name = settings.required_text("format");
  config.compression_name = settings.required_text("compression");
  if (config.compression_name == "snappy" && config.format_name != "parquet") {
    fail(ErrorKind::usage,
         "--compression snappy applies to parquet only; use zstd, gzip or none for {}",
         config.format_name);
  }
  config.codec = stream_codec(config.compression_name);
  if (settings.text("compression-level")) {
    config.compression_level = static_cast<int>(settings.integer("compression-level"));
    // Checked here, before anything is read or written, rather than by the first compressor.
    if (config.codec == compress::StreamCodec::gzip) {
      compress::gzip_setting(config.compression_level);
    }
  }
  config.lock_timeout = std::chrono::seconds(settings.integer("lock-timeout"));
  config.cleanup_timeout = settings.duration("cleanup-timeout");
  return config;
}

void report_committed_export(const exporter::ExportSummary& summary,
                             const exporter::ExportConfig& config,
                             const storage::Storage& storage) {
  log::info("export committed", {{"run_id", summary.run_id},
                                 {"manifest", summary.manifest_key},
                                 log::field("tables", summary.tables),
                                 log::field("files", summary.files),
                                 log::field("rows", summary.rows),
                                 log::field("bytes_read", summary.wire_bytes),
                                 log::field("bytes_written", summary.stored_bytes),
                                 {"seconds", log::seconds_value(summary.seconds)}});
  double megabytes_per_second =
      summary.seconds > 0 ? summary.wire_bytes / 1e6 / summary.seconds : 0;
  std::string paragraph = fmt::format(
      "Exported {} tables ({} rows, {} read from PostgreSQL) at snapshot {} as {} files "
      "({} {}, {} stored) in {:.1f} s ({:.0f} MB/s). The run is committed: its manifest is "
      "{}/{}.\n",
      summary.tables, summary.rows, human_bytes(summary.wire_bytes), summary.snapshot,
      summary.files, config.format_name, config.compression_name, human_bytes(summary.stored_bytes),
      summary.seconds, megabytes_per_second, storage.describe(), summary.manifest_key);
  std::fputs(paragraph.c_str(), stdout);
}

}  // namespace pgexport::cli
