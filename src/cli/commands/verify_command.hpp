// `pgexport verify`: re-reads a committed run and checks it against its manifest.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/options.hpp"

namespace pgexport::cli {

class VerifyCommand {
 public:
  explicit VerifyCommand(CLI::App& app);
  bool selected() const { return command_->parsed(); }
  // Returns 0 when every object matches; throws Error(verification_failed) otherwise.
  int run();

 private:
  CLI::App* command_;
  Settings settings_;
};

}  // namespace pgexport::cli
