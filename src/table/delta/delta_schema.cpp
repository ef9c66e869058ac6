#include "table/delta/delta_schema.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace pgexport::table::delta {

namespace {

using format::parquet::LeafPlan;
using format::parquet::ValueKind;

std::string primitive_type(const LeafPlan& leaf) {
  switch (leaf.kind) {
    case ValueKind::boolean:
      return "boolean";
    case ValueKind::int16:
      return "short";
    case ValueKind::int32:
      return "integer";
    case ValueKind::int64:
    case ValueKind::oid:  // widened to INT64 so every unsigned 32-bit value fits
      return "long";
    case ValueKind::float4:
      return "float";
    case ValueKind::float8:
      return "double";
    case ValueKind::decimal:
      return fmt::format("decimal({},{})", leaf.decimal_precision, leaf.decimal_scale);
    case ValueKind::date:
      return "date";
    case ValueKind::timestamp:
      return "timestamp_ntz";  // TIMESTAMP(MICROS, isAdjustedToUTC=false)
    case ValueKind::timestamptz:
      return "timestamp";  // TIMESTAMP(MICROS, isAdjustedToUTC=true)
    case ValueKind::bytea:
      return "binary";
    case ValueKind::numeric_text:
    case ValueKind::text:
    case ValueKind::enumeration:
    case ValueKind::json:
    case ValueKind::jsonb:
    case ValueKind::server_text:
      return "string";
    case ValueKind::uuid:
    case ValueKind::time:
      break;
  }
  fail(ErrorKind::usage,
       "--table-format delta writes the portable Parquet profile: uuid and time columns have no "
       "Delta type in the exact profile; drop --parquet-profile exact");
}

}  // namespace

nlohmann::ordered_json delta_type(const format::parquet::ColumnPlan& plan) {
  nlohmann::ordered_json element = primitive_type(plan.leaf);
  if (!plan.is_list) return element;
  return {{"type", "array"}, {"elementType", std::move(element)}, {"containsNull", true}};
}

nlohmann::ordered_json delta_schema(const pg::TableSchema& table,
                                    const format::parquet::MappingOptions& mapping) {
  auto fields = nlohmann::ordered_json::array();
  for (const auto& column : table.columns) {
    fields.push_back({{"name", column.name},
                      {"type", delta_type(format::parquet::plan_column(column, mapping))},
                      {"nullable", !column.not_null},
                      {"metadata", nlohmann::ordered_json::object()}});
  }
  return {{"type", "struct"}, {"fields", std::move(fields)}};
}

bool uses_timestamp_ntz(const nlohmann::ordered_json& type) {
  if (type.is_string()) return type.get<std::string>() == "timestamp_ntz";
  if (!type.is_object()) return false;
  if (auto fields = type.find("fields"); fields != type.end()) {
    for (const auto& field : *fields) {
      if (uses_timestamp_ntz(field.at("type"))) return true;
    }
  }
  if (auto element = type.find("elementType"); element != type.end()) {
    return uses_timestamp_ntz(*element);
  }
  return false;
}

}  // namespace pgexport::table::delta
