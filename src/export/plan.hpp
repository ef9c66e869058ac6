// Turns the catalog into units of work: one task per relation, or per ctid range of a large
// relation, so several workers can share one big table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pg/catalog.hpp"

namespace pgexport::exporter {

struct ExportTask {
  size_t table_index = 0;  // into the catalog vector
  int part = 0;            // unique within the table; names the task's files
  // The relation to read ("schema"."leaf"), or empty for a table with no storage (a
  // partitioned table without partitions), which still gets one empty file.
  std::string relation_sql;
  // Half-open block range [first_block, end_block); no end means "to the end of the relation"
  // so rows in blocks added after planning are never missed.
  std::optional<uint64_t> first_block;
  std::optional<uint64_t> end_block;
  uint64_t estimated_bytes = 0;
};

// The chunk size that keeps `jobs` workers evenly busy: about a quarter of one job's share of
// all heap bytes, so the largest tables become at least four chunks per job and the small
// tables fill the gaps; never above `max_chunk_bytes` (--chunk-size), and never below 32 MiB
// unless --chunk-size is. One job gets `max_chunk_bytes` unchanged.
uint64_t balanced_chunk_bytes(const std::vector<pg::CatalogTable>& tables, uint64_t max_chunk_bytes,
                              int jobs);

// Relations above balanced_chunk_bytes() are split into block ranges of that size, when
// `split_by_block_range` is set: only where the server has TID range scans
// (pg::supports_tid_range_scans). Without them a range query scans the whole relation, so
// every relation becomes one task (and one line is logged saying so). Tasks come largest
// first.
std::vector<ExportTask> plan_tasks(const std::vector<pg::CatalogTable>& tables,
                                   uint64_t max_chunk_bytes, int jobs, bool split_by_block_range);

// The COPY statement a task runs.
std::string copy_statement(const ExportTask& task, const std::vector<std::string>& select_list,
                           std::string_view wire_format);

}  // namespace pgexport::exporter
