#include "housekeeping/cleaner.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "cdc/commit_log.hpp"
#include "cdc/dms_change_files.hpp"
#include "cdc/layout.hpp"
#include "common/error.hpp"
#include "export/layout.hpp"

namespace pgexport::housekeeping {

namespace {

using std::chrono::seconds;

// "45s", "12m", "5h", "3d": the age in its largest whole unit, for reasons in log lines.
std::string format_age(std::chrono::system_clock::duration age) {
  int64_t total = std::chrono::duration_cast<seconds>(age).count();
  if (total < 0) return "0s";
  if (total >= 86400) return fmt::format("{}d", total / 86400);
  if (total >= 3600) return fmt::format("{}h", total / 3600);
  if (total >= 60) return fmt::format("{}m", total / 60);
  return fmt::format("{}s", total);
}

uint64_t total_bytes(const Run& run) {
  uint64_t bytes = 0;
  for (const auto& object : run.objects) bytes += object.size;
  return bytes;
}

// The runs change data capture starts from, by run id, each with its slot: per slot the
// newest by snapshot time then id (cdc run's base run) and the one with the newest consistent
// point, ties to the larger id (materialize's base). Usually one run is both.
std::map<std::string, std::string> change_capture_bases(const std::vector<const Run*>& runs) {
  struct Newest {
    const Run* by_snapshot = nullptr;
    const Run* by_point = nullptr;
    cdc::Lsn point;
  };
  std::map<std::string, Newest> newest;
  for (const Run* run : runs) {
    const Manifest& manifest = *run->manifest.manifest;
    if (!manifest.cdc_slot) continue;
    Newest& slot = newest[*manifest.cdc_slot];
    if (!slot.by_snapshot ||
        std::tie(manifest.snapshot_at, run->id) >
            std::tie(slot.by_snapshot->manifest.manifest->snapshot_at, slot.by_snapshot->id)) {
      slot.by_snapshot = run;
    }
    std::optional<cdc::Lsn> point;
    try {
      point = cdc::Lsn::parse(*manifest.cdc_consistent_point);
    } catch (const Error&) {
      continue;  // not a base materialize would take (it reports the manifest itself)
    }
    if (!slot.by_point || std::tie(*point, run->id) > std::tie(slot.point, slot.by_point->id)) {
      slot.by_point = run;
      slot.point = *point;
    }
  }
  std::map<std::string, std::string> bases;
  for (const auto& [slot, runs_of_slot] : newest) {
    bases[runs_of_slot.by_snapshot->id] = slot;
    if (runs_of_slot.by_point) bases[runs_of_slot.by_point->id] = slot;
  }
  return bases;
}

// Every change file key some log entry lists.
std::set<std::string> listed_change_files(const std::vector<cdc::LogEntry>& entries) {
  std::set<std::string> listed;
  for (const cdc::LogEntry& entry : entries) {
    for (const cdc::LoggedTable& table : entry.tables) {
      for (const cdc::LoggedFile& file : table.files) listed.insert(file.key);
    }
  }
  return listed;
}

// changes/: change files no log entry lists, and pending uploads of change files and log
// entries. A `cdc run` writes a batch's files over its batch interval and lists them only when
// the batch closes, so a file is an orphan only when nothing of its attempt (the process that
// wrote it) has changed within the grace period: then that process is gone.
// The DMS layout's change files go to fixed keys in the tables' folders; a cdc run killed
// while it uploaded one leaves an unfinished multipart upload there (never a visible object:
// the next run writes the file whole). Only destinations with change capture in that layout
// (dms_changes.json) are looked at, and only keys of DMS change files.
void plan_dms_change_uploads(storage::Storage& storage, TimePoint now,
                             const std::function<bool(TimePoint)>& past_grace,
                             std::vector<CleanupAction>& aborts) {
  if (!storage.stat(std::string(cdc::kDmsChangesProgressKey))) return;
  for (auto& upload : storage.list_pending_uploads("")) {
    if (!cdc::is_dms_change_file_key(upload.key) || !past_grace(upload.started)) continue;
    CleanupAction action;
    action.kind = CleanupActionKind::abort_pending_upload;
    action.key = upload.key;
    action.reason =
        fmt::format("a DMS change file's upload, started {} ago", format_age(now - upload.started));
    action.upload = std::move(upload);
    aborts.push_back(std::move(action));
  }
}

void plan_changes(storage::Storage& storage, TimePoint now,
                  const std::function<bool(TimePoint)>& past_grace, CleanupPlan& plan,
                  std::vector<CleanupAction>& aborts, std::vector<CleanupAction>& orphans) {
  const std::string prefix(cdc::kChangesPrefix);
  std::vector<storage::ObjectStat> objects = storage.list_detailed(prefix);
  std::vector<storage::PendingUpload> uploads = storage.list_pending_uploads(prefix);
  // A Delta base's change files live in the change tables under tables/ (cdc/layout.hpp). An
  // orphan there is in no Delta version either (versions add only logged files); everything
  // else under tables/ is a Delta table's and never a change file.
  const std::string tables(cdc::kDeltaTablesPrefix);
  for (auto& object : storage.list_detailed(tables)) {
    if (cdc::parse_change_file_key(object.key)) objects.push_back(std::move(object));
  }
  for (auto& upload : storage.list_pending_uploads(tables)) {
    if (cdc::parse_change_file_key(upload.key)) uploads.push_back(std::move(upload));
  }
  if (objects.empty() && uploads.empty()) return;

  const std::vector<cdc::LogEntry> entries = cdc::CommitLog(storage).entries_after(0);
  plan.log_entries = entries.size();
  const std::set<std::string> listed = listed_change_files(entries);

  // The newest change of each attempt, over its committed files and its pending uploads.
  std::map<std::string, TimePoint> newest_of_attempt;
  auto touch = [&](const std::string& attempt, TimePoint time) {
    auto [entry, inserted] = newest_of_attempt.emplace(attempt, time);
    if (!inserted && time > entry->second) entry->second = time;
  };
  for (const auto& object : objects) {
    if (auto name = cdc::parse_change_file_key(object.key)) touch(name->attempt, object.modified);
  }
  for (const auto& upload : uploads) {
    if (auto name = cdc::parse_change_file_key(upload.key)) touch(name->attempt, upload.started);
  }
  std::set<std::string> noted_attempts;
  auto attempt_is_done = [&](const std::string& attempt) {
    const TimePoint newest = newest_of_attempt.at(attempt);
    if (past_grace(newest)) return true;
    if (noted_attempts.insert(attempt).second) {
      plan.notes.push_back(fmt::format(
          "change files of attempt {} that no log entry lists changed {} ago (within --grace): "
          "a cdc run may be writing them",
          attempt, format_age(now - newest)));
    }
    return false;
  };

  size_t foreign = 0;
  for (const auto& upload : uploads) {
    auto name = cdc::parse_change_file_key(upload.key);
    const bool log_entry = cdc::sequence_of_log_key(upload.key).has_value();
    if (!name && !log_entry) {
      ++foreign;
      continue;
    }
    // A log entry is created in one request: an upload of one is never still being written
    // once it is past the grace period itself.
    if (name ? !attempt_is_done(name->attempt) : !past_grace(upload.started)) continue;
    CleanupAction action;
    action.kind = CleanupActionKind::abort_pending_upload;
    action.attempt = name ? name->attempt : "";
    action.key = upload.key;
    action.upload = upload;
    action.reason = fmt::format("started {} ago", format_age(now - upload.started));
    aborts.push_back(std::move(action));
  }
  for (const auto& object : objects) {
    if (cdc::sequence_of_log_key(object.key)) continue;  // the log itself: never touched
    auto name = cdc::parse_change_file_key(object.key);
    if (!name) {
      ++foreign;
      continue;
    }
    if (listed.count(object.key) || !attempt_is_done(name->attempt)) continue;
    CleanupAction action;
    action.kind = CleanupActionKind::remove_orphan_change_file;
    action.attempt = name->attempt;
    action.key = object.key;
    action.objects = 1;
    action.bytes = object.size;
    action.reason = fmt::format(
        "no commit log entry lists it (batch {}{}); its attempt last wrote {} ago", name->sequence,
        name->sequence <= entries.size() ? ", whose entry another attempt wrote" : ", never logged",
        format_age(now - newest_of_attempt.at(name->attempt)));
    orphans.push_back(std::move(action));
  }
  if (foreign > 0) {
    plan.notes.push_back(fmt::format(
        "{} objects or uploads under {} are neither change files nor log entries: left alone",
        foreign, prefix));
  }
}

}  // namespace

std::string action_verb(CleanupActionKind kind) {
  switch (kind) {
    case CleanupActionKind::abort_pending_upload:
      return "abort pending upload";
    case CleanupActionKind::remove_uncommitted_run:
      return "remove uncommitted run";
    case CleanupActionKind::remove_unlisted_object:
      return "remove object the manifest does not list";
    case CleanupActionKind::remove_orphan_change_file:
      return "remove change file no log entry lists";
    case CleanupActionKind::remove_committed_run:
      return "remove committed run";
  }
  return "?";
}

std::string action_done(CleanupActionKind kind) {
  switch (kind) {
    case CleanupActionKind::abort_pending_upload:
      return "aborted pending upload";
    case CleanupActionKind::remove_uncommitted_run:
      return "removed uncommitted run";
    case CleanupActionKind::remove_unlisted_object:
      return "removed object the manifest does not list";
    case CleanupActionKind::remove_orphan_change_file:
      return "removed change file no log entry lists";
    case CleanupActionKind::remove_committed_run:
      return "removed committed run";
  }
  return "?";
}

CleanupPlan plan_cleanup(storage::Storage& storage, const CleanupPolicy& policy, TimePoint now) {
  DestinationState state = scan_destination(storage);
  if (state.latest.present && !state.latest.pointer) {
    fail(ErrorKind::verification_failed,
         "{}/{}: {}; cleanup changes nothing while it cannot tell which run latest.json "
         "protects (restore latest.json, e.g. from the newest run's manifest)",
         storage.describe(), exporter::kLatestKey, state.latest.problem);
  }
  std::optional<std::string> latest_run;
  if (state.latest.pointer) latest_run = state.latest.pointer->run_id;
  auto past_grace = [&](TimePoint time) {
    return policy.grace.count() == 0 || now - time >= policy.grace;
  };

  CleanupPlan plan;
  std::vector<CleanupAction> aborts, uncommitted, unlisted, orphans, committed;

  // Pending uploads under runs/ and of latest.json itself (those under changes/ below).
  auto uploads = storage.list_pending_uploads(std::string(kRunsPrefix));
  for (auto& upload : storage.list_pending_uploads(std::string(exporter::kLatestKey))) {
    if (upload.key == exporter::kLatestKey) uploads.push_back(std::move(upload));
  }
  // An upload still being written keeps its run alive, even if its objects are old.
  std::map<std::string, TimePoint> newest_upload_of_run;
  for (const auto& upload : uploads) {
    if (!upload.key.starts_with(kRunsPrefix) && upload.key != exporter::kLatestKey) continue;
    auto run_id = run_id_of_key(upload.key);
    if (run_id) {
      auto [entry, inserted] = newest_upload_of_run.emplace(*run_id, upload.started);
      if (!inserted && upload.started > entry->second) entry->second = upload.started;
    }
    if (!past_grace(upload.started)) continue;
    CleanupAction action;
    action.kind = CleanupActionKind::abort_pending_upload;
    action.run_id = run_id.value_or("");
    action.key = upload.key;
    action.upload = upload;
    action.reason = fmt::format("started {} ago", format_age(now - upload.started));
    aborts.push_back(std::move(action));
  }

  // Uncommitted runs, and committed runs whose manifest cannot be read.
  for (const auto& run : state.runs) {
    if (run.committed) {
      if (!run.manifest.manifest) {
        plan.notes.push_back(fmt::format(
            "{} is not a valid manifest ({}): run {} is left alone; `pgexport verify --run-id {}` "
            "reports it",
            exporter::manifest_key(run.id), run.manifest.problem, run.id, run.id));
      }
      continue;
    }
    if (latest_run == run.id) {
      plan.notes.push_back(
          fmt::format("run {} has no manifest but latest.json names it: left alone", run.id));
      continue;
    }
    TimePoint newest = run.newest_object;
    if (auto upload = newest_upload_of_run.find(run.id); upload != newest_upload_of_run.end()) {
      newest = std::max(newest, upload->second);
    }
    if (!past_grace(newest)) {
      plan.notes.push_back(fmt::format(
          "run {} has no manifest yet, but changed {} ago (within --grace): an export may be "
          "writing it",
          run.id, format_age(now - newest)));
      continue;
    }
    CleanupAction action;
    action.kind = CleanupActionKind::remove_uncommitted_run;
    action.run_id = run.id;
    action.key = exporter::run_prefix(run.id);
    action.objects = run.objects.size();
    action.bytes = total_bytes(run);
    action.reason =
        fmt::format("no manifest; its newest object is {} old", format_age(now - newest));
    uncommitted.push_back(std::move(action));
  }

  // Retention over the committed runs with valid manifests, newest first.
  auto runs = committed_runs_newest_first(state);
  bool retention = policy.keep_last || policy.keep_days;
  const std::map<std::string, std::string> slot_bases = change_capture_bases(runs);
  std::set<std::string> removed_runs;
  for (size_t index = 0; index < runs.size(); ++index) {
    const Run& run = *runs[index];
    const Manifest& manifest = *run.manifest.manifest;
    bool keep = !retention || latest_run == run.id;
    if (policy.keep_last && index < static_cast<uint64_t>(*policy.keep_last)) keep = true;
    bool recent =
        policy.keep_days && now - manifest.finished < std::chrono::hours(24) * *policy.keep_days;
    if (recent) keep = true;
    if (!keep && slot_bases.count(run.id)) {
      keep = true;
      plan.notes.push_back(fmt::format(
          "run {} is kept although retention would remove it: it is where `cdc run` and "
          "`materialize` of slot {} start from",
          run.id, slot_bases.at(run.id)));
    }
    if (keep) {
      ++plan.committed_runs_kept;
      continue;
    }
    std::vector<std::string> reasons;
    if (policy.keep_last) {
      reasons.push_back(fmt::format("not among the {} newest (--keep-last {})", *policy.keep_last,
                                    *policy.keep_last));
    }
    if (policy.keep_days) {
      reasons.push_back(fmt::format("finished {} ago (--keep-days {})",
                                    format_age(now - manifest.finished), *policy.keep_days));
    }
    CleanupAction action;
    action.kind = CleanupActionKind::remove_committed_run;
    action.run_id = run.id;
    action.key = exporter::run_prefix(run.id);
    action.objects = run.objects.size();
    action.bytes = total_bytes(run);
    action.reason = fmt::format("{}", fmt::join(reasons, ", "));
    committed.push_back(std::move(action));
    removed_runs.insert(run.id);
  }
  if (latest_run && !removed_runs.count(*latest_run) && retention) {
    // Said once, so that a user wondering why an old run stays has the answer.
    bool latest_is_old = false;
    for (size_t index = 0; index < runs.size(); ++index) {
      if (runs[index]->id != *latest_run) continue;
      bool by_last = policy.keep_last && index < static_cast<uint64_t>(*policy.keep_last);
      bool by_days = policy.keep_days && now - runs[index]->manifest.manifest->finished <
                                             std::chrono::hours(24) * *policy.keep_days;
      latest_is_old = !by_last && !by_days;
    }
    if (latest_is_old) {
      plan.notes.push_back(fmt::format(
          "run {} is kept although retention would remove it: latest.json names it", *latest_run));
    }
  }

  // Objects in committed runs that their manifests do not list (runs not being removed).
  for (const Run* run : runs) {
    if (removed_runs.count(run->id)) continue;
    std::set<std::string> listed = {exporter::manifest_key(run->id)};
    for (const auto& table : run->manifest.manifest->tables) {
      for (const auto& file : table.files) listed.insert(file.key);
    }
    for (const auto& object : run->objects) {
      if (listed.count(object.key) || !past_grace(object.modified)) continue;
      CleanupAction action;
      action.kind = CleanupActionKind::remove_unlisted_object;
      action.run_id = run->id;
      action.key = object.key;
      action.objects = 1;
      action.bytes = object.size;
      action.reason = fmt::format("not in the manifest of committed run {}; {} old", run->id,
                                  format_age(now - object.modified));
      unlisted.push_back(std::move(action));
    }
  }

  plan_changes(storage, now, past_grace, plan, aborts, orphans);
  plan_dms_change_uploads(storage, now, past_grace, aborts);

  for (auto* group : {&aborts, &uncommitted, &unlisted, &orphans, &committed}) {
    for (auto& action : *group) plan.actions.push_back(std::move(action));
  }
  return plan;
}

namespace {
void count(CleanupCounts& counts, const CleanupAction& action) {
  switch (action.kind) {
    case CleanupActionKind::abort_pending_upload:
      ++counts.uploads_aborted;
      return;
    case CleanupActionKind::remove_uncommitted_run:
      ++counts.uncommitted_runs_removed;
      break;
    case CleanupActionKind::remove_unlisted_object:
      ++counts.unlisted_objects_removed;
      break;
    case CleanupActionKind::remove_orphan_change_file:
      ++counts.orphan_change_files_removed;
      break;
    case CleanupActionKind::remove_committed_run:
      ++counts.committed_runs_removed;
      break;
  }
  counts.objects_removed += action.objects;
  counts.bytes_removed += action.bytes;
}
}  // namespace

CleanupCounts count_plan(const CleanupPlan& plan) {
  CleanupCounts counts;
  for (const auto& action : plan.actions) count(counts, action);
  return counts;
}

CleanupCounts execute_cleanup(storage::Storage& storage, const CleanupPlan& plan,
                              const std::function<void(const CleanupAction&, bool done)>& done) {
  CleanupCounts counts;
  // Change files listed by log entries created since planning, read once, when needed.
  std::optional<std::set<std::string>> listed_since;
  for (const auto& action : plan.actions) {
    bool still_applies = true;
    switch (action.kind) {
      case CleanupActionKind::abort_pending_upload:
        storage.abort_pending_upload(action.upload);
        break;
      case CleanupActionKind::remove_uncommitted_run:
        // An export may have committed the run since it was planned: then it stays.
        if (storage.stat(exporter::manifest_key(action.run_id))) {
          still_applies = false;
          break;
        }
        storage.remove_prefix(action.key);
        break;
      case CleanupActionKind::remove_unlisted_object:
        storage.remove(action.key);
        break;
      case CleanupActionKind::remove_orphan_change_file:
        // A batch may have been logged since planning (by a writer the grace period did not
        // see): a file its entry lists stays.
        if (!listed_since) {
          listed_since =
              listed_change_files(cdc::CommitLog(storage).entries_after(plan.log_entries));
        }
        if (listed_since->count(action.key)) {
          still_applies = false;
          break;
        }
        storage.remove(action.key);
        break;
      case CleanupActionKind::remove_committed_run: {
        // latest.json may have moved to this run since planning; it must never lose its run.
        auto latest = read_latest(storage);
        if (latest.present && (!latest.pointer || latest.pointer->run_id == action.run_id)) {
          still_applies = false;
          break;
        }
        // The manifest first: from that moment the run does not exist for readers, so a
        // failure while removing the data leaves only an uncommitted prefix behind.
        storage.remove(exporter::manifest_key(action.run_id));
        storage.remove_prefix(action.key);
        break;
      }
    }
    if (still_applies) {
      count(counts, action);
    } else {
      ++counts.skipped;
    }
    done(action, still_applies);
  }
  return counts;
}

}  // namespace pgexport::housekeeping
