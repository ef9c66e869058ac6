// `pgexport materialize`: the newest cdc run of --destination plus its logged changes become a
// new committed run in --output, holding each table as of an LSN, without the database.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class MaterializeCommand final : public Command {
 public:
  explicit MaterializeCommand(CLI::App& app);

 private:
  int execute() override;
};

}  // namespace pgexport::cli
