#include "export/task_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "common/byte_sink.hpp"
#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "export/file_roll.hpp"
#include "export/layout.hpp"
#include "format/hashed_columns.hpp"
#include "pg/copy_stream.hpp"

namespace pgexport::exporter {

namespace {

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

// The coordinator holds an ACCESS SHARE lock on every table; a worker's own lock request would
// still queue behind a DDL statement (ALTER, TRUNCATE) waiting for the coordinator's lock, and
// neither would ever finish: the deadlock detector cannot see it, since the coordinator is idle.
// So the worker takes its lock first with NOWAIT, as pg_dump's workers do, and fails at once.
void lock_without_waiting(pg::Connection& connection, const pg::CatalogTable& table,
                          const ExportTask& task) {
  auto result =
      connection.try_exec("LOCK TABLE " + task.relation_sql + " IN ACCESS SHARE MODE NOWAIT");
  if (result.ok()) return;
  constexpr std::string_view kLockNotAvailable = "55P03";
  if (result.sqlstate() == kLockNotAvailable) {
    fail(ErrorKind::database_error,
         "cannot read table {}: another session is waiting for an exclusive lock on it (DDL "
         "queued behind this export), so reading it would wait forever; run the export again "
         "when that session is done",
         table.schema.display_name());
  }
  pg::fail_statement("LOCK", connection.purpose(), result.native());
}

// What a task has told the progress counters so far: it reports in batches, since one atomic
// addition per row on counters shared by every worker would cost more than the row itself.
class ProgressBatch {
 public:
  explicit ProgressBatch(ExportProgress* progress) : progress_(progress) {}
  // `rows`, `wire_bytes` and `stored_bytes` are the task's totals so far.
  void report(uint64_t rows, uint64_t wire_bytes, uint64_t stored_bytes, bool force) {
    // 256 KiB: a few thousand reports a second at full speed, a fresh display at any speed.
    constexpr uint64_t kBatchBytes = 256 << 10;
    if (!progress_ || (!force && wire_bytes - wire_bytes_ < kBatchBytes)) return;
    // Counters only grow, even should a file's final size be below what was counted into it.
    stored_bytes = std::max(stored_bytes, stored_bytes_);
    progress_->add(rows - rows_, wire_bytes - wire_bytes_, stored_bytes - stored_bytes_);
    rows_ = rows;
    wire_bytes_ = wire_bytes;
    stored_bytes_ = stored_bytes;
  }

 private:
  ExportProgress* progress_;
  uint64_t rows_ = 0;
  uint64_t wire_bytes_ = 0;
  uint64_t stored_bytes_ = 0;
};

}  // namespace

// One output file in progress: encoder -> compressor -> counter -> storage object.
struct TaskRunner::OpenFile {
  MemoryLease compressor_lease;  // released after the compressor (declared first, freed last)
  std::unique_ptr<storage::ObjectWriter> object;
  std::unique_ptr<CountingSink> counter;
  std::unique_ptr<compress::StreamCompressor> compressor;
  uint64_t rows = 0;
};

TaskRunner::TaskRunner(const format::Format& format, storage::Storage& storage, TaskOutput output,
                       std::function<bool()> should_stop, ExportProgress* progress)
    : format_(format),
      storage_(storage),
      output_(std::move(output)),
      should_stop_(std::move(should_stop)),
      progress_(progress) {}

TaskRunner::OpenFile TaskRunner::open_file(const pg::CatalogTable& table, const ExportTask& task,
                                           int file_index, format::Encoder& encoder) const {
  auto codec = format_.compresses_internally() ? compress::StreamCodec::none : output_.codec;
  std::string extension = format_.extension() + std::string(compress::stream_codec_suffix(codec));
  OpenFile file;
  // Leased before anything of the file exists, while this task holds no other lease: waiting
  // here cannot hold up anyone (common/encoder_memory.hpp).
  if (output_.compressor_memory && codec != compress::StreamCodec::none) {
    file.compressor_lease = output_.compressor_memory->hold(
        compress::stream_compressor_memory_bytes(codec, output_.compression_level));
  }
  const auto& names = table.schema;
  if (output_.layout == DataLayout::dms) {
    file.object = storage_.create(dms_load_file_key(
        names.schema, names.name, output_.dms_files->take_number(task.table_index), extension));
  } else {
    file.object = storage_.create(
        output_.delta_layout ? delta_data_file_key(output_.run_id, output_.attempt, names.schema,
                                                   names.name, task.part, file_index, extension)
                             : data_file_key(output_.run_id, output_.attempt, names.schema,
                                             names.name, task.part, file_index, extension));
  }
  file.counter = std::make_unique<CountingSink>(*file.object);
  file.compressor =
      compress::make_stream_compressor(codec, output_.compression_level, *file.counter);
  encoder.start(*file.compressor);
  return file;
}

FileResult TaskRunner::close_file(OpenFile& file, format::Encoder& encoder) const {
  encoder.finish();
  file.compressor->finish();
  FileResult done{file.object->commit(), file.rows, encoder.file_statistics()};
  if (output_.dms_files) output_.dms_files->committed(done.object.key);
  return done;
}

TaskResult TaskRunner::run(pg::Connection& connection, const pg::CatalogTable& table,
                           const ExportTask& task) const {
  TaskResult result;
  try {
    return run_into(connection, table, task, result);
  } catch (...) {
    // A task that fails leaves no object behind: the export may carry on without it (a column
    // that falls back to text re-runs unfinished tasks), and what it wrote is in no result.
    // After SIGTERM the whole attempt is withdrawn within the cleanup window instead.
    if (stop_requested()) throw;
    for (const auto& done : result.files) {
      try {
        storage_.remove(done.object.key);
      } catch (const std::exception& error) {
        log::warn("cannot remove a file of a failed task; the run's cleanup removes it",
                  {{"key", done.object.key}, {"error", error.what()}});
      }
    }
    throw;
  }
}

TaskResult TaskRunner::run_into(pg::Connection& connection, const pg::CatalogTable& table,
                                const ExportTask& task, TaskResult& result) const {
  const auto started = std::chrono::steady_clock::now();
  // With a timestamp column the files have one more column than the table, first, and its
  // value is a constant the server writes into each row in the format's own wire form.
  const pg::TableSchema& shape =
      output_.timestamp_column ? with_timestamp_column(table.schema, *output_.timestamp_column)
                               : table.schema;
  auto spec = format_.copy_spec(shape);
  if (output_.timestamp_column)
    spec.select_list.front() = timestamp_literal_sql(output_.timestamp_text);
  auto encoder = format_.make_encoder(shape);
  if (auto hashed = format::hashed_column_positions(shape); !hashed.empty()) {
    format::select_hashed_as_text(shape, spec);
    encoder =
        format::hashing_encoder(std::move(encoder), spec.wire, std::move(hashed), output_.hash_key);
  }
  result.table_index = task.table_index;
  int file_index = 0;
  // --max-file-size, or before the file outgrows what the destination stores as one object.
  const uint64_t roll_bytes =
      file_roll_bytes(output_.max_file_bytes, storage_.largest_object_bytes());
  // The DMS layout opens a file at the first row, so an empty chunk leaves no file.
  std::optional<OpenFile> file;
  if (output_.layout != DataLayout::dms) file = open_file(table, task, file_index, *encoder);
  ProgressBatch batch(progress_);
  uint64_t rows = 0;
  uint64_t closed_bytes = 0;  // stored in the files already committed
  if (!task.relation_sql.empty()) {
    lock_without_waiting(connection, table, task);
    pg::CopyStream copy(connection,
                        copy_statement(task, spec.select_list, wire_format_name(spec.wire)),
                        spec.wire == format::WireFormat::binary);
    std::string_view row;
    while (copy.next(row)) {
      if (should_stop_()) {
        throw_if_stop_requested();
        fail(ErrorKind::interrupted, "stopped because another part of the export failed");
      }
      // Roll to a new file at a row boundary once the stored size reaches the limit. What the
      // encoder holds from earlier rows goes out first, so the size counts it.
      if (file) encoder->write_filled();
      if (!file) {
        file = open_file(table, task, file_index, *encoder);
      } else if (roll_bytes > 0 && file->rows > 0 && file->counter->count() >= roll_bytes) {
        result.files.push_back(close_file(*file, *encoder));
        closed_bytes += result.files.back().object.size;
        file.reset();  // its leases go back before the next file leases its own
        file = open_file(table, task, ++file_index, *encoder);
      }
      encoder->write_row(row);
      ++file->rows;
      ++rows;
      result.wire_bytes += row.size();
      batch.report(rows, result.wire_bytes, closed_bytes + file->counter->count(), false);
    }
  }
  if (file) result.files.push_back(close_file(*file, *encoder));

  for (const auto& done : result.files) {
    result.rows += done.rows;
    result.stored_bytes += done.object.size;
  }
  batch.report(result.rows, result.wire_bytes, result.stored_bytes, true);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::info("exported", {{"table", table.schema.display_name()},
                         log::field("part", task.part),
                         log::field("rows", result.rows),
                         log::field("bytes", result.stored_bytes),
                         {"seconds", log::seconds_value(result.seconds)}});
  return std::move(result);
}

void ResultCollector::add(TaskResult result) {
  std::lock_guard lock(mutex_);
  auto& table = tables_.at(result.table_index);
  table.rows += result.rows;
  for (auto& file : result.files) table.files.push_back(std::move(file));
  wire_bytes_ += result.wire_bytes;
}

}  // namespace pgexport::exporter
