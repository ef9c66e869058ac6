#include "export/exporter.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "export/layout.hpp"
#include "export/manifest.hpp"
#include "export/plan.hpp"
#include "pg/copy_stream.hpp"
#include "pg/locked_snapshot.hpp"
#include "pg/server_version.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::exporter {

namespace {

using Clock = std::chrono::steady_clock;

std::string_view wire_format_name(format::WireFormat wire) {
  switch (wire) {
    case format::WireFormat::text:
      return "text";
    case format::WireFormat::csv:
      return "csv";
    case format::WireFormat::binary:
      return "binary";
  }
  return "text";
}

// State shared by the workers of one export.
class ExportRun {
 public:
  ExportRun(const ExportConfig& config, const format::Format& format, storage::Storage& storage,
            const std::vector<pg::CatalogTable>& tables, std::vector<ExportTask> tasks)
      : config_(config),
        format_(format),
        storage_(storage),
        tables_(tables),
        tasks_(std::move(tasks)),
        results_(tables.size()) {}

  void run(const std::string& snapshot_id) {
    int workers = std::max(1, std::min<int>(config_.jobs, static_cast<int>(tasks_.size())));
    std::vector<std::thread> threads;
    for (int id = 0; id < workers; ++id) {
      threads.emplace_back([this, id, &snapshot_id] { worker(id, snapshot_id); });
    }
    for (auto& thread : threads) thread.join();
    if (first_error_) std::rethrow_exception(first_error_);
  }

  const std::vector<TableResult>& results() const { return results_; }
  uint64_t wire_bytes() const { return wire_bytes_; }

 private:
  void worker(int id, const std::string& snapshot_id) {
    try {
      auto connection = pg::Connection::open(config_.source, fmt::format("worker {}", id));
      pg::apply_export_session_settings(connection);
      pg::import_snapshot(connection, snapshot_id);
      while (true) {
        size_t index = next_task_++;
        if (index >= tasks_.size() || failed_) break;
        run_task(connection, tasks_[index]);
      }
    } catch (...) {
      record_failure(std::current_exception());
    }
  }

  void record_failure(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    // The first real failure is the one to report; "interrupted" echoes of it are not.
    bool is_echo = false;
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      is_echo = e.kind() == ErrorKind::interrupted && !stop_signal();
    } catch (...) {
    }
    if (!first_error_ || (first_error_is_echo_ && !is_echo)) {
      first_error_ = error;
      first_error_is_echo_ = is_echo;
    }
    failed_ = true;
  }

  bool should_stop() const { return failed_.load(std::memory_order_relaxed) || stop_requested(); }

  // One output file in progress: encoder -> compressor -> counter -> storage object.
  struct OpenFile {
    std::unique_ptr<storage::ObjectWriter> object;
    std::unique_ptr<compress::StreamCompressor> compressor;
    std::unique_ptr<CountingSink> counter;
    uint64_t rows = 0;
  };

  OpenFile open_file(const ExportTask& task, int file_index, format::Encoder& encoder) {
    const auto& table = tables_[task.table_index].schema;
    std::string extension = format_.extension();
    auto codec = format_.compresses_internally() ? compress::StreamCodec::none : config_.codec;
    extension += compress::stream_codec_suffix(codec);
    OpenFile file;
    file.object = storage_.create(
        data_file_key(config_.run_id, table.schema, table.name, task.part, file_index, extension));
    file.counter = std::make_unique<CountingSink>(*file.object);
    file.compressor =
        compress::make_stream_compressor(codec, config_.compression_level, *file.counter);
    encoder.start(*file.compressor);
    return file;
  }

  FileResult close_file(OpenFile& file, format::Encoder& encoder) {
    encoder.finish();
    file.compressor->finish();
    return FileResult{file.object->commit(), file.rows};
  }

  void run_task(pg::Connection& connection, const ExportTask& task) {
    const auto& table = tables_[task.table_index];
    auto started = Clock::now();
    auto spec = format_.copy_spec(table.schema);
    auto encoder = format_.make_encoder(table.schema);
    std::vector<FileResult> files;
    uint64_t wire_bytes = 0;
    int file_index = 0;
    OpenFile file = open_file(task, file_index, *encoder);
    if (!task.relation_sql.empty()) {
      pg::CopyStream copy(connection,
                          copy_statement(task, spec.select_list, wire_format_name(spec.wire)),
                          spec.wire == format::WireFormat::binary);
      std::string_view row;
      while (copy.next(row)) {
        if (should_stop()) throw_stop();
        // Roll to a new file at a row boundary once the stored size reaches the limit.
        if (config_.max_file_bytes > 0 && file.rows > 0 &&
            file.counter->count() >= config_.max_file_bytes) {
          files.push_back(close_file(file, *encoder));
          file = open_file(task, ++file_index, *encoder);
        }
        encoder->write_row(row);
        ++file.rows;
        wire_bytes += row.size();
      }
    }
    files.push_back(close_file(file, *encoder));

    uint64_t rows = 0, stored = 0;
    for (const auto& done : files) {
      rows += done.rows;
      stored += done.object.size;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    log::info("exported", {{"table", table.schema.display_name()},
                           log::field("part", task.part),
                           log::field("rows", rows),
                           log::field("bytes", stored),
                           log::field("seconds", fmt::format("{:.2f}", seconds))});
    std::lock_guard lock(mutex_);
    auto& result = results_[task.table_index];
    result.rows += rows;
    for (auto& done : files) result.files.push_back(std::move(done));
    wire_bytes_ += wire_bytes;
  }

  [[noreturn]] void throw_stop() {
    throw_if_stop_requested();
    fail(ErrorKind::interrupted, "stopped because another part of the export failed");
  }

  const ExportConfig& config_;
  const format::Format& format_;
  storage::Storage& storage_;
  const std::vector<pg::CatalogTable>& tables_;
  std::vector<ExportTask> tasks_;
  std::atomic<size_t> next_task_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr first_error_;
  bool first_error_is_echo_ = false;
  std::vector<TableResult> results_;
  uint64_t wire_bytes_ = 0;
};

}  // namespace

void check_run_is_new(storage::Storage& storage, const std::string& run_id) {
  if (!storage.list(run_prefix(run_id)).empty()) {
    fail(ErrorKind::run_exists,
         "{} already holds run '{}' (choose another --run-id, or remove that run first)",
         storage.describe(), run_id);
  }
}

ExportSummary run_export(const ExportConfig& config, const format::Format& format,
                         storage::Storage& storage) {
  auto started_wall = std::chrono::system_clock::now();
  auto started = Clock::now();
  if (!is_valid_run_id(config.run_id)) {
    fail(ErrorKind::usage,
         "run id '{}' is not valid: use letters, digits, '.', '_' and '-' (at most 128)",
         config.run_id);
  }
  storage.check_writable();
  check_run_is_new(storage, config.run_id);

  auto coordinator = pg::Connection::open(config.source, "coordinator");
  pg::apply_export_session_settings(coordinator);
  auto [snapshot, tables] =
      pg::begin_locked_snapshot(coordinator, config.filter, config.lock_timeout);
  auto tasks = plan_tasks(tables, config.chunk_bytes,
                          pg::supports_tid_range_scans(snapshot.server_version_num));
  log::info("export started", {{"run_id", config.run_id},
                               {"destination", storage.describe()},
                               log::field("tables", tables.size()),
                               log::field("tasks", tasks.size()),
                               log::field("jobs", config.jobs),
                               {"snapshot", snapshot.snapshot_id},
                               {"wal_lsn", snapshot.wal_lsn.value_or("")}});
  for (const auto& table : tables) log::debug("selected", {{"table", table.schema.display_name()}});

  ExportRun run(config, format, storage, tables, std::move(tasks));
  try {
    run.run(snapshot.snapshot_id);
    throw_if_stop_requested();
  } catch (...) {
    log::warn("export failed; removing the run's partial objects",
              {{"prefix", run_prefix(config.run_id)}});
    try {
      storage.remove_prefix(run_prefix(config.run_id));
    } catch (const std::exception& cleanup_error) {
      log::warn("cleanup incomplete; the run has no manifest, so readers ignore what is left",
                {{"error", cleanup_error.what()}});
    }
    throw;
  }
  coordinator.exec("COMMIT");

  std::string finished_at = format_utc_timestamp(std::chrono::system_clock::now());
  ManifestInput input{config.run_id,
                      format_utc_timestamp(started_wall),
                      finished_at,
                      config.format_name,
                      config.compression_name,
                      snapshot,
                      &tables,
                      &run.results(),
                      &format};
  std::string manifest = build_manifest(input).dump(2) + "\n";
  std::string manifest_location = manifest_key(config.run_id);
  // The commit point: before this object exists, the run does not exist for readers.
  storage::put_object(storage, manifest_location, manifest);
  storage::put_object(
      storage, std::string(kLatestKey),
      build_latest_pointer(config.run_id, manifest_location, finished_at).dump(2) + "\n");

  ExportSummary summary;
  summary.run_id = config.run_id;
  summary.manifest_key = manifest_location;
  summary.tables = tables.size();
  for (const auto& result : run.results()) {
    summary.rows += result.rows;
    summary.files += result.files.size();
    for (const auto& file : result.files) summary.stored_bytes += file.object.size;
  }
  summary.wire_bytes = run.wire_bytes();
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.snapshot = snapshot.snapshot_id;
  return summary;
}

}  // namespace pgexport::exporter
