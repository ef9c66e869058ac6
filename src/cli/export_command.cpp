#include "cli/export_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/destination.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "export/exporter.hpp"
#include "export/spooled_export.hpp"

namespace pgexport::cli {

namespace {

compress::StreamCodec stream_codec(const std::string& name) {
  if (name == "zstd") return compress::StreamCodec::zstd;
  if (name == "gzip") return compress::StreamCodec::gzip;
  return compress::StreamCodec::none;
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

exporter::ExportConfig make_config(const Settings& settings) {
  exporter::ExportConfig config;
  config.source = settings.text("source").value_or("");
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
  }
  config.lock_timeout = std::chrono::seconds(settings.integer("lock-timeout"));
  config.cleanup_timeout = settings.duration("cleanup-timeout");
  return config;
}

}  // namespace

ExportCommand::ExportCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "export", "Export every table at one consistent snapshot; the manifest is written last");
  bind_options(*command_, export_options(), settings_);
}

int ExportCommand::run() {
  validate_options(export_options(), settings_);
  log::configure(
      settings_.required_text("log-format") == "json" ? log::Format::json : log::Format::text, [&] {
        auto level = settings_.required_text("log-level");
        if (level == "debug") return log::Level::debug;
        if (level == "warn") return log::Level::warn;
        if (level == "error") return log::Level::error;
        return log::Level::info;
      }());
  auto config = make_config(settings_);
  auto memory = plan_memory(settings_, config.jobs);
  auto format = make_format(settings_, config, memory);
  auto storage = make_storage(settings_, memory);
  auto spool = settings_.text("spool");
  auto summary = spool ? exporter::run_spooled_export(config, *format, *spool, *storage)
                       : exporter::run_export(config, *format, *storage);

  log::info("export committed", {{"run_id", summary.run_id},
                                 {"manifest", summary.manifest_key},
                                 log::field("tables", summary.tables),
                                 log::field("files", summary.files),
                                 log::field("rows", summary.rows),
                                 log::field("bytes_read", summary.wire_bytes),
                                 log::field("bytes_written", summary.stored_bytes),
                                 log::field("seconds", fmt::format("{:.2f}", summary.seconds))});
  double megabytes_per_second =
      summary.seconds > 0 ? summary.wire_bytes / 1e6 / summary.seconds : 0;
  std::string paragraph = fmt::format(
      "Exported {} tables ({} rows, {} read from PostgreSQL) at snapshot {} as {} files "
      "({} {}, {} stored) in {:.1f} s ({:.0f} MB/s). The run is committed: its manifest is "
      "{}/{}.\n",
      summary.tables, summary.rows, human_bytes(summary.wire_bytes), summary.snapshot,
      summary.files, config.format_name, config.compression_name, human_bytes(summary.stored_bytes),
      summary.seconds, megabytes_per_second, storage->describe(), summary.manifest_key);
  std::fputs(paragraph.c_str(), stdout);
  return 0;
}

}  // namespace pgexport::cli
