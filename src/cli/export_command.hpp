// `pgexport export`: a full, consistent export of the database to a directory or bucket.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/options.hpp"

namespace pgexport::cli {

// Registers the command and its options; the returned callback runs it after parsing and
// returns the process exit code.
class ExportCommand {
 public:
  explicit ExportCommand(CLI::App& app);
  bool selected() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_;
  Settings settings_;
};

}  // namespace pgexport::cli
