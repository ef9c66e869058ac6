#include "pg/replication/slot_admin.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "pg/server_version.hpp"
#include "pg/types.hpp"

namespace pgexport::pg::replication {

namespace {

// pg_replication_slots.wal_status and publish_via_partition_root are PostgreSQL 13's.
constexpr int kWalStatusMajor = 13;
constexpr int kPublishViaRootMajor = 13;
// pg_logical_emit_message's `flush` argument is PostgreSQL 17's.
constexpr int kEmitMessageFlushMajor = 17;

// A text[] literal: every element double-quoted, with `"` and `\` escaped.
std::string text_array(const std::vector<std::string>& elements) {
  std::string literal = "{";
  for (const std::string& element : elements) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (char c : element) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

// The tables as two parallel text[] parameters: schemas, names.
std::vector<std::optional<std::string>> table_arrays(const std::vector<TableName>& tables) {
  std::vector<std::string> schemas, names;
  for (const TableName& table : tables) {
    schemas.push_back(table.schema);
    names.push_back(table.name);
  }
  return {text_array(schemas), text_array(names)};
}

// The pg_class oid of a table (plain or partitioned), as text; database_error if none.
std::string table_oid(Connection& connection, const TableName& table) {
  Result result = connection.exec_params(
      "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 "
      "AND c.relkind IN ('r', 'p')",
      {table.schema, table.name});
  if (result.rows() != 1) {
    fail(ErrorKind::database_error, "table {} does not exist (or is not a table)",
         table.display_name());
  }
  return result.text(0, 0);
}

std::optional<Lsn> optional_lsn(const Result& result, int row, int column) {
  if (result.is_null(row, column)) return std::nullopt;
  return Lsn::parse(result.value(row, column));
}

}  // namespace

std::string TableName::qualified_sql() const {
  return quote_identifier(schema) + "." + quote_identifier(name);
}

std::optional<SlotInfo> slot_info(Connection& connection, const std::string& name) {
  bool has_wal_status = major_version(connection.server_version()) >= kWalStatusMajor;
  Result result = connection.exec_params(
      fmt::format(
          "SELECT s.slot_type, s.plugin, s.database, s.active, s.active_pid, "
          "s.restart_lsn::pg_catalog.text, s.confirmed_flush_lsn::pg_catalog.text, {}, "
          // A standby writes no WAL of its own: it keeps WAL up to its replay position.
          "pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery() "
          "THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_lsn() END, "
          "s.restart_lsn)::pg_catalog.int8 "
          "FROM pg_catalog.pg_replication_slots s WHERE s.slot_name = $1",
          has_wal_status ? "s.wal_status" : "NULL::pg_catalog.text"),
      {name});
  if (result.rows() == 0) return std::nullopt;
  SlotInfo info;
  info.slot_type = result.text(0, 0);
  info.plugin = result.text(0, 1);  // empty when null
  info.database = result.text(0, 2);
  info.active = result.boolean(0, 3);
  if (!result.is_null(0, 4)) info.active_pid = static_cast<int>(result.integer(0, 4));
  info.restart_lsn = optional_lsn(result, 0, 5);
  info.confirmed_flush_lsn = optional_lsn(result, 0, 6);
  if (!result.is_null(0, 7)) info.wal_status = result.text(0, 7);
  if (!result.is_null(0, 8)) {
    long long bytes = result.integer(0, 8);
    info.retained_wal_bytes = static_cast<uint64_t>(bytes < 0 ? 0 : bytes);
  }
  return info;
}

bool drop_slot(Connection& connection, const std::string& name) {
  Result result =
      connection.try_exec_params("SELECT pg_catalog.pg_drop_replication_slot($1)", {name});
  if (result.ok()) return true;
  std::string sqlstate = result.sqlstate();
  // 42704 undefined_object: "replication slot "x" does not exist".
  if (sqlstate == "42704") return false;
  // 55006 object_in_use: "replication slot "x" is active for PID 1234".
  if (sqlstate == "55006") {
    fail(ErrorKind::slot_busy,
         "cannot drop replication slot {}: {}; stop the `pgexport cdc run` (or other client) "
         "streaming from it first",
         name, first_line(PQresultErrorField(result.native(), PG_DIAG_MESSAGE_PRIMARY)));
  }
  fail_statement("dropping a replication slot", connection.purpose(), result.native());
}

void create_publication(Connection& connection, const std::string& name,
                        const std::vector<TableName>& tables) {
  bool via_root = major_version(connection.server_version()) >= kPublishViaRootMajor;
  if (!via_root && !tables.empty()) {
    Result partitioned = connection.exec_params(
        "SELECT t.schema_name, t.table_name FROM ROWS FROM ("
        "pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) "
        "AS t(schema_name, table_name) JOIN pg_catalog.pg_namespace n "
        "ON n.nspname = t.schema_name JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid "
        "AND c.relname = t.table_name WHERE c.relkind = 'p' LIMIT 1",
        table_arrays(tables));
    if (partitioned.rows() > 0) {
      fail(ErrorKind::usage,
           "PostgreSQL 12 cannot publish the partitioned table {}.{} for change data capture; "
           "exclude it, or capture changes from PostgreSQL 13 or later",
           partitioned.text(0, 0), partitioned.text(0, 1));
    }
  }
  std::string sql = "CREATE PUBLICATION " + quote_identifier(name);
  for (size_t i = 0; i < tables.size(); ++i) {
    // ONLY: exactly the tables listed, not the inheritance children of one (a child is a
    // table of its own in the export). The partitions of a partitioned table are published
    // with it all the same.
    sql += (i == 0 ? " FOR TABLE ONLY " : ", ONLY ") + tables[i].qualified_sql();
  }
  if (via_root) sql += " WITH (publish_via_partition_root = true)";
  connection.exec(sql);
}

void drop_publication(Connection& connection, const std::string& name) {
  connection.exec("DROP PUBLICATION IF EXISTS " + quote_identifier(name));
}

std::optional<std::vector<TableName>> publication_tables(Connection& connection,
                                                         const std::string& name) {
  Result exists =
      connection.exec_params("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1", {name});
  if (exists.rows() == 0) return std::nullopt;
  Result result = connection.exec_params(
      "SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = $1 "
      "ORDER BY schemaname, tablename",
      {name});
  std::vector<TableName> tables;
  for (int row = 0; row < result.rows(); ++row) {
    tables.push_back({result.text(row, 0), result.text(row, 1)});
  }
  return tables;
}

std::vector<MissingReplicaIdentity> tables_without_replica_identity(
    Connection& connection, const std::vector<TableName>& tables) {
  if (tables.empty()) return {};
  // Each table itself, or a partitioned table's leaves: the server checks the replica identity
  // of the relation an UPDATE or DELETE changes. (pg_partition_tree lists nothing for a table
  // outside any partition tree, hence the two branches.) Foreign partitions are not
  // published, so not checked.
  Result result = connection.exec_params(
      "WITH wanted AS ("
      " SELECT t.position, t.schema_name, t.table_name, c.oid, c.relkind"
      " FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
      "  pg_catalog.unnest($2::pg_catalog.text[]))"
      "  WITH ORDINALITY AS t(schema_name, table_name, position)"
      " LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name"
      " LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name"
      "  AND c.relkind IN ('r', 'p'))"
      "SELECT w.schema_name, w.table_name, w.oid IS NULL, ln.nspname, lc.relname,"
      " lc.relreplident,"
      " EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = lc.oid AND i.indisprimary),"
      " EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = lc.oid"
      "  AND i.indisreplident AND i.indisvalid)"
      " FROM wanted w"
      " LEFT JOIN LATERAL (SELECT w.oid AS relid WHERE w.relkind = 'r'"
      "  UNION ALL SELECT p.relid FROM pg_catalog.pg_partition_tree(w.oid) p"
      "  WHERE w.relkind = 'p' AND p.isleaf) leaf ON true"
      " LEFT JOIN pg_catalog.pg_class lc ON lc.oid = leaf.relid AND lc.relkind = 'r'"
      " LEFT JOIN pg_catalog.pg_namespace ln ON ln.oid = lc.relnamespace"
      " ORDER BY w.position, ln.nspname, lc.relname",
      table_arrays(tables));
  std::vector<MissingReplicaIdentity> missing;
  for (int row = 0; row < result.rows(); ++row) {
    if (result.boolean(row, 2)) {
      fail(ErrorKind::database_error, "table {}.{} does not exist (or is not a table)",
           result.text(row, 0), result.text(row, 1));
    }
    if (result.is_null(row, 4)) continue;  // a partitioned table without partitions
    TableName relation{result.text(row, 3), result.text(row, 4)};
    TableName published{result.text(row, 0), result.text(row, 1)};
    char identity = result.value(row, 5).empty() ? 'd' : result.value(row, 5)[0];
    bool has_primary_key = result.boolean(row, 6);
    bool has_identity_index = result.boolean(row, 7);
    switch (identity) {
      case 'f':
        break;
      case 'n':
        missing.push_back({relation, published, "replica identity nothing"});
        break;
      case 'i':
        if (!has_identity_index) {
          missing.push_back({relation, published, "its replica identity index is gone or invalid"});
        }
        break;
      default:  // 'd'
        if (!has_primary_key) missing.push_back({relation, published, "no primary key"});
        break;
    }
  }
  return missing;
}

void set_replica_identity_full(Connection& connection, const TableName& table) {
  std::string oid = table_oid(connection, table);
  // The table and every partition below it, the table first. ALTER TABLE ... REPLICA
  // IDENTITY does not recurse into partitions, and the server checks each partition's own.
  // (pg_partition_tree lists nothing for a table outside any partition tree.)
  Result relations = connection.exec_params(
      "SELECT n.nspname, c.relname FROM (SELECT $1::pg_catalog.oid AS relid, 0 AS level "
      " UNION SELECT p.relid, p.level FROM pg_catalog.pg_partition_tree($1::pg_catalog.oid) p) "
      " AS tree JOIN pg_catalog.pg_class c ON c.oid = tree.relid "
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') "
      "ORDER BY tree.level, n.nspname, c.relname",
      {oid});
  connection.exec("BEGIN");
  try {
    for (int row = 0; row < relations.rows(); ++row) {
      TableName relation{relations.text(row, 0), relations.text(row, 1)};
      connection.exec("ALTER TABLE ONLY " + relation.qualified_sql() + " REPLICA IDENTITY FULL");
    }
    connection.exec("COMMIT");
  } catch (...) {
    connection.try_exec("ROLLBACK");
    throw;
  }
}

Lsn emit_heartbeat(Connection& connection, const std::string& prefix) {
  bool flush = major_version(connection.server_version()) >= kEmitMessageFlushMajor;
  Result result = connection.exec_params(
      fmt::format("SELECT pg_catalog.pg_logical_emit_message(false, $1, ''::pg_catalog.text{})"
                  "::pg_catalog.text",
                  flush ? ", true" : ""),
      {prefix});
  return Lsn::parse(result.value(0, 0));
}

}  // namespace pgexport::pg::replication
