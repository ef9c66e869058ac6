#include "cli/commands/materialize_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cdc/materialize.hpp"
#include "cli/commands/command_setup.hpp"
#include "cli/destination.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "export/layout.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cli {

namespace {

// The output takes the destination's syntax and S3 options; only the location differs.
std::unique_ptr<storage::Storage> open_output(const Settings& settings) {
  const std::string output = settings.required_text("output");
  if (output.find("://") != std::string::npos && !output.starts_with("s3://")) {
    fail(ErrorKind::usage, "--output '{}' is neither a directory nor an s3://bucket/prefix URL",
         output);
  }
  if (!output.starts_with("s3://"))
    return std::make_unique<storage::LocalStorage>(output, "--output");
  Settings at_output = settings;
  at_output.values["destination"] = output;
  // One file per table is written at a time: two parts in flight keep an upload moving.
  MemoryPlan memory;
  memory.upload_bytes = 2 * settings.size("part-size");
  return make_storage(at_output, memory);
}

}  // namespace

MaterializeCommand::MaterializeCommand(CLI::App& app)
    : Command(app, "materialize",
              "Apply the logged changes to the newest cdc run and commit the tables as of an LSN "
              "as a new run in --output, without the database",
              materialize_options()) {}

int MaterializeCommand::execute() {
  configure_logging(settings_);
  cdc::MaterializeConfig config;
  if (auto lsn = settings_.text("lsn")) {
    try {
      config.lsn = pg::replication::Lsn::parse(*lsn);
    } catch (const Error& error) {
      fail(ErrorKind::usage, "--lsn '{}' is not an LSN: {}", *lsn, error.what());
    }
  }
  config.format = settings_.text("format");
  config.table_format = settings_.text("table-format");
  config.run_id =
      settings_.text("run-id").value_or(format_utc_compact(std::chrono::system_clock::now()));
  if (!exporter::is_valid_run_id(config.run_id)) {
    fail(ErrorKind::usage, "--run-id '{}' is not a run id (letters, digits, '_', '-' and '.')",
         config.run_id);
  }
  auto source = open_destination(settings_);
  auto output = open_output(settings_);
  const cdc::MaterializeSummary summary = cdc::materialize(*source, *output, config);

  log::info("materialized run committed", {{"run_id", summary.run_id},
                                           {"base_run_id", summary.base_run_id},
                                           {"manifest", summary.manifest_key},
                                           {"lsn", summary.lsn.to_string()},
                                           log::field("changes", summary.changes_applied),
                                           log::field("tables", summary.tables),
                                           log::field("rows", summary.rows),
                                           log::field("bytes", summary.bytes)});
  const std::string entries =
      summary.first_sequence
          ? fmt::format("log entries {} to {}", *summary.first_sequence, *summary.last_sequence)
          : std::string("no log entries");
  std::fputs(fmt::format("Materialized run {} from run {} and {} ({} changes) as of LSN {}: {} "
                         "tables, {} rows, {} stored. The run is committed: its manifest is "
                         "{}/{}.\n",
                         summary.run_id, summary.base_run_id, entries, summary.changes_applied,
                         summary.lsn.to_string(), summary.tables, summary.rows,
                         human_bytes(summary.bytes), output->describe(), summary.manifest_key)
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace pgexport::cli
