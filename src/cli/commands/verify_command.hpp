// `pgexport verify`: re-reads a committed run and checks it against its manifest.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class VerifyCommand final : public Command {
 public:
  explicit VerifyCommand(CLI::App& app);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
