#include "cli/commands/export_command.hpp"

#include "cli/commands/command_setup.hpp"
#include "cli/destination.hpp"
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
  auto config = make_export_config(settings_);
  auto memory = plan_memory(settings_, config.jobs);
  auto format = make_format(settings_, config, memory);
  auto storage = make_storage(settings_, memory);
  auto spool = settings_.text("spool");
  ExportReporting reporting(settings_, "export", config.run_id);
  config.progress = reporting.progress();
  auto summary = spool ? exporter::run_spooled_export(config, *format, *spool, *storage)
                       : exporter::run_export(config, *format, *storage);
  reporting.finish();
  reporting.report_run(summary);
  report_committed_export(summary, config, *storage);
  return 0;
}

}  // namespace pgexport::cli
