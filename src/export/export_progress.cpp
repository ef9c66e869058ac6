#include "export/export_progress.hpp"

namespace pgexport::exporter {

ExportProgress::ExportProgress(TableDone on_table_done)
    : on_table_done_(std::move(on_table_done)), started_(std::chrono::steady_clock::now()) {}

void ExportProgress::start(const std::vector<pg::CatalogTable>& tables,
                           const std::vector<ExportTask>& tasks) {
  std::lock_guard lock(mutex_);
  tables_.assign(tables.size(), {});
  for (size_t i = 0; i < tables.size(); ++i) {
    tables_[i].name = tables[i].schema.display_name();
    tables_[i].done.table = tables_[i].name;
  }
  uint64_t estimated = 0;
  for (const auto& task : tasks) {
    ++tables_.at(task.table_index).tasks_left;
    estimated += task.estimated_bytes;
  }
  estimated_bytes_ = estimated;
  tables_total_ = tables.size();
}

void ExportProgress::add(uint64_t rows, uint64_t wire_bytes, uint64_t stored_bytes) {
  // Relaxed: these are independent statistics; no reader orders anything by them.
  rows_.fetch_add(rows, std::memory_order_relaxed);
  wire_bytes_.fetch_add(wire_bytes, std::memory_order_relaxed);
  stored_bytes_.fetch_add(stored_bytes, std::memory_order_relaxed);
}

void ExportProgress::task_finished(const ExportTask& task, uint64_t rows, uint64_t wire_bytes,
                                   uint64_t stored_bytes, double seconds) {
  TableExported announce;
  {
    std::lock_guard lock(mutex_);
    auto& table = tables_.at(task.table_index);
    table.done.rows += rows;
    table.done.wire_bytes += wire_bytes;
    table.done.stored_bytes += stored_bytes;
    table.done.seconds += seconds;
    finished_estimated_bytes_.fetch_add(task.estimated_bytes, std::memory_order_relaxed);
    finished_wire_bytes_.fetch_add(wire_bytes, std::memory_order_relaxed);
    if (table.tasks_left == 0 || --table.tasks_left > 0) return;
    tables_done_.fetch_add(1, std::memory_order_relaxed);
    announce = table.done;
  }
  if (on_table_done_) on_table_done_(announce);
}

void ExportProgress::task_redone(const ExportTask& task, uint64_t rows, uint64_t wire_bytes,
                                 uint64_t stored_bytes, double seconds) {
  std::lock_guard lock(mutex_);
  auto& table = tables_.at(task.table_index);
  table.done.rows -= rows;
  table.done.wire_bytes -= wire_bytes;
  table.done.stored_bytes -= stored_bytes;
  table.done.seconds -= seconds;
  ++table.tasks_left;
  finished_estimated_bytes_.fetch_sub(task.estimated_bytes, std::memory_order_relaxed);
  finished_wire_bytes_.fetch_sub(wire_bytes, std::memory_order_relaxed);
  rows_.fetch_sub(rows, std::memory_order_relaxed);
  wire_bytes_.fetch_sub(wire_bytes, std::memory_order_relaxed);
  stored_bytes_.fetch_sub(stored_bytes, std::memory_order_relaxed);
}

ProgressCounts ExportProgress::read() const {
  ProgressCounts counts;
  counts.tables_done = tables_done_.load(std::memory_order_relaxed);
  counts.tables_total = tables_total_.load(std::memory_order_relaxed);
  counts.rows = rows_.load(std::memory_order_relaxed);
  counts.wire_bytes = wire_bytes_.load(std::memory_order_relaxed);
  counts.stored_bytes = stored_bytes_.load(std::memory_order_relaxed);
  counts.estimated_bytes = estimated_bytes_.load(std::memory_order_relaxed);
  counts.finished_estimated_bytes = finished_estimated_bytes_.load(std::memory_order_relaxed);
  counts.finished_wire_bytes = finished_wire_bytes_.load(std::memory_order_relaxed);
  counts.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return counts;
}

}  // namespace pgexport::exporter
