#include "format/parquet/file_statistics.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <variant>

#include "format/parquet/pg_binary.hpp"
#include "format/parquet/pg_datetime_text.hpp"

namespace pgexport::format::parquet {

namespace {

enum class BoundKind { none, integer, date, text };

BoundKind bound_kind(const ColumnPlan& plan) {
  if (plan.is_list) return BoundKind::none;
  switch (plan.leaf.kind) {
    case ValueKind::int16:
    case ValueKind::int32:
    case ValueKind::int64:
    case ValueKind::oid:
      return BoundKind::integer;
    case ValueKind::date:
      return BoundKind::date;
    case ValueKind::text:
    case ValueKind::enumeration:
    case ValueKind::server_text:
    case ValueKind::numeric_text:
    case ValueKind::json:
    case ValueKind::jsonb:
      return BoundKind::text;
    default:
      return BoundKind::none;
  }
}

// A decoded bound: integers and dates as numbers (dates as Unix days), texts as their bytes.
using Bound = std::variant<int64_t, std::string>;

std::optional<Bound> decode(BoundKind kind, const std::string& bytes) {
  if (kind == BoundKind::text) {
    if (bytes.size() > kMaxStatisticsString) return std::nullopt;
    for (unsigned char c : bytes) {
      if (c < 0x20 || c > 0x7e) return std::nullopt;  // keeps every log entry plain ASCII JSON
    }
    return bytes;
  }
  if (bytes.size() == 4) {
    int32_t value;
    std::memcpy(&value, bytes.data(), 4);  // PLAIN is little-endian, as the hosts we build for
    if (kind == BoundKind::date &&
        (value == pg_binary::kDateInfinity || value == pg_binary::kDateMinusInfinity)) {
      return std::nullopt;
    }
    return int64_t{value};
  }
  if (bytes.size() == 8 && kind == BoundKind::integer) {
    int64_t value;
    std::memcpy(&value, bytes.data(), 8);
    return value;
  }
  return std::nullopt;
}

nlohmann::json to_json(BoundKind kind, const Bound& bound) {
  if (const auto* text = std::get_if<std::string>(&bound)) return *text;
  const int64_t value = std::get<int64_t>(bound);
  if (kind != BoundKind::date) return value;
  std::string date;
  pg_text::append_date(date, static_cast<int32_t>(value - pg_binary::kPostgresEpochDays));
  // Years before 1 or after 9999 print in forms ("BC", more digits) readers do not parse.
  if (date.size() != 10) return nullptr;
  return date;
}

const ColumnChunk* find_chunk(const RowGroup& group, const std::string& column) {
  for (const auto& chunk : group.columns) {
    const auto& path = chunk.meta_data.path_in_schema;
    if (path.size() == 1 && path[0] == column) return &chunk;
  }
  return nullptr;
}

}  // namespace

std::vector<ColumnStatistics> summarize_statistics(const pg::TableSchema& table,
                                                   const MappingOptions& mapping,
                                                   const std::vector<RowGroup>& row_groups) {
  std::vector<ColumnStatistics> summary;
  for (const auto& column : table.columns) {
    const ColumnPlan plan = plan_column(column, mapping);
    if (plan.is_list) continue;  // a list's null count counts elements, not rows
    const BoundKind kind = bound_kind(plan);
    ColumnStatistics statistics{column.name, uint64_t{0}, nullptr, nullptr};
    std::optional<Bound> min, max;
    bool bounds_known = kind != BoundKind::none;
    for (const auto& group : row_groups) {
      const ColumnChunk* chunk = find_chunk(group, column.name);
      if (!chunk || !chunk->meta_data.statistics) {
        statistics.null_count.reset();
        bounds_known = false;
        break;
      }
      const Statistics& chunk_statistics = *chunk->meta_data.statistics;
      if (chunk_statistics.null_count && statistics.null_count) {
        *statistics.null_count += static_cast<uint64_t>(*chunk_statistics.null_count);
      } else {
        statistics.null_count.reset();
      }
      if (!bounds_known) continue;
      if (!chunk_statistics.min_value || !chunk_statistics.max_value) {
        // Only NULLs in this row group when the null count says so; otherwise bounds are unknown.
        if (chunk_statistics.null_count && *chunk_statistics.null_count == group.num_rows) continue;
        bounds_known = false;
        continue;
      }
      if (!chunk_statistics.is_min_value_exact.value_or(false) ||
          !chunk_statistics.is_max_value_exact.value_or(false)) {
        bounds_known = false;
        continue;
      }
      auto group_min = decode(kind, *chunk_statistics.min_value);
      auto group_max = decode(kind, *chunk_statistics.max_value);
      if (!group_min || !group_max) {
        bounds_known = false;
        continue;
      }
      if (!min || *group_min < *min) min = std::move(group_min);
      if (!max || *max < *group_max) max = std::move(group_max);
    }
    if (bounds_known && min && max) {
      statistics.min = to_json(kind, *min);
      statistics.max = to_json(kind, *max);
      if (statistics.min.is_null() || statistics.max.is_null()) {
        statistics.min = statistics.max = nullptr;
      }
    }
    summary.push_back(std::move(statistics));
  }
  return summary;
}

}  // namespace pgexport::format::parquet
