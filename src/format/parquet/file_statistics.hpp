// A finished Parquet file's column chunk statistics, summed and merged over its row groups into
// one ColumnStatistics per top-level column, with bounds as JSON values. Only bounds that mean
// the same to every reader are kept (format.hpp's ColumnStatistics); the rest stay null.
#pragma once

#include <vector>

#include "format/format.hpp"
#include "format/parquet/metadata.hpp"
#include "format/parquet/type_mapping.hpp"
#include "pg/types.hpp"

namespace pgexport::format::parquet {

// Bounds kept: integers (smallint, integer, bigint, oid) as JSON numbers, finite dates as
// "YYYY-MM-DD", and text-like values whose exact bounds are at most kMaxStatisticsString bytes
// of printable ASCII. Floats (NaN), decimals, timestamps (engines keep them to milliseconds),
// booleans, bytea and lists get a null count only (lists not even that).
std::vector<ColumnStatistics> summarize_statistics(const pg::TableSchema& table,
                                                   const MappingOptions& mapping,
                                                   const std::vector<RowGroup>& row_groups);

// Longer strings would make every log entry that lists the file large; Spark itself keeps 32.
inline constexpr size_t kMaxStatisticsString = 64;

}  // namespace pgexport::format::parquet
