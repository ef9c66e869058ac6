#include "export/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/log.hpp"

namespace pgexport::exporter {

namespace {
// PostgreSQL's default block size; catalog sizes are reported in blocks of the server's
// actual size, so this only converts the chunk size into a block count.
constexpr uint64_t kBlockBytes = 8192;

// Workers take tasks largest first, so a job that runs out of work waits at most for the
// tasks still running elsewhere. With at least this many chunks per job, the largest task is
// at most a quarter of a job's share of the bytes, which bounds that wait.
constexpr uint64_t kChunksPerJob = 4;
// Below this, a chunk costs more than it gains: each one is one more COPY statement, one more
// file and one more object for readers, and at a job's usual 100-200 MB/s it would run for
// less than a quarter of a second.
constexpr uint64_t kMinBalancedChunkBytes = 32ull << 20;

}  // namespace

uint64_t balanced_chunk_bytes(const std::vector<pg::CatalogTable>& tables, uint64_t max_chunk_bytes,
                              int jobs) {
  if (jobs <= 1) return max_chunk_bytes;  // one job never waits for another
  uint64_t total_bytes = 0;
  for (const auto& table : tables) {
    for (const auto& relation : table.relations) total_bytes += relation.bytes;
  }
  uint64_t share = total_bytes / (kChunksPerJob * static_cast<uint64_t>(jobs));
  return std::min(max_chunk_bytes, std::max(share, kMinBalancedChunkBytes));
}

std::vector<ExportTask> plan_tasks(const std::vector<pg::CatalogTable>& tables,
                                   uint64_t max_chunk_bytes, int jobs, bool split_by_block_range) {
  std::vector<ExportTask> tasks;
  const uint64_t chunk_bytes = balanced_chunk_bytes(tables, max_chunk_bytes, jobs);
  const uint64_t chunk_blocks = std::max<uint64_t>(1, chunk_bytes / kBlockBytes);
  size_t read_whole = 0;
  for (size_t index = 0; index < tables.size(); ++index) {
    int part = 0;
    if (tables[index].relations.empty()) {
      tasks.push_back(ExportTask{index, part++, "", std::nullopt, std::nullopt, 0});
    }
    for (const auto& relation : tables[index].relations) {
      bool large = relation.bytes > chunk_bytes && relation.blocks > chunk_blocks;
      if (large && !split_by_block_range) ++read_whole;
      if (!large || !split_by_block_range) {
        tasks.push_back(ExportTask{index, part++, relation.qualified_sql, std::nullopt,
                                   std::nullopt, relation.bytes});
        continue;
      }
      for (uint64_t first = 0; first < relation.blocks; first += chunk_blocks) {
        uint64_t blocks = std::min(chunk_blocks, relation.blocks - first);
        ExportTask task{index, part++,       relation.qualified_sql,
                        first, std::nullopt, blocks * kBlockBytes};
        if (first + chunk_blocks < relation.blocks) task.end_block = first + chunk_blocks;
        if (first == 0) task.first_block.reset();
        tasks.push_back(std::move(task));
      }
    }
  }
  if (!split_by_block_range) {
    log::info(
        "the server has no TID range scans (PostgreSQL 14 adds them): each table or partition "
        "is read whole by one worker, not split by --chunk-size",
        {log::field("relations_above_chunk_size", read_whole)});
  }
  // Largest first: the long tail of an export is then made of small tasks.
  std::stable_sort(tasks.begin(), tasks.end(), [](const ExportTask& a, const ExportTask& b) {
    return a.estimated_bytes > b.estimated_bytes;
  });
  return tasks;
}

std::string copy_statement(const ExportTask& task, const std::vector<std::string>& select_list,
                           std::string_view wire_format) {
  std::string columns = fmt::format("{}", fmt::join(select_list, ", "));
  // ONLY: a table with inheritance children must not include the children's rows, which are
  // exported as tables of their own.
  std::string sql = fmt::format("COPY (SELECT {} FROM ONLY {}", columns, task.relation_sql);
  // TID range scans (PostgreSQL 14+) read just the blocks of the range.
  if (task.first_block && task.end_block) {
    sql +=
        fmt::format(" WHERE ctid >= '({},0)'::pg_catalog.tid AND ctid < '({},0)'::pg_catalog.tid",
                    *task.first_block, *task.end_block);
  } else if (task.first_block) {
    sql += fmt::format(" WHERE ctid >= '({},0)'::pg_catalog.tid", *task.first_block);
  } else if (task.end_block) {
    sql += fmt::format(" WHERE ctid < '({},0)'::pg_catalog.tid", *task.end_block);
  }
  return sql + fmt::format(") TO STDOUT (FORMAT {})", wire_format);
}

}  // namespace pgexport::exporter
