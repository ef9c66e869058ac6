// Runs one export task on one connection: COPY rows -> encoder -> compressor -> objects,
// rolling to a new object at --max-file-size. Knows nothing of threads or of other tasks.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/encoder_memory.hpp"
#include "compress/stream_compressor.hpp"
#include "export/dms_load.hpp"
#include "export/export_progress.hpp"
#include "export/manifest.hpp"
#include "export/plan.hpp"
#include "format/format.hpp"
#include "pg/catalog.hpp"
#include "pg/connection.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

// Where and how one attempt writes its files.
struct TaskOutput {
  std::string run_id;
  std::string attempt;
  compress::StreamCodec codec = compress::StreamCodec::zstd;
  std::optional<int> compression_level;
  uint64_t max_file_bytes = 0;  // 0 = one file per task
  std::string hash_key;         // for the tables' hashed columns (format/hashed_columns.hpp)
  // Where each file's compressor is leased from (ExportConfig::encoder_memory).
  std::shared_ptr<EncoderMemory> compressor_memory;
  DataLayout layout = DataLayout::runs;
  // The DMS layout's numbering of the run's files, shared by every task (dms only). A table
  // chunk with no rows writes no file there, as DMS writes none for an empty table.
  DmsLoadFiles* dms_files = nullptr;
  // DMS's TimestampColumnName: a first column of this name holding `timestamp_text`.
  std::optional<std::string> timestamp_column;
  std::string timestamp_text;
  bool delta_layout = false;  // files go into each table's Delta table (layout.hpp)
};

// What one finished task produced.
struct TaskResult {
  size_t table_index = 0;
  uint64_t rows = 0;
  uint64_t wire_bytes = 0;  // bytes received from PostgreSQL
  uint64_t stored_bytes = 0;
  std::vector<FileResult> files;
  double seconds = 0;
};

class TaskRunner {
 public:
  // `should_stop` is polled between rows; when it returns true the task throws (interrupted),
  // and its uncommitted object is aborted. `progress`, when given, receives the rows and bytes
  // as they are read and stored.
  TaskRunner(const format::Format& format, storage::Storage& storage, TaskOutput output,
             std::function<bool()> should_stop, ExportProgress* progress = nullptr);

  // Throws what stopped the task, having removed the files it had already committed.
  TaskResult run(pg::Connection& connection, const pg::CatalogTable& table,
                 const ExportTask& task) const;

 private:
  // The task, collecting its committed files in `result` as it goes.
  TaskResult run_into(pg::Connection& connection, const pg::CatalogTable& table,
                      const ExportTask& task, TaskResult& result) const;
  struct OpenFile;
  OpenFile open_file(const pg::CatalogTable& table, const ExportTask& task, int file_index,
                     format::Encoder& encoder) const;
  FileResult close_file(OpenFile& file, format::Encoder& encoder) const;

  const format::Format& format_;
  storage::Storage& storage_;
  TaskOutput output_;
  std::function<bool()> should_stop_;
  ExportProgress* progress_;
};

// Collects task results into per-table results, from any worker thread.
class ResultCollector {
 public:
  explicit ResultCollector(size_t tables) : tables_(tables) {}
  void add(TaskResult result);
  // Read only after every worker has finished.
  const std::vector<TableResult>& tables() const { return tables_; }
  std::vector<TableResult>& tables() { return tables_; }
  uint64_t wire_bytes() const { return wire_bytes_; }

 private:
  std::mutex mutex_;
  std::vector<TableResult> tables_;
  uint64_t wire_bytes_ = 0;
};

}  // namespace pgexport::exporter
