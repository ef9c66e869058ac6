#include "cli/commands/verify_command.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/commands/command_setup.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "export/layout.hpp"
#include "housekeeping/verifier.hpp"

namespace pgexport::cli {

VerifyCommand::VerifyCommand(CLI::App& app)
    : Command(app, "verify",
              "Re-read every object of a committed run and check size, SHA-256 and rows",
              verify_options()) {}

int VerifyCommand::execute() {
  configure_logging(settings_);
  auto storage = open_destination(settings_);
  housekeeping::VerifyReport report;
  if (auto run_id = settings_.text("run-id")) {
    if (!exporter::is_valid_run_id(*run_id)) {
      fail(ErrorKind::usage,
           "--run-id '{}' is not a run id (letters, digits, '_', '-' and '.'; see pgexport ls)",
           *run_id);
    }
    report = housekeeping::verify_run(*storage, *run_id);
  } else {
    auto latest = housekeeping::run_named_by_latest(*storage);
    report = housekeeping::verify_run(*storage, latest.run_id, latest.manifest_key);
  }
  if (!report.passed()) {
    // One line per problem, then one error that ends the job.
    for (const auto& problem : report.problems) {
      log::error(problem.line(), {{"run_id", report.run_id}, {"object", problem.object}});
    }
    const auto& first = report.problems.front();
    if (report.problems.size() == 1) {
      fail(ErrorKind::verification_failed, "run {} does not match its manifest: {}", report.run_id,
           first.line());
    }
    fail(ErrorKind::verification_failed,
         "run {} does not match its manifest: {} problems (listed above), the first: {}",
         report.run_id, report.problems.size(), first.line());
  }
  std::fputs(fmt::format("Verified run {} in {}: {} objects, {} rows, {} match the manifest "
                         "(size, SHA-256, rows).\n",
                         report.run_id, storage->describe(), report.objects_checked, report.rows,
                         human_bytes(report.bytes))
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace pgexport::cli
