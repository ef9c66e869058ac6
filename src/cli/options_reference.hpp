// docs/configuration.md, rendered from the options table: every command's options with their
// environment variable, default and meaning. `pgexport options --markdown` prints it, and a
// test checks that the committed file is exactly what the table renders, so the page cannot
// drift from the code.
#pragma once

#include <string>
#include <vector>

#include "cli/options.hpp"

namespace pgexport::cli {

// One command as the reference shows it.
struct CommandReference {
  std::string path;  // "export", "cdc init"
  std::string description;
  const std::vector<OptionSpec>* options;
};

// The whole page: how options are given, the shared groups (each described once), then each
// command with the groups it takes and a table of its own options.
std::string render_options_markdown(const std::vector<CommandReference>& commands);

}  // namespace pgexport::cli
