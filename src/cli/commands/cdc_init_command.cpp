#include "cli/commands/cdc_init_command.hpp"

#include "cdc/cdc_init.hpp"
#include "cli/commands/command_setup.hpp"
#include "cli/destination.hpp"
#include "cli/export_reporting.hpp"
#include "cli/export_settings.hpp"
#include "common/error.hpp"

namespace pgexport::cli {

CdcInitCommand::CdcInitCommand(CLI::App& cdc)
    : Command(cdc, "init",
              "Create the publication and the replication slot, and run the full export in the "
              "slot's snapshot: the base that the change stream continues",
              cdc_init_options()) {}

int CdcInitCommand::execute() {
  configure_logging(settings_);
  if (settings_.text("spool")) {
    fail(ErrorKind::usage,
         "--spool does not apply to cdc init: the slot's snapshot lives only while cdc init "
         "runs, so its export cannot be resumed later");
  }
  if (settings_.required_text("table-format") != "none") {
    fail(ErrorKind::usage,
         "--table-format delta does not apply to cdc init yet: change capture writes plain runs "
         "and change files; export Delta tables with `pgexport export`");
  }
  auto run = prepare_export(settings_);
  const bool dms = run.config.layout == exporter::DataLayout::dms;
  cdc::InitConfig config;
  config.export_config = run.config;
  config.slot = settings_.required_text("slot");
  config.publication = settings_.required_text("publication");
  config.replica_identity_full = settings_.flag("replica-identity-full");
  config.dms_layout = dms;
  ExportReporting reporting(settings_, "cdc init", config.export_config.run_id);
  config.export_config.progress = reporting.progress();
  auto summary = cdc::run_init(config, *run.format, *run.storage);
  reporting.report_committed(summary, config.export_config, *run.storage);
  return 0;
}

}  // namespace pgexport::cli
