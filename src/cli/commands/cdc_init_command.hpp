// `pgexport cdc init`: see docs/cdc.md.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class CdcInitCommand final : public Command {
 public:
  // Registers under the `cdc` parent command.
  explicit CdcInitCommand(CLI::App& cdc);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
