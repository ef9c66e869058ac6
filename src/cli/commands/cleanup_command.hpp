// `pgexport cleanup`: removes what no reader needs (see housekeeping/cleaner.hpp).
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class CleanupCommand final : public Command {
 public:
  explicit CleanupCommand(CLI::App& app);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
