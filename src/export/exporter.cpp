#include "export/exporter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <set>

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

// A task met a value that its column's typed form cannot hold: which table and column, and why.
class ColumnFallback : public Error {
 public:
  ColumnFallback(const format::UnrepresentableValue& cause, size_t table_index)
      : Error(ErrorKind::data_error, cause.what()),
        table_index(table_index),
        column_index(*cause.column()),
        reason(cause.reason()) {}
  size_t table_index;
  size_t column_index;
  std::string reason;
};

// Runs the `pending` tasks on a fresh pool of workers, each result into `task_results`. Throws
// ColumnFallback when a task met a value with no typed form (unless --strict-types), after the
// pool has stopped every other task.
void run_round(const ExportConfig& config, const format::Format& format, storage::Storage& storage,
               const std::vector<pg::CatalogTable>& tables, const std::vector<ExportTask>& tasks,
               const std::string& snapshot_id, const TaskOutput& output,
               pg::Connection& coordinator, const std::vector<size_t>& pending,
               std::vector<std::optional<TaskResult>>& task_results,
               std::vector<double>& job_busy_seconds) {
  WorkerPool* pool_view = nullptr;
  TaskRunner runner(
      format, storage, TaskOutput(output), [&pool_view] { return pool_view->stopping(); },
      config.progress);
  WorkerPool pool(
      config.jobs,
      // Every connection of a worker, the first and each renewed one, is set up here.
      [&](int id) {
        auto connection = pg::Connection::open(config.source, fmt::format("worker {}", id));
        pg::apply_export_session_settings(connection);
        pg::import_snapshot(connection, snapshot_id);
        return connection;
      },
      [&](pg::Connection& connection, size_t index) {
        const size_t task_index = pending[index];
        const auto& task = tasks[task_index];
        TaskResult result;
        try {
          result = runner.run(connection, tables[task.table_index], task);
        } catch (const format::UnrepresentableValue& error) {
          if (config.strict_types || !error.column()) throw;
          throw ColumnFallback(error, task.table_index);
        }
        if (config.progress) {
          config.progress->task_finished(task, result.rows, result.wire_bytes, result.stored_bytes,
                                         result.seconds);
        }
        task_results[task_index] = std::move(result);
      },
      config.renew_connection_above_bytes);
  pool_view = &pool;
  pool.run(
      pending.size(), [&] { check_coordinator(coordinator); }, config.coordinator_check_interval);
  const auto busy = pool.busy_seconds();
  job_busy_seconds.resize(std::max(job_busy_seconds.size(), busy.size()), 0.0);
  for (size_t i = 0; i < busy.size(); ++i) job_busy_seconds[i] += busy[i];
}

// Marks the column as text for the rest of the run, withdraws what its table has written, and
// returns the tasks to run next: every task of that table and every task that has not finished
// (the pool stopped those when the fallback was found). In the DMS layout (`dms_files` given)
// a file's number is taken when it opens, so a task stopped part-way would leave the files it
// committed, and its table's numbers a gap: every table with such a task is written again
// whole, from LOAD00000001.
std::vector<size_t> redo_after_fallback(const ExportConfig& config, storage::Storage& storage,
                                        std::vector<pg::CatalogTable>& tables,
                                        const std::vector<ExportTask>& tasks,
                                        const std::string& prefix, const ColumnFallback& fallback,
                                        DmsLoadFiles* dms_files,
                                        std::vector<std::optional<TaskResult>>& task_results) {
  pg::TableSchema& table = tables.at(fallback.table_index).schema;
  pg::Column& column = table.columns.at(fallback.column_index);
  if (!column.text_fallback.empty()) {
    // Text holds every value; a second refusal is a bug, and looping would never end.
    fail(ErrorKind::internal, "column {} of table {} was refused after falling back to text: {}",
         column.name, table.display_name(), fallback.what());
  }
  column.text_fallback = fallback.reason;
  log::warn(
      "a value has no exact typed form in this column, so the column is written as PostgreSQL "
      "text in every file of the table (--strict-types makes this an error)",
      {{"table", table.display_name()},
       {"column", column.name},
       {"pg_type", column.type.name},
       {"reason", fallback.reason}});
  std::set<size_t> redone_tables = {fallback.table_index};
  if (dms_files) {
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (!task_results[i]) redone_tables.insert(tasks[i].table_index);
    }
    for (size_t table_index : redone_tables) {
      const auto& names = tables.at(table_index).schema;
      const std::string folder = dms_table_folder(names.schema, names.name);
      for (const auto& key : dms_files->committed_keys_in(folder)) storage.remove(key);
      dms_files->restart_table(table_index, folder);
    }
  } else {
    storage.remove_prefix(prefix + table_directory(table.schema, table.name) + "/");
  }
  std::vector<size_t> pending;
  for (size_t i = 0; i < tasks.size(); ++i) {
    auto& result = task_results[i];
    if (result && redone_tables.count(tasks[i].table_index) > 0) {
      if (config.progress) {
        config.progress->task_redone(tasks[i], result->rows, result->wire_bytes,
                                     result->stored_bytes, result->seconds);
      }
      result.reset();
    }
    if (!result) pending.push_back(i);
  }
  return pending;
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
  if (config.layout == DataLayout::dms && !storage.supports_conditional_writes()) {
    // The one-load claim is what keeps two exports from writing the same fixed keys.
    fail(ErrorKind::destination_unwritable,
         "{} does not enforce conditional writes (If-None-Match), which --layout dms needs to "
         "keep two exports from writing the same files; use --layout runs there",
         storage.describe());
  }
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
  // Named members, not a structured binding: the worker lambdas below capture them, which
  // clang before 16 does not allow for bindings.
  pg::LockedSnapshot locked =
      pg::begin_locked_snapshot(coordinator, config.filter, config.lock_timeout, external_snapshot);
  const pg::SnapshotInfo& snapshot = locked.snapshot;
  std::vector<pg::CatalogTable>& tables = locked.tables;
  // Before anything is written: a pattern that matches nothing ends the export here.
  const auto excluded_columns =
      apply_personal_data(config.personal_data, tables, config.change_capture.has_value());
  const auto snapshot_time = std::chrono::system_clock::now();
  const std::string snapshot_at = format_utc_timestamp(snapshot_time);
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

  const bool dms = config.layout == DataLayout::dms;
  DmsLoadFiles dms_files(tables.size());
  // From here on objects exist: every failure until the manifest is created withdraws them,
  // except the files of Delta versions already committed (commit_delta_tables keeps those).
  std::vector<std::string> withdraw_prefixes = {prefix};
  const DeltaRun delta_run{config.run_id, attempt, snapshot_at};
  if (delta) {
    for (auto& directory : delta_attempt_directories(delta_run, tables)) {
      withdraw_prefixes.push_back(std::move(directory));
    }
  }
  // The DMS layout's files have fixed keys that DMS readers list, so they are withdrawn one by
  // one; the default layout's all live under this attempt's prefix (and Delta's under each
  // table's attempt directory).
  auto withdraw = [&] {
    if (dms) {
      CleanupWindow window(config.cleanup_timeout);
      withdraw_dms_load(storage, dms_files.committed_keys());
    } else {
      withdraw_attempt(storage, withdraw_prefixes, config.cleanup_timeout);
    }
  };
  if (dms) claim_dms_load(storage, config.run_id, attempt, format_utc_timestamp(started_wall));

  ResultCollector results(tables.size());
  std::vector<double> job_busy_seconds;
  try {
    TaskOutput output{
        config.run_id,         attempt,         config.codec,         config.compression_level,
        config.max_file_bytes, config.hash_key, config.encoder_memory};
    output.delta_layout = delta;
    if (dms) {
      output.layout = DataLayout::dms;
      output.dms_files = &dms_files;
      output.timestamp_column = config.dms_timestamp_column;
      output.timestamp_text = dms_timestamp_text(snapshot_time);
    }
    // One result per task, each written only by the worker that ran the task.
    std::vector<std::optional<TaskResult>> task_results(tasks.size());
    std::vector<size_t> pending(tasks.size());
    for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
    // Each round either finishes every pending task or turns one more column into text, so
    // there are at most as many rounds as columns, plus one.
    while (!pending.empty()) {
      try {
        run_round(config, format, storage, tables, tasks, snapshot.snapshot_id, output, coordinator,
                  pending, task_results, job_busy_seconds);
        pending.clear();
      } catch (const ColumnFallback& fallback) {
        pending = redo_after_fallback(config, storage, tables, tasks, prefix, fallback,
                                      dms ? &dms_files : nullptr, task_results);
      }
    }
    for (auto& result : task_results) results.add(std::move(*result));
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
      commit_delta_tables(storage, format, delta_run, tables, results.tables(), withdraw_prefixes);
    }
  } catch (...) {
    log::warn("export failed; removing the run's partial objects",
              {{"prefix", dms ? std::string(kDmsLoadClaimKey) : prefix}});
    withdraw();
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
                      {},
                      &excluded_columns,
                      config.personal_data.empty()
                          ? nlohmann::ordered_json()
                          : describe_personal_data(config.personal_data, config.hash_key)};
  if (dms) {
    input.layout = {{"name", "dms"}};
    if (config.dms_timestamp_column) {
      input.layout["timestamp_column"] = *config.dms_timestamp_column;
      input.layout["timestamp"] = dms_timestamp_text(snapshot_time);
    }
  }
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
    withdraw();
    throw;
  }
  if (outcome == ManifestOutcome::already_exists) {
    withdraw();
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
