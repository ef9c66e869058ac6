// `pgexport export`: a full, consistent export of the database to a directory or bucket.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class ExportCommand final : public Command {
 public:
  explicit ExportCommand(CLI::App& app);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
