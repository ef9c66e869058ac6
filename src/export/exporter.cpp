#include "export/exporter.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "export/commit.hpp"
#include "export/delta_tables.hpp"
#include "export/layout.hpp"
#include "export/manifest.hpp"
#include "export/plan.hpp"
#include "export/task_runner.hpp"
#include "export/worker_pool.hpp"
#include "pg/locked_snapshot.hpp"
#include "pg/server_version.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::exporter {

namespace {

using Clock = std::chrono::steady_clock;

// The coordinator holds the exported snapshot's transaction and every table lock. If its
// session dies (an idle-session killer, a proxy or NAT timeout, a terminated backend) the
// locks are gone, so DDL could change tables not yet read: the export must stop.
void check_coordinator(pg::Connection& coordinator) {
  try {
    coordinator.exec("SELECT 1");
  } catch (const Error& error) {
    fail(ErrorKind::database_error,
         "the coordinator connection, which holds the snapshot and the table locks, was lost "
         "({}); the export stops and publishes nothing: run it again",
         error.what());
  }
}

// Removes what this attempt wrote, within the cleanup deadline; never throws, since the
// error that brought us here is the one to report. What is left has no manifest, so readers
// ignore it, and `pgexport cleanup` removes it later.
void withdraw_attempt(storage::Storage& storage, const std::vector<std::string>& prefixes,
                      std::chrono::seconds budget) {
  CleanupWindow window(budget);
  for (const auto& prefix : prefixes) {
    try {
      storage.remove_prefix(prefix);
    } catch (const std::exception& error) {
      log::warn(
          "cleanup incomplete; no manifest or Delta version lists what is left, so readers "
          "ignore it",
          {{"prefix", prefix}, {"error", error.what()}});
    }
  }
}

}  // namespace

void check_run_is_new(storage::Storage& storage, const std::string& run_id) {
  if (storage.stat(manifest_key(run_id))) {
    fail(ErrorKind::run_exists,
         "{} already holds run '{}' (choose another --run-id, or remove that run first)",
         storage.describe(), run_id);
  }
}

bool publish_latest_pointer(storage::Storage& storage, const std::string& run_id,
                            const std::string& snapshot_at, const std::string& finished_at) {
  try {
    auto outcome = move_latest_pointer(
        storage, LatestPointer{run_id, manifest_key(run_id), snapshot_at, finished_at});
    if (outcome == PointerOutcome::newer_exists) {
      log::info("latest.json names a run with a newer snapshot and stays", {{"run_id", run_id}});
      return false;
    }
    return true;
  } catch (const std::exception& error) {
    log::warn("the run is committed, but latest.json could not be moved to it",
              {{"run_id", run_id}, {"error", error.what()}});
    return false;
  }
}

ExportSummary run_export(const ExportConfig& config, const format::Format& format,
                         storage::Storage& storage) {
  const auto started_wall = std::chrono::system_clock::now();
  const auto started = Clock::now();
  if (!is_valid_run_id(config.run_id)) {
    fail(ErrorKind::usage,
         "run id '{}' is not valid: use letters, digits, '.', '_' and '-' (at most 128)",
         config.run_id);
  }
  storage.check_writable();
  check_run_is_new(storage, config.run_id);
  const std::string attempt = new_attempt_token();
  const std::string prefix = attempt_prefix(config.run_id, attempt);
  const bool delta = config.table_format == TableFormat::delta;

  auto coordinator = pg::Connection::open(config.source, "coordinator");
  pg::apply_export_session_settings(coordinator);
  std::optional<SlotSnapshot> slot_snapshot;
  pg::ExternalSnapshot external_snapshot;
  if (config.change_capture) {
    external_snapshot = [&] {
      slot_snapshot = config.change_capture->create_slot();
      return slot_snapshot->snapshot_name;
    };
  }
  auto [snapshot, tables] =
      pg::begin_locked_snapshot(coordinator, config.filter, config.lock_timeout, external_snapshot);
  const std::string snapshot_at = format_utc_timestamp(std::chrono::system_clock::now());
  auto tasks = plan_tasks(tables, config.chunk_bytes, config.jobs,
                          pg::supports_tid_range_scans(snapshot.server_version_num));
  if (config.before_writing) config.before_writing(tables, tasks);
  log::info("export started", {{"run_id", config.run_id},
                               {"attempt", attempt},
                               {"destination", storage.describe()},
                               log::field("tables", tables.size()),
                               log::field("tasks", tasks.size()),
                               log::field("jobs", config.jobs),
                               {"snapshot", snapshot.snapshot_id},
                               {"wal_lsn", snapshot.wal_lsn.value_or("")}});
  for (const auto& table : tables) log::debug("selected", {{"table", table.schema.display_name()}});
  if (config.progress) config.progress->start(tables, tasks);

  // From here on objects exist: every failure until the manifest is created withdraws them,
  // except the files of Delta versions already committed (commit_delta_tables keeps those).
  std::vector<std::string> withdraw = {prefix};
  const DeltaRun delta_run{config.run_id, attempt, snapshot_at};
  if (delta) {
    for (auto& directory : delta_attempt_directories(delta_run, tables)) {
      withdraw.push_back(std::move(directory));
    }
  }
  ResultCollector results(tables.size());
  std::vector<double> job_busy_seconds;
  try {
    WorkerPool* pool_view = nullptr;
    TaskRunner runner(
        format, storage,
        TaskOutput{config.run_id, attempt, config.codec, config.compression_level,
                   config.max_file_bytes, delta},
        [&pool_view] { return pool_view->stopping(); }, config.progress);
    WorkerPool pool(
        config.jobs,
        [&](int id) {
          auto connection = pg::Connection::open(config.source, fmt::format("worker {}", id));
          pg::apply_export_session_settings(connection);
          pg::import_snapshot(connection, snapshot.snapshot_id);
          return connection;
        },
        [&](pg::Connection& connection, size_t index) {
          const auto& task = tasks[index];
          auto result = runner.run(connection, tables[task.table_index], task);
          if (config.progress) {
            config.progress->task_finished(task, result.rows, result.wire_bytes,
                                           result.stored_bytes, result.seconds);
          }
          results.add(std::move(result));
        });
    pool_view = &pool;
    pool.run(
        tasks.size(), [&] { check_coordinator(coordinator); }, config.coordinator_check_interval);
    job_busy_seconds = pool.busy_seconds();
    // A successful COMMIT proves the coordinator's session, and so its locks, lasted to the end.
    try {
      coordinator.exec("COMMIT");
    } catch (const Error& error) {
      fail(ErrorKind::database_error,
           "the coordinator's transaction could not be committed ({}), so the table locks may "
           "not have lasted the whole export; nothing is published: run it again",
           error.what());
    }
    // Every file is written and the snapshot held: each table's Delta version, then the manifest.
    if (delta) {
      commit_delta_tables(storage, format, delta_run, tables, results.tables(), withdraw);
    }
  } catch (...) {
    log::warn("export failed; removing the run's partial objects", {{"prefix", prefix}});
    withdraw_attempt(storage, withdraw, config.cleanup_timeout);
    throw;
  }

  const std::string finished_at = format_utc_timestamp(std::chrono::system_clock::now());
  ManifestInput input{config.run_id,
                      attempt,
                      format_utc_timestamp(started_wall),
                      snapshot_at,
                      finished_at,
                      config.format_name,
                      config.compression_name,
                      snapshot,
                      &tables,
                      &results.tables(),
                      &format,
                      {}};
  if (config.change_capture) {
    input.change_capture = {{"slot", config.change_capture->slot},
                            {"publication", config.change_capture->publication},
                            {"consistent_point", slot_snapshot->consistent_point}};
  }
  const std::string manifest = build_manifest(input).dump(2) + "\n";
  // The commit point: before the manifest exists, the run does not exist for readers.
  ManifestOutcome outcome;
  try {
    outcome = create_manifest(storage, config.run_id, manifest);
  } catch (const CommitUncertain&) {
    throw;  // the run may be committed: its data must stay
  } catch (...) {
    withdraw_attempt(storage, withdraw, config.cleanup_timeout);
    throw;
  }
  if (outcome == ManifestOutcome::already_exists) {
    withdraw_attempt(storage, withdraw, config.cleanup_timeout);
    fail(ErrorKind::run_exists,
         "another export committed run '{}' in {} first; this attempt's objects were removed",
         config.run_id, storage.describe());
  }

  ExportSummary summary;
  summary.run_id = config.run_id;
  summary.attempt = attempt;
  summary.manifest_key = manifest_key(config.run_id);
  if (config.move_latest_pointer) {
    summary.latest_moved = publish_latest_pointer(storage, config.run_id, snapshot_at, finished_at);
  }
  summary.tables = tables.size();
  for (const auto& result : results.tables()) {
    summary.rows += result.rows;
    summary.files += result.files.size();
    for (const auto& file : result.files) summary.stored_bytes += file.object.size;
  }
  summary.wire_bytes = results.wire_bytes();
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.job_busy_seconds = std::move(job_busy_seconds);
  summary.snapshot = snapshot.snapshot_id;
  return summary;
}

}  // namespace pgexport::exporter
