// The columns of a run materialize writes in Parquet, as pg::Columns the Parquet encoder can plan
// (format/parquet/type_mapping): materialize has no database, only the format_type() names that
// manifests and log entries record, and, for a column of the base run, the Parquet description
// its manifest gives (`output`). A built-in name is its type (numeric(p,s) with its typmod, arrays
// of such); any other name is a type pgexport writes as text, except that the description tells
// an enum. docs/cdc.md, "Materialize in Parquet".
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "pg/types.hpp"

namespace pgexport::cdc {

// The type behind `name` (a format_type() name, a domain's base type already resolved);
// `described` is the column's Parquet description, or null when none is known.
pg::TypeDesc parquet_column_type(std::string_view name, const nlohmann::json& described);

}  // namespace pgexport::cdc
