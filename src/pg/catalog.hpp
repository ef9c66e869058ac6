// Reads which tables exist and what their columns are, inside the export's snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/connection.hpp"
#include "pg/types.hpp"

namespace pgexport::pg {

// A relation that physically holds rows: a plain table, or one leaf of a partitioned table.
struct DataRelation {
  std::string qualified_sql;  // "schema"."name", quoted
  std::string display_name;   // schema.name
  uint64_t blocks = 0;        // heap pages at planning time
  uint64_t bytes = 0;         // heap bytes at planning time
};

struct CatalogTable {
  TableSchema schema;
  bool partitioned = false;
  // The relations to read: the table itself, or every leaf partition of a partitioned table.
  std::vector<DataRelation> relations;
};

struct TableFilter {
  // Glob patterns (* and ?) over "schema.table"; a pattern without a dot matches the table name
  // in any schema. An empty include list means every table.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

// True when `name` matches the glob `pattern` (* = any run, ? = one character).
bool glob_match(std::string_view pattern, std::string_view name);

// Every user table of every non-system schema that passes the filter, in schema/name order.
// Tables that belong to extensions are skipped (they are recreated by CREATE EXTENSION).
// Throws nothing_to_export when an include pattern matches no table.
std::vector<CatalogTable> read_catalog(Connection& connection, const TableFilter& filter);

}  // namespace pgexport::pg
