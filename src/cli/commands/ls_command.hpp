// `pgexport ls`: the committed runs of a destination, newest first.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/options.hpp"

namespace pgexport::cli {

class LsCommand {
 public:
  explicit LsCommand(CLI::App& app);
  bool selected() const { return command_->parsed(); }
  // Prints the runs on stdout; returns the process exit code.
  int run();

 private:
  CLI::App* command_;
  Settings settings_;
};

}  // namespace pgexport::cli
