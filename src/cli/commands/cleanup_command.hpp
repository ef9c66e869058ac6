// `pgexport cleanup`: removes what no reader needs (see housekeeping/cleaner.hpp).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/options.hpp"

namespace pgexport::cli {

class CleanupCommand {
 public:
  explicit CleanupCommand(CLI::App& app);
  bool selected() const { return command_->parsed(); }
  // Logs one line per action and prints the counts; returns the process exit code.
  int run();

 private:
  CLI::App* command_;
  Settings settings_;
};

}  // namespace pgexport::cli
