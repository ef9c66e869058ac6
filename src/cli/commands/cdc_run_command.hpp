// `pgexport cdc run`: ships the changes the slot holds since the last batch (or since the base
// run of `cdc init`) as change files and commit log entries, then advances the slot.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class CdcRunCommand final : public Command {
 public:
  // Registers `run` under the `cdc` subcommand.
  explicit CdcRunCommand(CLI::App& cdc);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
