#include "cli/export_settings.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/commands/command_setup.hpp"
#include "cli/database_connection.hpp"
#include "cli/personal_data_settings.hpp"
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

// What DMS can write: CSV (none or gzip, as its CompressionType) or Parquet; nothing else, so
// the rest is refused before anything is read.
void check_dms_choices(const Settings& settings, const exporter::ExportConfig& config) {
  if (config.format_name == "jsonl") {
    fail(ErrorKind::usage,
         "--layout dms writes what AWS DMS writes: --format csv or parquet, not jsonl");
  }
  if (config.format_name == "csv" && config.compression_name != "none" &&
      config.compression_name != "gzip") {
    fail(ErrorKind::usage,
         "--layout dms writes what AWS DMS writes: --compression none (DMS's default) or gzip "
         "for csv, not {}",
         config.compression_name);
  }
  if (settings.text("spool")) {
    fail(ErrorKind::usage,
         "--spool does not apply to --layout dms: its files go straight to their fixed keys");
  }
}

}  // namespace

exporter::ExportConfig make_export_config(const Settings& settings) {
  exporter::ExportConfig config;
  config.source = database_connection(settings);
  config.run_id =
      settings.text("run-id").value_or(format_utc_compact(std::chrono::system_clock::now()));
  config.jobs = static_cast<int>(settings.integer("jobs"));
  config.filter.include = settings.list("include");
  config.filter.exclude = settings.list("exclude");
  auto personal_data = personal_data_settings(settings);
  config.personal_data = std::move(personal_data.rules);
  config.hash_key = std::move(personal_data.key);
  config.chunk_bytes = settings.size("chunk-size");
  config.max_file_bytes = settings.size("max-file-size");
  config.strict_types = settings.flag("strict-types");
  config.format_name = settings.required_text("format");
  // The options table lets through only the names parse_data_layout knows.
  config.layout = exporter::parse_data_layout(settings.required_text("layout"))
                      .value_or(exporter::DataLayout::runs);
  const bool dms = config.layout == exporter::DataLayout::dms;
  // DMS writes uncompressed files unless told otherwise (CompressionType NONE).
  config.compression_name =
      settings.text("compression").value_or(dms && config.format_name == "csv" ? "none" : "zstd");
  if (dms) check_dms_choices(settings, config);
  if (auto column = settings.text("dms-timestamp-column")) {
    if (!dms) {
      fail(ErrorKind::usage, "--dms-timestamp-column applies to --layout dms only");
    }
    config.dms_timestamp_column = *column;
  }
  if (config.compression_name == "snappy" && config.format_name != "parquet") {
    fail(ErrorKind::usage,
         "--compression snappy applies to parquet only; use zstd, gzip or none for {}",
         config.format_name);
  }
  if (settings.required_text("table-format") == "delta") {
    // Refused rather than implied: a Delta table holds Parquet, and a reader should see in the
    // command line what the files are.
    if (config.format_name != "parquet") {
      fail(ErrorKind::usage,
           "--table-format delta writes Parquet files: add --format parquet (not {})",
           config.format_name);
    }
    if (settings.required_text("parquet-profile") != "portable") {
      fail(ErrorKind::usage,
           "--table-format delta needs --parquet-profile portable: Spark and Databricks cannot "
           "read the exact profile's UUID and TIME columns");
    }
    if (settings.text("spool")) {
      fail(ErrorKind::usage,
           "--table-format delta cannot be combined with --spool yet: drop one of the two");
    }
    // Two answers to where the files go: Delta's table directories or DMS's fixed names.
    if (config.layout == exporter::DataLayout::dms) {
      fail(ErrorKind::usage,
           "--table-format delta and --layout dms each decide where the files go: choose one");
    }
    config.table_format = exporter::TableFormat::delta;
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

namespace {

// Each job's busy seconds, e.g. "6.1,5.9": how evenly the work was spread.
std::string job_busy_list(const exporter::ExportSummary& summary, std::string_view separator) {
  std::vector<std::string> seconds;
  for (double busy : summary.job_busy_seconds) seconds.push_back(fmt::format("{:.1f}", busy));
  return fmt::format("{}", fmt::join(seconds, separator));
}

}  // namespace

PreparedExport prepare_export(const Settings& settings) {
  PreparedExport prepared;
  prepared.config = make_export_config(settings);
  prepared.memory = plan_memory(settings, prepared.config);
  prepared.config.encoder_memory = prepared.memory.writers;
  prepared.format = make_format(settings, prepared.config, prepared.memory);
  prepared.storage = make_storage(settings, prepared.memory);
  return prepared;
}

nlohmann::json summary_document(const exporter::ExportSummary& summary,
                                const storage::Storage& storage) {
  // Two decimals, as the log line has them.
  auto hundredths = [](double seconds) {
    return static_cast<double>(static_cast<int64_t>(seconds * 100)) / 100;
  };
  auto job_busy = nlohmann::json::array();
  for (double busy : summary.job_busy_seconds) job_busy.push_back(hundredths(busy));
  return {{"run_id", summary.run_id},
          {"manifest", summary.manifest_key},
          {"destination", storage.describe()},
          {"latest_moved", summary.latest_moved},
          {"snapshot", summary.snapshot},
          {"tables", summary.tables},
          {"files", summary.files},
          {"rows", summary.rows},
          {"bytes_read", summary.wire_bytes},
          {"bytes_written", summary.stored_bytes},
          {"seconds", hundredths(summary.seconds)},
          {"job_busy_seconds", job_busy}};
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
                                 {"seconds", log::seconds_value(summary.seconds)},
                                 {"job_busy_seconds", job_busy_list(summary, ",")}});
  double megabytes_per_second =
      summary.seconds > 0 ? summary.wire_bytes / 1e6 / summary.seconds : 0;
  std::string paragraph = fmt::format(
      "Exported {} tables ({} rows, {} read from PostgreSQL) at snapshot {} as {} files "
      "({} {}, {} stored) in {:.1f} s ({:.0f} MB/s){}. The run is committed: its manifest is "
      "{}/{}.\n",
      summary.tables, summary.rows, human_bytes(summary.wire_bytes), summary.snapshot,
      summary.files, config.format_name, config.compression_name, human_bytes(summary.stored_bytes),
      summary.seconds, megabytes_per_second,
      summary.job_busy_seconds.empty()
          ? std::string()
          : fmt::format("; jobs busy {} s", job_busy_list(summary, ", ")),
      storage.describe(), summary.manifest_key);
  std::fputs(paragraph.c_str(), stdout);
}

}  // namespace pgexport::cli
