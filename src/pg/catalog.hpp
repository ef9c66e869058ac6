// Reads which tables exist and what their columns are, inside the export's snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
  Oid oid = 0;                // pg_class.oid
};

// How a reader (and logical replication) identifies one row of a table, so a warehouse can
// MERGE changes: the replica identity index when one is set, else the primary key, else the
// whole row under REPLICA IDENTITY FULL; `none` when rows cannot be identified.
struct TableKey {
  enum class Kind { primary_key, replica_identity_index, full_row, none };
  Kind kind = Kind::none;
  std::vector<std::string> columns;  // in index order; empty for full_row and none
};

// "primary key", "replica identity index", "full row", "none": as manifests and logs write it.
std::string_view table_key_kind_name(TableKey::Kind kind);

struct CatalogTable {
  TableSchema schema;
  TableKey key;
  bool partitioned = false;
  // The relations to read: the table itself, or every leaf partition of a partitioned table.
  std::vector<DataRelation> relations;
  Oid oid = 0;  // pg_class.oid of the table itself (the parent, for a partitioned table)
};

struct TableFilter {
  // Glob patterns (* and ?) over "schema.table"; a pattern without a dot matches the table name
  // in any schema. An empty include list means every table.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

// True when `name` matches the glob `pattern` (* = any run, ? = one character).
bool glob_match(std::string_view pattern, std::string_view name);

// Whether read_tables() measures each relation. pg_relation_size() opens the relation and so
// waits behind any lock that conflicts with ACCESS SHARE (a TRUNCATE in progress), with no
// bound: read sizes only once the tables are locked.
enum class RelationSizes { skip, read };

// Every user table of every non-system schema that passes the filter, in schema/name order,
// with its data relations (leaf partitions found through pg_inherits, so that in a snapshot
// the tree is the snapshot's, not the live catalog's) but without columns. Tables that belong
// to extensions are skipped (they are recreated by CREATE EXTENSION). Throws
// nothing_to_export when an include pattern matches no table, or no table is left.
std::vector<CatalogTable> read_tables(Connection& connection, const TableFilter& filter,
                                      RelationSizes sizes);

// read_tables() with sizes, and every table's columns with their types and its key.

std::vector<CatalogTable> read_catalog(Connection& connection, const TableFilter& filter);

// Describes column types known only by type oid and typmod (a replication stream's Relation
// messages) exactly as read_catalog() describes a table's columns: domains resolved to their
// base types, arrays with their element type, names from format_type(). pg_type is read once;
// a type created after that (CREATE TYPE, then ALTER TABLE ... ADD COLUMN of it) is found by
// reading it again.
class TypeCatalog {
 public:
  explicit TypeCatalog(Connection& connection);
  ~TypeCatalog();
  TypeCatalog(const TypeCatalog&) = delete;
  TypeCatalog& operator=(const TypeCatalog&) = delete;

  // Throws database_error when the type does not exist (it was dropped since).
  TypeDesc describe(Oid type_oid, int32_t typmod);

 private:
  class Resolver;
  Connection& connection_;
  std::unique_ptr<Resolver> resolver_;
};

// Whether the connection's role can read every row of one relation.
struct RelationAccess {
  std::string display_name;  // schema.name
  std::string partition_of;  // the exported table, for a leaf partition; else empty
  // SELECT on the relation and USAGE on its schema: what LOCK ... IN ACCESS SHARE MODE and
  // COPY need (LOCK checks the table's own privilege, not column privileges).
  bool can_select = true;
  // Row-level security is enabled and the role is neither superuser, nor BYPASSRLS, nor the
  // owner (or it is the owner and FORCE ROW LEVEL SECURITY is set): the policy would filter
  // the rows, which with row_security = off is an error at COPY time.
  bool row_security_applies = false;
};

// The one-line message for relations the role `role` cannot read completely, naming each and
// what to do; nullopt when every relation is readable.
std::optional<std::string> describe_access_problems(const std::vector<RelationAccess>& access,
                                                    std::string_view role);

// Checks, before anything is locked or written, that the connection's role may read every
// row of every relation of `tables` (and SELECT the partitioned parents, which are locked);
// throws insufficient_privilege naming the relations otherwise.
void check_read_access(Connection& connection, const std::vector<CatalogTable>& tables);

}  // namespace pgexport::pg
