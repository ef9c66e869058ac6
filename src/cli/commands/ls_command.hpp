// `pgexport ls`: the committed runs of a destination, newest first.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class LsCommand final : public Command {
 public:
  explicit LsCommand(CLI::App& app);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
