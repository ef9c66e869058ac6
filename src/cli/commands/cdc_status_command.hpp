// `pgexport cdc status`: see docs/cdc.md.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class CdcStatusCommand final : public Command {
 public:
  // Registers under the `cdc` parent command.
  explicit CdcStatusCommand(CLI::App& cdc);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
