// A subcommand of pgexport: it registers itself and its options (declared once in
// options.cpp) on construction; main() runs the one the command line selected.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/commands/command_setup.hpp"
#include "cli/options.hpp"

namespace pgexport::cli {

class Command {
 public:
  virtual ~Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  bool selected() const { return command_->parsed(); }
  // Checks the options, then runs the command; returns the process exit code. Logging is
  // configured first, so that a bad option is reported in the chosen log format. A command
  // that must report a bad configuration somewhere besides stderr (lambda) wraps it.
  virtual int run() {
    if (settings_.values.contains("log-format")) configure_logging(settings_);
    validate_options(options_, settings_);
    return execute();
  }

  // What the options reference (`pgexport options --markdown`) shows of the command.
  std::string path() const {
    const CLI::App* parent = command_->get_parent();
    const bool nested = parent != nullptr && parent->get_parent() != nullptr;
    return nested ? parent->get_name() + " " + command_->get_name() : command_->get_name();
  }
  std::string description() const { return command_->get_description(); }
  const std::vector<OptionSpec>& options() const { return options_; }
  bool hidden() const { return command_->get_group().empty(); }

 protected:
  Command(CLI::App& app, const std::string& name, const std::string& description,
          const std::vector<OptionSpec>& options)
      : command_(app.add_subcommand(name, description)), options_(options) {
    bind_options(*command_, options_, settings_);
  }
  // The command itself, with validated settings.
  virtual int execute() = 0;

  CLI::App* command_;
  const std::vector<OptionSpec>& options_;
  Settings settings_;
};

}  // namespace pgexport::cli
