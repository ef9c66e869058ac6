// `pgexport cdc drop`: see docs/cdc.md.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class CdcDropCommand final : public Command {
 public:
  // Registers under the `cdc` parent command.
  explicit CdcDropCommand(CLI::App& cdc);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
