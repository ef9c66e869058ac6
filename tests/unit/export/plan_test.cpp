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
  auto tasks = plan_tasks({table_with({10})}, 1 << 20, true);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_FALSE(tasks[0].first_block);
  EXPECT_FALSE(tasks[0].end_block);
}

TEST(Plan, LargeRelationIsSplitIntoContiguousRangesWithOpenEnds) {
  // 1 MiB chunks are 128 blocks; 300 blocks make ranges [0,128) [128,256) [256,...).
  auto tasks = plan_tasks({table_with({300})}, 1 << 20, true);
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
  auto tasks = plan_tasks({table_with({1, 2, 300}), table_with({5000})}, 1 << 20, split);
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
  auto tasks = plan_tasks({table_with({300})}, 1 << 20, pg::supports_tid_range_scans(140000));
  EXPECT_EQ(tasks.size(), 3u);
}

TEST(Plan, PartitionsOfOneTableGetDistinctPartNumbers) {
  auto tasks = plan_tasks({table_with({1, 2, 300})}, 1 << 20, true);
  std::set<int> parts;
  for (const auto& task : tasks) parts.insert(task.part);
  EXPECT_EQ(parts.size(), tasks.size());
  EXPECT_EQ(tasks.size(), 5u);
}

TEST(Plan, TableWithoutStorageStillGetsOneTask) {
  auto tasks = plan_tasks({table_with({})}, 1 << 20, true);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(tasks[0].relation_sql.empty());
}

TEST(Plan, LargestTasksComeFirst) {
  auto tasks = plan_tasks({table_with({1}), table_with({100})}, 1 << 30, true);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].table_index, 1u);
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
