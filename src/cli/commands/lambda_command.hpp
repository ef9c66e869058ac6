// `pgexport lambda`: the entrypoint of a Lambda function running the container image. It
// takes invocations from the Lambda Runtime API one after another, runs each event as an
// export (the event's keys are export options) and answers with the committed run's summary,
// or with an error: an export that would not finish before the invocation's deadline is not
// started, or is stopped and withdrawn before the deadline, and never published.
#pragma once

#include "cli/command.hpp"

namespace pgexport::cli {

class LambdaCommand final : public Command {
 public:
  explicit LambdaCommand(CLI::App& app);

  // Also reports a bad configuration (PGEXPORT_*) to the Runtime API as an init error.
  int run() override;

 private:
  int execute() override;
};

}  // namespace pgexport::cli
