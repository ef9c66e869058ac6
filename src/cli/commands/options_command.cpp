#include "cli/commands/options_command.hpp"

#include <cstdio>

#include "cli/options_reference.hpp"
#include "common/error.hpp"

namespace pgexport::cli {

OptionsCommand::OptionsCommand(CLI::App& app, const std::vector<std::unique_ptr<Command>>& commands)
    : Command(app, "options", "Print the reference of every command's options",
              options_reference_options()),
      commands_(commands) {
  command_->group("");  // hidden: a tool for the docs, not for operators
}

int OptionsCommand::execute() {
  if (!settings_.flag("markdown")) {
    fail(ErrorKind::usage, "give --markdown: the reference is printed as Markdown only");
  }
  std::vector<CommandReference> references;
  for (const auto& command : commands_) {
    if (command->hidden()) continue;
    references.push_back({command->path(), command->description(), &command->options()});
  }
  std::fputs(render_options_markdown(references).c_str(), stdout);
  return 0;
}

}  // namespace pgexport::cli
