#include "cli/commands/export_command.hpp"

#include "cli/commands/command_setup.hpp"
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
  auto summary = spool ? exporter::run_spooled_export(run.config, *run.format, *spool, *run.storage)
                       : exporter::run_export(run.config, *run.format, *run.storage);

  report_committed_export(summary, run.config, *run.storage);
  return 0;
}

}  // namespace pgexport::cli
