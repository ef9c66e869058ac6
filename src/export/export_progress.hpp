// The live counts of one export: workers add to them as they read and write, whoever reports
// progress reads them at any time from another thread, and each finished table is announced
// once (for per-table metrics).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/progress.hpp"
#include "export/plan.hpp"
#include "pg/catalog.hpp"

namespace pgexport::exporter {

// A table whose every task has finished.
struct TableExported {
  std::string table;  // schema.name as displayed
  uint64_t rows = 0;
  uint64_t wire_bytes = 0;
  uint64_t stored_bytes = 0;
  double seconds = 0;  // time its tasks spent reading and writing, summed over its chunks
};

class ExportProgress {
 public:
  // Called on the worker thread that finished the table's last task; must not throw.
  using TableDone = std::function<void(const TableExported&)>;

  explicit ExportProgress(TableDone on_table_done = {});

  // Once the tasks are planned, before any worker starts.
  void start(const std::vector<pg::CatalogTable>& tables, const std::vector<ExportTask>& tasks);
  // What a running task read and wrote since it last reported.
  void add(uint64_t rows, uint64_t wire_bytes, uint64_t stored_bytes);
  // A task has finished, having read `wire_bytes` and stored `stored_bytes` in `seconds`.
  void task_finished(const ExportTask& task, uint64_t rows, uint64_t wire_bytes,
                     uint64_t stored_bytes, double seconds);

  // A finished task will run again (its table's column fell back to text): what it counted is
  // taken back, and its table waits for it once more.
  void task_redone(const ExportTask& task, uint64_t rows, uint64_t wire_bytes,
                   uint64_t stored_bytes, double seconds);

  // The counts now, with the time since this object was made.
  ProgressCounts read() const;

 private:
  struct TableState {
    std::string name;
    size_t tasks_left = 0;
    TableExported done;
  };

  TableDone on_table_done_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<uint64_t> tables_total_{0};
  std::atomic<uint64_t> tables_done_{0};
  std::atomic<uint64_t> rows_{0};
  std::atomic<uint64_t> wire_bytes_{0};
  std::atomic<uint64_t> stored_bytes_{0};
  std::atomic<uint64_t> estimated_bytes_{0};
  std::atomic<uint64_t> finished_estimated_bytes_{0};
  std::atomic<uint64_t> finished_wire_bytes_{0};
  std::mutex mutex_;  // guards tables_
  std::vector<TableState> tables_;
};

}  // namespace pgexport::exporter
