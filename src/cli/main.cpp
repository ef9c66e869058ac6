// pgexport: exports a PostgreSQL database to files or S3, consistently, and keeps the
// destination tidy (ls, verify, cleanup).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include "cli/commands/cdc_drop_command.hpp"
#include "cli/commands/cdc_init_command.hpp"
#include "cli/commands/cdc_run_command.hpp"
#include "cli/commands/cdc_status_command.hpp"
#include "cli/commands/cleanup_command.hpp"
#include "cli/commands/export_command.hpp"
#include "cli/commands/lambda_command.hpp"
#include "cli/commands/ls_command.hpp"
#include "cli/commands/materialize_command.hpp"
#include "cli/commands/options_command.hpp"
#include "cli/commands/verify_command.hpp"
#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
  using namespace pgexport;
  CLI::App app{"pgexport: consistent exports of a PostgreSQL database to a directory or S3",
               "pgexport"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pgexport ") + PGEXPORT_VERSION);
  app.set_config("--config", "", "read options from a TOML or INI file (keys are option names)");
  std::vector<std::unique_ptr<cli::Command>> commands;
  commands.push_back(std::make_unique<cli::ExportCommand>(app));
  commands.push_back(std::make_unique<cli::LsCommand>(app));
  commands.push_back(std::make_unique<cli::VerifyCommand>(app));
  commands.push_back(std::make_unique<cli::CleanupCommand>(app));
  CLI::App* cdc =
      app.add_subcommand("cdc", "Change data capture: ship what changed since the last run");
  cdc->require_subcommand(1);
  commands.push_back(std::make_unique<cli::CdcInitCommand>(*cdc));
  commands.push_back(std::make_unique<cli::CdcRunCommand>(*cdc));
  commands.push_back(std::make_unique<cli::CdcStatusCommand>(*cdc));
  commands.push_back(std::make_unique<cli::CdcDropCommand>(*cdc));
  commands.push_back(std::make_unique<cli::MaterializeCommand>(app));
  commands.push_back(std::make_unique<cli::LambdaCommand>(app));
  commands.push_back(std::make_unique<cli::OptionsCommand>(app, commands));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    // One line: what is wrong, and where to look.
    std::fprintf(stderr, "pgexport: %s (see pgexport --help)\n", error.what());
    return error_kind_info(ErrorKind::usage).exit_code;
  }

  install_stop_signal_handlers();
  try {
    for (auto& command : commands) {
      if (command->selected()) return command->run();
    }
    return error_kind_info(ErrorKind::usage).exit_code;
  } catch (const Error& error) {
    log::error(error.what(), {{"error", std::string(error_kind_info(error.kind()).name)}});
    return error.exit_code();
  } catch (const std::exception& error) {
    log::error(std::string("internal error: ") + error.what(), {{"error", "internal"}});
    return error_kind_info(ErrorKind::internal).exit_code;
  }
}
