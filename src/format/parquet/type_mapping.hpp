// How each PostgreSQL column becomes a Parquet column (docs/types.md is the user-facing form of
// this file): the decision is made once per column from the catalog, before any row is seen,
// and fixes the SELECT expression, the Parquet schema and the value conversion.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/parquet/column_writer.hpp"
#include "pg/types.hpp"

namespace pgexport::format::parquet {

// Which (physical, logical) type pairs the files may hold (docs/types.md, "Reader profiles").
enum class ParquetProfile {
  // Only pairs that Spark, Trino/Athena, Redshift Spectrum, Snowflake, DuckDB and pandas all
  // read: uuid and time become PostgreSQL's text (Spark up to 4.0 rejects UUID, before 4.1
  // TIME), enum and json values carry STRING instead of ENUM and JSON.
  portable,
  // The richest mapping: UUID, TIME, ENUM and JSON annotations, for DuckDB, Arrow and pandas.
  exact,
};

// "portable" / "exact", as --parquet-profile and the manifest's format_options spell them.
std::string_view profile_name(ParquetProfile profile);
// The profile `name` spells; nullopt for any other text.
std::optional<ParquetProfile> parse_profile(std::string_view name);

struct MappingOptions {
  ParquetProfile profile = ParquetProfile::portable;
  // Write every numeric as PostgreSQL's exact text instead of DECIMAL, for tables whose
  // numeric(p,s) columns hold NaN (which DECIMAL cannot).
  bool numeric_as_text = false;
  // Write every array as PostgreSQL's exact text instead of LIST, for tables with
  // multi-dimensional arrays or arrays whose lower bound is not 1 (which LIST cannot keep).
  bool arrays_as_text = false;
  // Write every timestamp and timestamptz as PostgreSQL's exact text instead of TIMESTAMP, for
  // tables with finite timestamps after 294247-01-10 (which INT64 Unix microseconds cannot
  // hold; PostgreSQL goes to 294276 AD).
  bool timestamps_as_text = false;
};

// What one PostgreSQL value becomes, and how its binary form is decoded.
enum class ValueKind {
  boolean,       // BOOLEAN
  int16,         // INT32, INT(16, signed)
  int32,         // INT32, INT(32, signed)
  int64,         // INT64, INT(64, signed)
  oid,           // INT64, INT(64, signed): unsigned 32-bit values, widened
  float4,        // FLOAT, bit for bit
  float8,        // DOUBLE, bit for bit
  decimal,       // DECIMAL(p,s) on INT32 / INT64 / FIXED_LEN_BYTE_ARRAY
  numeric_text,  // STRING: numeric's exact text, decoded from binary (NaN, Infinity kept)
  uuid,          // FIXED_LEN_BYTE_ARRAY(16), UUID (exact profile; portable: server_text)
  date,          // INT32, DATE
  time,          // INT64, TIME(MICROS, local) (exact profile; portable: server_text)
  timestamp,     // INT64, TIMESTAMP(MICROS, local)
  timestamptz,   // INT64, TIMESTAMP(MICROS, UTC)
  bytea,         // BYTE_ARRAY, no annotation
  text,          // BYTE_ARRAY, STRING: text, varchar, bpchar, name
  enumeration,   // BYTE_ARRAY, ENUM (portable: STRING): the label
  json,          // BYTE_ARRAY, JSON (portable: STRING)
  jsonb,         // BYTE_ARRAY, JSON (portable: STRING): jsonb's text
  server_text,   // BYTE_ARRAY, STRING: cast to text by the server (exact PostgreSQL text)
};

struct LeafPlan {
  ValueKind kind = ValueKind::server_text;
  int decimal_precision = 0;  // decimal only: the Parquet precision and scale
  int decimal_scale = 0;
  // enumeration, json and jsonb only: annotate the value as STRING (UTF8) rather than ENUM or
  // JSON, as the portable profile wants.
  bool string_annotation = false;
};

struct ColumnPlan {
  bool is_list = false;  // a one-dimensional array as LIST of `leaf`
  LeafPlan leaf;         // the column's values, or a list's elements
  // The SELECT expression for COPY: the quoted name, with ::pg_catalog.text or ::pg_catalog.text[]
  // when the server must render values as text.
  std::string select_expression;
  // Element type oids the server may send in an array (the element, its domain, or text).
  std::vector<uint32_t> element_oids;
};

ColumnPlan plan_column(const pg::Column& column, const MappingOptions& options);

// Builds the writer subtree for one column.
std::unique_ptr<ColumnWriter> make_column_writer(const pg::Column& column, const ColumnPlan& plan,
                                                 const ColumnWriterSettings& settings);

// The column's Parquet representation for the manifest and the file's pgexport.columns
// metadata, for example
//   {"type": "timestamp", "parquet_physical_type": "INT64",
//    "parquet_logical_type": "TIMESTAMP(MICROS,isAdjustedToUTC=true)", "exact_text": false,
//    "infinity": {"-infinity": -9223372036854775808, "infinity": 9223372036854775807}}
nlohmann::json describe_plan(const ColumnPlan& plan);

}  // namespace pgexport::format::parquet
