#include "export/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "pg/server_version.hpp"

namespace pgexport::exporter {
namespace {

pg::CatalogTable table_with(std::vector<uint64_t> relation_blocks) {
  pg::CatalogTable table;
  table.schema.schema = "public";
  table.schema.name = "t";
  int index = 0;
  for (auto blocks : relation_blocks) {
    table.relations.push_back(pg::DataRelation{"\"public\".\"t" + std::to_string(index) + "\"",
                                               "public.t" + std::to_string(index), blocks,
                                               blocks * 8192});
    ++index;
  }
  return table;
}

TEST(Plan, SmallRelationIsOneTaskWithoutRange) {
  auto tasks = plan_tasks({table_with({10})}, 1 << 20, 1, true);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_FALSE(tasks[0].first_block);
  EXPECT_FALSE(tasks[0].end_block);
}

TEST(Plan, LargeRelationIsSplitIntoContiguousRangesWithOpenEnds) {
  // 1 MiB chunks are 128 blocks; 300 blocks make ranges [0,128) [128,256) [256,...).
  auto tasks = plan_tasks({table_with({300})}, 1 << 20, 1, true);
  ASSERT_EQ(tasks.size(), 3u);
  std::sort(tasks.begin(), tasks.end(), [](auto& a, auto& b) { return a.part < b.part; });
  EXPECT_FALSE(tasks[0].first_block);
  EXPECT_EQ(tasks[0].end_block, 128u);
  EXPECT_EQ(tasks[1].first_block, 128u);
  EXPECT_EQ(tasks[1].end_block, 256u);
  EXPECT_EQ(tasks[2].first_block, 256u);
  EXPECT_FALSE(tasks[2].end_block) << "the last range must reach the end of the relation";
}

TEST(Plan, WithoutTidRangeScansEveryRelationIsOneWholeTask) {
  // PostgreSQL 13 would scan the whole table for every ctid range: one task per relation.
  bool split = pg::supports_tid_range_scans(130012);
  ASSERT_FALSE(split);
  auto tasks = plan_tasks({table_with({1, 2, 300}), table_with({5000})}, 1 << 20, 1, split);
  ASSERT_EQ(tasks.size(), 4u);
  for (const auto& task : tasks) {
    EXPECT_FALSE(task.first_block) << task.relation_sql;
    EXPECT_FALSE(task.end_block) << task.relation_sql;
  }
  EXPECT_EQ(tasks[0].estimated_bytes, 5000u * 8192) << "still largest first";
}

TEST(Plan, FromPostgreSQL14LargeRelationsAreSplit) {
  EXPECT_TRUE(pg::supports_tid_range_scans(140000));
  EXPECT_TRUE(pg::supports_tid_range_scans(170002));
  auto tasks = plan_tasks({table_with({300})}, 1 << 20, 1, pg::supports_tid_range_scans(140000));
  EXPECT_EQ(tasks.size(), 3u);
}

TEST(Plan, PartitionsOfOneTableGetDistinctPartNumbers) {
  auto tasks = plan_tasks({table_with({1, 2, 300})}, 1 << 20, 1, true);
  std::set<int> parts;
  for (const auto& task : tasks) parts.insert(task.part);
  EXPECT_EQ(parts.size(), tasks.size());
  EXPECT_EQ(tasks.size(), 5u);
}

TEST(Plan, TableWithoutStorageStillGetsOneTask) {
  auto tasks = plan_tasks({table_with({})}, 1 << 20, 1, true);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(tasks[0].relation_sql.empty());
}

TEST(Plan, LargestTasksComeFirst) {
  auto tasks = plan_tasks({table_with({1}), table_with({100})}, 1 << 30, 1, true);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].table_index, 1u);
}

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kBlocksPerMiB = kMiB / 8192;

uint64_t largest_task(const std::vector<ExportTask>& tasks) {
  uint64_t largest = 0;
  for (const auto& task : tasks) largest = std::max(largest, task.estimated_bytes);
  return largest;
}

// Hands tasks, in order, to whichever of `jobs` workers is free first, taking each task's
// estimated bytes as its duration, as WorkerPool does; returns how long the first worker to
// run out of work waits for the last one.
uint64_t idle_tail(const std::vector<ExportTask>& tasks, int jobs) {
  std::vector<uint64_t> finish(static_cast<size_t>(jobs), 0);
  for (const auto& task : tasks) {
    *std::min_element(finish.begin(), finish.end()) += task.estimated_bytes;
  }
  auto [first, last] = std::minmax_element(finish.begin(), finish.end());
  return *last - *first;
}

// A database shaped like the benchmark's: two large tables, a middling one, small ones.
std::vector<pg::CatalogTable> benchmark_shaped_tables() {
  return {table_with({640 * kBlocksPerMiB}), table_with({488 * kBlocksPerMiB}),
          table_with({100 * kBlocksPerMiB}), table_with({3 * kBlocksPerMiB}), table_with({1})};
}

TEST(Plan, ChunksAreAQuarterOfAJobsShareSoNoJobIdlesLongAtTheEnd) {
  auto tables = benchmark_shaped_tables();
  const uint64_t total = 1231 * kMiB + 8192;
  for (uint64_t jobs : {2, 3, 4}) {
    auto tasks = plan_tasks(tables, 256 * kMiB, static_cast<int>(jobs), true);
    const uint64_t quarter_share = total / (4 * jobs);
    EXPECT_GE(tasks.size(), 4 * jobs) << jobs << " jobs";
    EXPECT_LE(largest_task(tasks), quarter_share) << jobs << " jobs";
    EXPECT_LE(idle_tail(tasks, static_cast<int>(jobs)), quarter_share) << jobs << " jobs";
  }
}

TEST(Plan, OneLargeTableNoLongerKeepsOneJobBusyAlone) {
  // Unsplit, the 640 MiB table keeps one job busy while the other finishes the rest and waits:
  // the proof that the idle-tail measure can fail.
  std::vector<pg::CatalogTable> tables = {table_with({640 * kBlocksPerMiB}),
                                          table_with({100 * kBlocksPerMiB})};
  EXPECT_GT(idle_tail(plan_tasks(tables, 1024 * kMiB, 1, true), 2), 500 * kMiB);
  EXPECT_LE(idle_tail(plan_tasks(tables, 1024 * kMiB, 2, true), 2), 740 * kMiB / 8);
}

TEST(Plan, BalancedChunksNeverExceedTheChunkSize) {
  auto tasks = plan_tasks({table_with({10240 * kBlocksPerMiB})}, 256 * kMiB, 2, true);
  EXPECT_EQ(tasks.size(), 40u);
  EXPECT_EQ(largest_task(tasks), 256 * kMiB);
}

TEST(Plan, BalancedChunksAreNotSmallerThan32MiB) {
  // 100 MiB over 2 jobs would be 12.5 MiB chunks: four chunks of 32 MiB at most instead.
  EXPECT_EQ(balanced_chunk_bytes({table_with({100 * kBlocksPerMiB})}, 256 * kMiB, 2), 32 * kMiB);
  auto tasks = plan_tasks({table_with({100 * kBlocksPerMiB})}, 256 * kMiB, 2, true);
  EXPECT_EQ(tasks.size(), 4u);
  // ... unless --chunk-size itself is smaller.
  EXPECT_EQ(balanced_chunk_bytes({table_with({100 * kBlocksPerMiB})}, 8 * kMiB, 2), 8 * kMiB);
}

TEST(Plan, OneJobKeepsTheChunkSize) {
  EXPECT_EQ(balanced_chunk_bytes(benchmark_shaped_tables(), 256 * kMiB, 1), 256 * kMiB);
  auto tasks = plan_tasks(benchmark_shaped_tables(), 256 * kMiB, 1, true);
  EXPECT_EQ(largest_task(tasks), 256 * kMiB);
}

TEST(Plan, ChunkEstimatesAddUpToTheRelation) {
  auto tasks = plan_tasks({table_with({300})}, 1 << 20, 1, true);
  uint64_t sum = 0;
  for (const auto& task : tasks) sum += task.estimated_bytes;
  EXPECT_EQ(sum, 300u * 8192) << "the last, shorter range is estimated at its own size";
}

TEST(Plan, CopyStatementReadsOnlyTheRelationAndItsRange) {
  ExportTask task{0, 1, "\"s\".\"t\"", 128, 256, 0};
  EXPECT_EQ(copy_statement(task, {"\"a\"", "\"b\"::pg_catalog.text"}, "binary"),
            "COPY (SELECT \"a\", \"b\"::pg_catalog.text FROM ONLY \"s\".\"t\" WHERE ctid >= "
            "'(128,0)'::pg_catalog.tid "
            "AND ctid < '(256,0)'::pg_catalog.tid) TO STDOUT (FORMAT binary)");
  ExportTask whole{0, 0, "\"s\".\"t\"", std::nullopt, std::nullopt, 0};
  EXPECT_EQ(copy_statement(whole, {"\"a\""}, "csv"),
            "COPY (SELECT \"a\" FROM ONLY \"s\".\"t\") TO STDOUT (FORMAT csv)");
}

}  // namespace
}  // namespace pgexport::exporter
