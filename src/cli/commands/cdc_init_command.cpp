#include "cli/commands/cdc_init_command.hpp"

#include "cdc/base_run.hpp"
#include "cdc/cdc_init.hpp"
#include "cdc/delta_change_tables.hpp"
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
  if (config.export_config.table_format == exporter::TableFormat::delta) {
    // Each table's change table exists (empty) from the start, so the warehouse can define it
    // before the first change arrives.
    const cdc::BaseRun base = cdc::find_base_run(*run.storage, config.slot);
    cdc::DeltaChangeTables(*run.storage, base).create_missing();
  }
  reporting.report_committed(summary, config.export_config, *run.storage);
  return 0;
}

}  // namespace pgexport::cli
