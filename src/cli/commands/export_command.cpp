#include "cli/commands/export_command.hpp"

#include "cli/commands/command_setup.hpp"
#include "cli/export_reporting.hpp"
#include "cli/export_settings.hpp"
#include "export/exporter.hpp"
#include "export/spooled_export.hpp"

namespace pgexport::cli {

ExportCommand::ExportCommand(CLI::App& app)
    : Command(app, "export",
              "Export every table at one consistent snapshot; the manifest is written last",
              export_options()) {}

int ExportCommand::execute() {
  configure_logging(settings_);
  auto run = prepare_export(settings_);
  auto spool = settings_.text("spool");
  ExportReporting reporting(settings_, "export", run.config.run_id);
  run.config.progress = reporting.progress();
  auto summary = spool ? exporter::run_spooled_export(run.config, *run.format, *spool, *run.storage)
                       : exporter::run_export(run.config, *run.format, *run.storage);
  reporting.report_committed(summary, run.config, *run.storage);
  return 0;
}

}  // namespace pgexport::cli
