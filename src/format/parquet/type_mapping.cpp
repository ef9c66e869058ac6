#include "format/parquet/type_mapping.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.hpp"
#include "format/parquet/list_column_writer.hpp"
#include "format/parquet/standard_column_writer.hpp"
#include "format/parquet/value_policies.hpp"

namespace pgexport::format::parquet {
namespace {

namespace oid = pg::oid;
using Kind = LogicalType::Kind;

// Parquet DECIMAL holds at most 38 digits (16-byte two's complement); wider numerics are text.
constexpr int kMaxDecimalPrecision = 38;
// Parquet DECIMAL on INT32 holds up to 9 digits, on INT64 up to 18 (LogicalTypes.md).
constexpr int kMaxInt32DecimalPrecision = 9;
constexpr int kMaxInt64DecimalPrecision = 18;
constexpr int kUuidBytes = 16;

LeafPlan numeric_leaf(const pg::TypeDesc& type, const MappingOptions& options) {
  auto precision = type.numeric_precision();
  auto scale = type.numeric_scale();
  if (options.numeric_as_text || !precision || !scale) return {ValueKind::numeric_text};
  // PostgreSQL 15 allows a negative scale (numeric(5,-2) rounds to hundreds) and a scale above
  // the precision (numeric(3,5) holds 0.00123): widen to a DECIMAL that holds every value.
  int parquet_precision = *scale < 0 ? *precision - *scale : std::max(*precision, *scale);
  int parquet_scale = std::max(*scale, 0);
  if (parquet_precision < 1 || parquet_precision > kMaxDecimalPrecision) {
    return {ValueKind::numeric_text};
  }
  return {ValueKind::decimal, parquet_precision, parquet_scale};
}

// An enum or JSON value: its text, annotated as ENUM/JSON or, under the portable profile, as the
// STRING every reader knows (Spark, Trino and DuckDB read all three as strings anyway).
LeafPlan string_like_leaf(ValueKind kind, const MappingOptions& options) {
  LeafPlan leaf{kind};
  leaf.string_annotation = options.profile == ParquetProfile::portable;
  return leaf;
}

// The value kinds decoded from the native binary form; nullopt means "cast to text".
std::optional<LeafPlan> native_leaf(const pg::TypeDesc& type, const MappingOptions& options) {
  const bool exact = options.profile == ParquetProfile::exact;
  if (type.kind == pg::TypeKind::enumeration) {
    return string_like_leaf(ValueKind::enumeration, options);
  }
  if (type.kind != pg::TypeKind::base) return std::nullopt;
  switch (type.oid) {
    case oid::kBool:
      return LeafPlan{ValueKind::boolean};
    case oid::kInt2:
      return LeafPlan{ValueKind::int16};
    case oid::kInt4:
      return LeafPlan{ValueKind::int32};
    case oid::kInt8:
      return LeafPlan{ValueKind::int64};
    case oid::kOid:
      return LeafPlan{ValueKind::oid};
    case oid::kFloat4:
      return LeafPlan{ValueKind::float4};
    case oid::kFloat8:
      return LeafPlan{ValueKind::float8};
    case oid::kNumeric:
      return numeric_leaf(type, options);
    // Portable: the canonical 36-character text (Spark up to 4.0 refuses UUID on
    // FIXED_LEN_BYTE_ARRAY(16), Trino would read a plain FIXED_LEN_BYTE_ARRAY as raw bytes).
    case oid::kUuid:
      if (!exact) return std::nullopt;
      return LeafPlan{ValueKind::uuid};
    case oid::kDate:
      return LeafPlan{ValueKind::date};
    // Portable: PostgreSQL's 'HH:MM:SS[.ffffff]' (Spark before 4.1 refuses TIME; an INT64
    // without annotation would read as a bare number of microseconds).
    case oid::kTime:
      if (!exact) return std::nullopt;
      return LeafPlan{ValueKind::time};
    case oid::kTimestamp:
      if (options.timestamps_as_text) return std::nullopt;
      return LeafPlan{ValueKind::timestamp};
    case oid::kTimestamptz:
      if (options.timestamps_as_text) return std::nullopt;
      return LeafPlan{ValueKind::timestamptz};
    case oid::kBytea:
      return LeafPlan{ValueKind::bytea};
    // Their binary form is the text itself ("char" is not here: its binary form is a raw byte,
    // while its text form escapes bytes above 127).
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
      return LeafPlan{ValueKind::text};
    case oid::kJson:
      return string_like_leaf(ValueKind::json, options);
    case oid::kJsonb:
      return string_like_leaf(ValueKind::jsonb, options);
    default:
      return std::nullopt;
  }
}

struct LeafType {
  PhysicalType physical = PhysicalType::byte_array;
  std::optional<int32_t> type_length;
  std::optional<LogicalType> logical;
  std::optional<ConvertedType> converted;

  static LeafType of(PhysicalType physical, std::optional<int32_t> type_length = {},
                     std::optional<LogicalType> logical = {},
                     std::optional<ConvertedType> converted = {}) {
    return {physical, type_length, logical, converted};
  }
};

LogicalType integer_type(int8_t bits) {
  return {.kind = Kind::integer, .integer_bit_width = bits, .integer_signed = true};
}

LeafType leaf_type(const LeafPlan& leaf) {
  const LogicalType string_type{.kind = Kind::string};
  const LogicalType json_type{.kind = Kind::json};
  switch (leaf.kind) {
    case ValueKind::boolean:
      return LeafType::of(PhysicalType::boolean);
    case ValueKind::int16:
      return LeafType::of(PhysicalType::int32, {}, integer_type(16), ConvertedType::int_16);
    case ValueKind::int32:
      return LeafType::of(PhysicalType::int32, {}, integer_type(32), ConvertedType::int_32);
    case ValueKind::int64:
    case ValueKind::oid:
      return LeafType::of(PhysicalType::int64, {}, integer_type(64), ConvertedType::int_64);
    case ValueKind::float4:
      return LeafType::of(PhysicalType::float_);
    case ValueKind::float8:
      return LeafType::of(PhysicalType::double_);
    case ValueKind::decimal: {
      LogicalType decimal{.kind = Kind::decimal,
                          .decimal_scale = leaf.decimal_scale,
                          .decimal_precision = leaf.decimal_precision};
      if (leaf.decimal_precision <= kMaxInt32DecimalPrecision) {
        return LeafType::of(PhysicalType::int32, {}, decimal, ConvertedType::decimal);
      }
      if (leaf.decimal_precision <= kMaxInt64DecimalPrecision) {
        return LeafType::of(PhysicalType::int64, {}, decimal, ConvertedType::decimal);
      }
      return LeafType::of(PhysicalType::fixed_len_byte_array,
                          pg_binary::decimal_byte_width(leaf.decimal_precision), decimal,
                          ConvertedType::decimal);
    }
    case ValueKind::uuid:
      // UUID has no ConvertedType.
      return LeafType::of(PhysicalType::fixed_len_byte_array, kUuidBytes,
                          LogicalType{.kind = Kind::uuid});
    case ValueKind::date:
      return LeafType::of(PhysicalType::int32, {}, LogicalType{.kind = Kind::date},
                          ConvertedType::date);
    case ValueKind::time:
      // LogicalTypes.md: local times carry the legacy TIME_MICROS annotation too.
      return LeafType::of(PhysicalType::int64, {},
                          LogicalType{.kind = Kind::time, .adjusted_to_utc = false},
                          ConvertedType::time_micros);
    case ValueKind::timestamp:
    case ValueKind::timestamptz:
      return LeafType::of(PhysicalType::int64, {},
                          LogicalType{.kind = Kind::timestamp,
                                      .adjusted_to_utc = leaf.kind == ValueKind::timestamptz},
                          ConvertedType::timestamp_micros);
    case ValueKind::bytea:
      return LeafType::of(PhysicalType::byte_array);
    case ValueKind::enumeration:
      if (leaf.string_annotation) {
        return LeafType::of(PhysicalType::byte_array, {}, string_type, ConvertedType::utf8);
      }
      return LeafType::of(PhysicalType::byte_array, {}, LogicalType{.kind = Kind::enumeration},
                          ConvertedType::enum_);
    case ValueKind::json:
    case ValueKind::jsonb:
      if (leaf.string_annotation) {
        return LeafType::of(PhysicalType::byte_array, {}, string_type, ConvertedType::utf8);
      }
      return LeafType::of(PhysicalType::byte_array, {}, json_type, ConvertedType::json);
    case ValueKind::numeric_text:
    case ValueKind::text:
    case ValueKind::server_text:
      return LeafType::of(PhysicalType::byte_array, {}, string_type, ConvertedType::utf8);
  }
  fail(ErrorKind::internal, "unknown value kind");
}

template <typename Policy>
std::unique_ptr<PrimitiveColumnWriter> writer(Policy policy, LeafSchema schema,
                                              const ColumnWriterSettings& settings) {
  return std::make_unique<StandardColumnWriter<Policy>>(std::move(policy), std::move(schema),
                                                        settings);
}

std::unique_ptr<PrimitiveColumnWriter> make_leaf(const LeafPlan& leaf, LeafSchema schema,
                                                 const ColumnWriterSettings& settings) {
  LeafType type = leaf_type(leaf);
  schema.type_length = type.type_length;
  schema.logical_type = type.logical;
  schema.converted_type = type.converted;
  if (leaf.kind == ValueKind::decimal) {
    // Also in the legacy SchemaElement fields, for readers that predate LogicalType.
    schema.decimal_precision = leaf.decimal_precision;
    schema.decimal_scale = leaf.decimal_scale;
  }
  switch (leaf.kind) {
    case ValueKind::boolean:
      return writer(policy::BoolFromBool{}, std::move(schema), settings);
    case ValueKind::int16:
      return writer(policy::Int32FromInt2{}, std::move(schema), settings);
    case ValueKind::int32:
      return writer(policy::Int32FromInt4{}, std::move(schema), settings);
    case ValueKind::int64:
      return writer(policy::Int64FromInt8{}, std::move(schema), settings);
    case ValueKind::oid:
      return writer(policy::Int64FromOid{}, std::move(schema), settings);
    case ValueKind::float4:
      return writer(policy::FloatFromFloat4{}, std::move(schema), settings);
    case ValueKind::float8:
      return writer(policy::DoubleFromFloat8{}, std::move(schema), settings);
    case ValueKind::decimal:
      if (type.physical == PhysicalType::int32) {
        policy::Int32DecimalFromNumeric policy;
        policy.precision = leaf.decimal_precision;
        policy.scale = leaf.decimal_scale;
        return writer(std::move(policy), std::move(schema), settings);
      }
      if (type.physical == PhysicalType::int64) {
        policy::Int64DecimalFromNumeric policy;
        policy.precision = leaf.decimal_precision;
        policy.scale = leaf.decimal_scale;
        return writer(std::move(policy), std::move(schema), settings);
      } else {
        policy::FixedDecimalFromNumeric policy;
        policy.precision = leaf.decimal_precision;
        policy.scale = leaf.decimal_scale;
        policy.width = *type.type_length;
        return writer(std::move(policy), std::move(schema), settings);
      }
    case ValueKind::numeric_text:
      return writer(policy::TextFromNumeric{}, std::move(schema), settings);
    case ValueKind::uuid:
      return writer(policy::UuidFromUuid{}, std::move(schema), settings);
    case ValueKind::date:
      return writer(policy::DateFromDate{}, std::move(schema), settings);
    case ValueKind::time:
      return writer(policy::TimeFromTime{}, std::move(schema), settings);
    case ValueKind::timestamp:
    case ValueKind::timestamptz:
      return writer(policy::TimestampFromTimestamp{}, std::move(schema), settings);
    case ValueKind::jsonb:
      return writer(policy::TextFromJsonb{}, std::move(schema), settings);
    case ValueKind::bytea:
    case ValueKind::text:
    case ValueKind::enumeration:
    case ValueKind::json:
    case ValueKind::server_text:
      return writer(policy::BytesAsIs{}, std::move(schema), settings);
  }
  fail(ErrorKind::internal, "unknown value kind");
}

std::string physical_name(PhysicalType type) {
  switch (type) {
    case PhysicalType::boolean:
      return "BOOLEAN";
    case PhysicalType::int32:
      return "INT32";
    case PhysicalType::int64:
      return "INT64";
    case PhysicalType::float_:
      return "FLOAT";
    case PhysicalType::double_:
      return "DOUBLE";
    case PhysicalType::byte_array:
      return "BYTE_ARRAY";
    case PhysicalType::fixed_len_byte_array:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN";
}

nlohmann::json logical_name(const std::optional<LogicalType>& type) {
  if (!type) return nullptr;
  switch (type->kind) {
    case Kind::string:
      return "STRING";
    case Kind::map:
      return "MAP";
    case Kind::list:
      return "LIST";
    case Kind::enumeration:
      return "ENUM";
    case Kind::decimal:
      return fmt::format("DECIMAL({},{})", type->decimal_precision, type->decimal_scale);
    case Kind::date:
      return "DATE";
    case Kind::time:
      return fmt::format("TIME(MICROS,isAdjustedToUTC={})", type->adjusted_to_utc);
    case Kind::timestamp:
      return fmt::format("TIMESTAMP(MICROS,isAdjustedToUTC={})", type->adjusted_to_utc);
    case Kind::integer:
      return fmt::format("INT({},{})", type->integer_bit_width, type->integer_signed);
    case Kind::json:
      return "JSON";
    case Kind::uuid:
      return "UUID";
  }
  return nullptr;
}

std::string short_type_name(const LeafPlan& leaf) {
  switch (leaf.kind) {
    case ValueKind::boolean:
      return "boolean";
    case ValueKind::int16:
      return "int16";
    case ValueKind::int32:
      return "int32";
    case ValueKind::int64:
    case ValueKind::oid:
      return "int64";
    case ValueKind::float4:
      return "float";
    case ValueKind::float8:
      return "double";
    case ValueKind::decimal:
      return fmt::format("decimal({},{})", leaf.decimal_precision, leaf.decimal_scale);
    case ValueKind::uuid:
      return "uuid";
    case ValueKind::date:
      return "date";
    case ValueKind::time:
      return "time";
    case ValueKind::timestamp:
      return "timestamp";
    case ValueKind::timestamptz:
      return "timestamptz";
    case ValueKind::bytea:
      return "binary";
    case ValueKind::enumeration:
      return "enum";
    case ValueKind::json:
    case ValueKind::jsonb:
      return "json";
    case ValueKind::numeric_text:
    case ValueKind::text:
    case ValueKind::server_text:
      return "string";
  }
  return "unknown";
}

nlohmann::json describe_leaf(const LeafPlan& leaf) {
  LeafType type = leaf_type(leaf);
  nlohmann::json description = {
      {"type", short_type_name(leaf)},
      {"parquet_physical_type", physical_name(type.physical)},
      {"parquet_logical_type", logical_name(type.logical)},
      {"exact_text", leaf.kind == ValueKind::numeric_text || leaf.kind == ValueKind::server_text},
  };
  if (type.type_length) description["parquet_type_length"] = *type.type_length;
  // PostgreSQL's infinities are stored as its own sentinels; readers need to know.
  if (leaf.kind == ValueKind::date) {
    description["infinity"] = {{"-infinity", pg_binary::kDateMinusInfinity},
                               {"infinity", pg_binary::kDateInfinity}};
  } else if (leaf.kind == ValueKind::timestamp || leaf.kind == ValueKind::timestamptz) {
    description["infinity"] = {{"-infinity", pg_binary::kTimestampMinusInfinity},
                               {"infinity", pg_binary::kTimestampInfinity}};
  }
  return description;
}

}  // namespace

std::string_view profile_name(ParquetProfile profile) {
  return profile == ParquetProfile::exact ? "exact" : "portable";
}

std::optional<ParquetProfile> parse_profile(std::string_view name) {
  if (name == "portable") return ParquetProfile::portable;
  if (name == "exact") return ParquetProfile::exact;
  return std::nullopt;
}

ColumnPlan plan_column(const pg::Column& column, const MappingOptions& options) {
  ColumnPlan plan;
  const std::string name = pg::quote_identifier(column.name);
  const pg::TypeDesc& type = column.type;
  if (!column.text_fallback.empty()) {
    // A value of this column has no typed form: the whole column is the server's text.
    plan.leaf = {ValueKind::server_text};
    plan.select_expression = name + "::pg_catalog.text";
    return plan;
  }
  if (type.kind == pg::TypeKind::array && type.element && !options.arrays_as_text) {
    pg::TypeDesc element = *type.element;
    // The column's type modifier applies to its elements (numeric(10,2)[]).
    if (element.typmod < 0) element.typmod = type.typmod;
    plan.is_list = true;
    if (auto leaf = native_leaf(element, options)) {
      plan.leaf = *leaf;
      plan.select_expression = name;
      plan.element_oids = {element.oid, element.declared_oid};
    } else {
      // Each element rendered as text by the server, keeping the array's shape.
      plan.leaf = {ValueKind::server_text};
      plan.select_expression = name + "::pg_catalog.text[]";
      plan.element_oids = {pg::oid::kText};
    }
    return plan;
  }
  if (auto leaf = native_leaf(type, options)) {
    plan.leaf = *leaf;
    plan.select_expression = name;
  } else {
    plan.leaf = {ValueKind::server_text};
    plan.select_expression = name + "::pg_catalog.text";
  }
  return plan;
}

std::unique_ptr<ColumnWriter> make_column_writer(const pg::Column& column, const ColumnPlan& plan,
                                                 const ColumnWriterSettings& settings) {
  const bool nullable = !column.not_null;
  LeafSchema schema;
  if (!plan.is_list) {
    schema.path = {column.name};
    schema.repetition = nullable ? Repetition::optional : Repetition::required;
    schema.max_definition_level = nullable ? 1 : 0;
    return make_leaf(plan.leaf, std::move(schema), settings);
  }
  // Array elements are always nullable: PostgreSQL has no NOT NULL for elements.
  schema.path = {column.name, "list", "element"};
  schema.repetition = Repetition::optional;
  schema.max_definition_level = ListColumnWriter::element_definition_level(nullable);
  schema.max_repetition_level = 1;
  return std::make_unique<ListColumnWriter>(
      column.name, nullable, make_leaf(plan.leaf, std::move(schema), settings), plan.element_oids);
}

nlohmann::json describe_plan(const ColumnPlan& plan) {
  if (!plan.is_list) return describe_leaf(plan.leaf);
  return {
      {"type", "list"},
      {"parquet_physical_type", nullptr},
      {"parquet_logical_type", "LIST"},
      {"exact_text", false},
      {"element", describe_leaf(plan.leaf)},
  };
}

}  // namespace pgexport::format::parquet
