// The Delta schema of an exported table: each PostgreSQL column as the Delta type of the
// Parquet column pgexport writes for it (portable profile), so the table's schemaString always
// describes the files exactly. docs/delta.md has the mapping as a table.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "format/parquet/type_mapping.hpp"
#include "pg/types.hpp"

namespace pgexport::table::delta {

// The Delta type of one Parquet column plan: a primitive type name ("long", "decimal(12,2)",
// "timestamp_ntz") or an array type object. Throws usage for the exact profile's UUID and TIME
// columns, which Delta has no type for.
nlohmann::ordered_json delta_type(const format::parquet::ColumnPlan& plan);

// {"type":"struct","fields":[{"name","type","nullable","metadata":{}}...]}
nlohmann::ordered_json delta_schema(const pg::TableSchema& table,
                                    const format::parquet::MappingOptions& mapping);

// Whether a schema holds a timestamp_ntz anywhere, which needs the timestampNtz table feature.
bool uses_timestamp_ntz(const nlohmann::ordered_json& type);

}  // namespace pgexport::table::delta
