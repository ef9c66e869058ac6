// The live counts of an export: every task adds to them, and a table is announced once, when
// the last of its tasks has finished, with its totals.
#include "export/export_progress.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace pgexport::exporter {
namespace {

pg::CatalogTable table_named(const char* name) {
  pg::CatalogTable table;
  table.schema.schema = "public";
  table.schema.name = name;
  return table;
}

ExportTask task_of(size_t table_index, int part, uint64_t estimated_bytes) {
  ExportTask task;
  task.table_index = table_index;
  task.part = part;
  task.estimated_bytes = estimated_bytes;
  return task;
}

TEST(ExportProgress, ATableIsAnnouncedOnceWhenItsLastTaskFinishes) {
  std::vector<TableExported> announced;
  ExportProgress progress([&](const TableExported& table) { announced.push_back(table); });
  std::vector<pg::CatalogTable> tables = {table_named("big"), table_named("small")};
  std::vector<ExportTask> tasks = {task_of(0, 0, 600), task_of(0, 1, 300), task_of(1, 0, 100)};
  progress.start(tables, tasks);
  auto counts = progress.read();
  EXPECT_EQ(counts.tables_total, 2u);
  EXPECT_EQ(counts.estimated_bytes, 1000u);
  EXPECT_EQ(counts.tables_done, 0u);

  progress.add(10, 500, 50);
  progress.task_finished(tasks[0], 10, 500, 50, 1.5);
  EXPECT_TRUE(announced.empty()) << "one of big's two tasks is still running";
  progress.add(5, 250, 25);
  progress.task_finished(tasks[1], 5, 250, 25, 0.5);
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].table, "public.big");
  EXPECT_EQ(announced[0].rows, 15u);
  EXPECT_EQ(announced[0].wire_bytes, 750u);
  EXPECT_EQ(announced[0].stored_bytes, 75u);
  EXPECT_DOUBLE_EQ(announced[0].seconds, 2.0);

  counts = progress.read();
  EXPECT_EQ(counts.tables_done, 1u);
  EXPECT_EQ(counts.rows, 15u);
  EXPECT_EQ(counts.wire_bytes, 750u);
  EXPECT_EQ(counts.stored_bytes, 75u);
  EXPECT_EQ(counts.finished_estimated_bytes, 900u);
  EXPECT_EQ(counts.finished_wire_bytes, 750u);

  progress.task_finished(tasks[2], 0, 0, 0, 0);
  ASSERT_EQ(announced.size(), 2u);
  EXPECT_EQ(announced[1].table, "public.small");
  EXPECT_EQ(progress.read().tables_done, 2u);
}

// A column that falls back to text makes its table's finished tasks run again: what they
// counted is taken back, so the table is announced once, with the totals of the tasks kept.
TEST(ExportProgress, ARedoneTaskIsCountedOnce) {
  std::vector<TableExported> announced;
  ExportProgress progress([&](const TableExported& table) { announced.push_back(table); });
  std::vector<pg::CatalogTable> tables = {table_named("odd")};
  std::vector<ExportTask> tasks = {task_of(0, 0, 600), task_of(0, 1, 400)};
  progress.start(tables, tasks);
  progress.add(10, 500, 50);
  progress.task_finished(tasks[0], 10, 500, 50, 1.0);
  progress.task_redone(tasks[0], 10, 500, 50, 1.0);
  auto counts = progress.read();
  EXPECT_EQ(counts.rows, 0u);
  EXPECT_EQ(counts.finished_estimated_bytes, 0u);
  progress.add(10, 500, 60);
  progress.task_finished(tasks[0], 10, 500, 60, 1.0);
  EXPECT_TRUE(announced.empty()) << "the table still waits for its second task";
  progress.add(4, 200, 20);
  progress.task_finished(tasks[1], 4, 200, 20, 0.5);
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].rows, 14u);
  EXPECT_EQ(announced[0].stored_bytes, 80u);
  EXPECT_DOUBLE_EQ(announced[0].seconds, 1.5);
  counts = progress.read();
  EXPECT_EQ(counts.rows, 14u);
  EXPECT_EQ(counts.wire_bytes, 700u);
  EXPECT_EQ(counts.finished_estimated_bytes, 1000u);
  EXPECT_EQ(counts.tables_done, 1u);
}

}  // namespace
}  // namespace pgexport::exporter
