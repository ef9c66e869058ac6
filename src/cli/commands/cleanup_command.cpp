#include "cli/commands/cleanup_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cdc/layout.hpp"
#include "cli/commands/command_setup.hpp"
#include "common/log.hpp"
#include "housekeeping/cleaner.hpp"

namespace pgexport::cli {

namespace {

void log_action(const housekeeping::CleanupAction& action, const std::string& message) {
  // A change file (under changes/ or in a Delta change table) belongs to the cdc run (attempt)
  // that wrote it, not to a run.
  const bool change_capture = action.key.starts_with(cdc::kChangesPrefix) ||
                              cdc::parse_change_file_key(action.key).has_value();
  log::info(message, {{"key", action.key},
                      {change_capture ? "attempt" : "run_id",
                       change_capture ? action.attempt : action.run_id},
                      log::field("objects", action.objects),
                      log::field("bytes", action.bytes),
                      {"reason", action.reason}});
}

std::string describe_counts(const housekeeping::CleanupCounts& counts) {
  return fmt::format(
      "{} pending uploads aborted, {} uncommitted runs, {} objects no manifest lists, {} "
      "change files no log entry lists and {} committed runs removed ({} objects, {})",
      counts.uploads_aborted, counts.uncommitted_runs_removed, counts.unlisted_objects_removed,
      counts.orphan_change_files_removed, counts.committed_runs_removed, counts.objects_removed,
      human_bytes(counts.bytes_removed));
}

}  // namespace

CleanupCommand::CleanupCommand(CLI::App& app)
    : Command(app, "cleanup",
              "Abort stale uploads, remove uncommitted runs, leftovers and change files no log "
              "entry lists, apply retention to runs",
              cleanup_options()) {}

int CleanupCommand::execute() {
  configure_logging(settings_);
  housekeeping::CleanupPolicy policy;
  policy.grace = settings_.duration("grace");
  if (settings_.text("keep-last")) policy.keep_last = settings_.integer("keep-last");
  if (settings_.text("keep-days")) policy.keep_days = settings_.integer("keep-days");
  bool dry_run = settings_.flag("dry-run");
  auto storage = open_destination(settings_);

  auto plan = housekeeping::plan_cleanup(*storage, policy, std::chrono::system_clock::now());
  for (const auto& note : plan.notes) log::info(note);
  std::string summary;
  if (dry_run) {
    for (const auto& action : plan.actions)
      log_action(action, "would " + housekeeping::action_verb(action.kind));
    summary = fmt::format(
        "Dry run of cleanup in {}: would have {}; {} committed runs kept. "
        "Nothing was changed.\n",
        storage->describe(), describe_counts(housekeeping::count_plan(plan)),
        plan.committed_runs_kept);
  } else {
    auto counts = housekeeping::execute_cleanup(
        *storage, plan, [](const housekeeping::CleanupAction& action, bool done) {
          log_action(action, done ? housekeeping::action_done(action.kind)
                                  : "changed since planning, left alone: " +
                                        housekeeping::action_verb(action.kind));
        });
    summary =
        fmt::format("Cleanup of {}: {}; {} committed runs kept{}.\n", storage->describe(),
                    describe_counts(counts), plan.committed_runs_kept,
                    counts.skipped > 0 ? fmt::format(", {} actions skipped", counts.skipped) : "");
  }
  std::fputs(summary.c_str(), stdout);
  return 0;
}

}  // namespace pgexport::cli
