// `cleanup`: removes what no reader needs, in two steps. plan_cleanup() looks at the destination
// and decides (a pure list of actions, which --dry-run prints); execute_cleanup() carries the
// plan out. What it may remove, and only past the grace period (an export may still be
// writing):
//   - pending (multipart) uploads under runs/ or of latest.json;
//   - uncommitted runs: runs/<id>/ without runs/<id>/_manifest.json;
//   - objects inside a committed run that its manifest does not list (a lost concurrent
//     attempt's leftovers);
//   - change files under changes/ that no commit log entry lists (a killed or fenced `cdc run`
//     leaves them), once every file of their attempt is past the grace period, and pending
//     uploads of change files and log entries;
// and, by retention only, whole committed runs (manifest first, so the run stops existing for
// readers at once). The run latest.json names is never removed, nor the runs change data
// capture starts from (per slot, cdc run's base run and materialize's), no commit log entry and no
// change file a log entry lists is ever removed, and no key outside runs/, latest.json and
// pgexport's own keys under changes/ is ever touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "housekeeping/runs_catalog.hpp"
#include "storage/storage.hpp"

namespace pgexport::housekeeping {

struct CleanupPolicy {
  // Anything younger than this is left alone. Zero means no grace: times do not matter.
  std::chrono::seconds grace = std::chrono::hours(24);
  // Retention of committed runs; with neither, no committed run is removed. With both, a run
  // is kept if either keeps it.
  std::optional<int64_t> keep_last;  // the N newest
  std::optional<int64_t> keep_days;  // finished within the last N days
};

enum class CleanupActionKind {
  abort_pending_upload,
  remove_uncommitted_run,
  remove_unlisted_object,
  remove_orphan_change_file,
  remove_committed_run,
};

struct CleanupAction {
  CleanupActionKind kind = CleanupActionKind::abort_pending_upload;
  std::string run_id;   // empty outside runs/ (latest.json's upload, anything under changes/)
  std::string attempt;  // under changes/: the cdc run that wrote it (empty for a log entry's)
  // The upload's key, the run's prefix, or the object's key.
  std::string key;
  uint64_t objects = 0;           // objects the action removes
  uint64_t bytes = 0;             // their size
  storage::PendingUpload upload;  // abort_pending_upload only
  std::string reason;             // why, e.g. "not among the 2 newest (--keep-last 2)"
};

struct CleanupPlan {
  std::vector<CleanupAction> actions;  // in the order they are carried out
  // What was deliberately left alone and why (an invalid manifest, latest.json's run...).
  std::vector<std::string> notes;
  size_t committed_runs_kept = 0;
  // The commit log's length when planned: entries created since are read again before a
  // change file is removed, so a file one of them lists stays.
  uint64_t log_entries = 0;
};

// Decides what to do at time `now`. Reads only. Throws Error(verification_failed) when
// latest.json exists but cannot be read, since then the run it protects is unknown, and the
// commit log's storage_error when the log is damaged (a gap, a malformed entry), since then
// the change files it lists are unknown.
CleanupPlan plan_cleanup(storage::Storage& storage, const CleanupPolicy& policy, TimePoint now);

struct CleanupCounts {
  size_t uploads_aborted = 0;
  size_t uncommitted_runs_removed = 0;
  size_t unlisted_objects_removed = 0;
  size_t orphan_change_files_removed = 0;
  size_t committed_runs_removed = 0;
  size_t skipped = 0;  // found changed at execution time (e.g. committed meanwhile)
  uint64_t objects_removed = 0;
  uint64_t bytes_removed = 0;
};

// Counts what a plan would do, without doing it (for --dry-run).
CleanupCounts count_plan(const CleanupPlan& plan);

// Carries the plan out in order. `done` is called after each action with whether it was done
// (false: skipped, because the destination changed since planning); use it to log one line
// per action.
CleanupCounts execute_cleanup(storage::Storage& storage, const CleanupPlan& plan,
                              const std::function<void(const CleanupAction&, bool done)>& done);

// "abort pending upload", "remove uncommitted run", ...: what the action does, and in the past
// tense ("aborted pending upload") for what it did.
std::string action_verb(CleanupActionKind kind);
std::string action_done(CleanupActionKind kind);

}  // namespace pgexport::housekeeping
