// Administration of what change data capture keeps on the server, over an ordinary
// pg::Connection: its logical replication slot (state and retained WAL), its publication, the
// replica identity of the published tables (without one, UPDATE and DELETE fail once a table
// is published), and heartbeats that let the slot advance on an idle database. Every catalog
// object is qualified with pg_catalog.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection.hpp"
#include "pg/replication/lsn.hpp"

namespace pgexport::pg::replication {

// A table by schema and name, as the user and the catalog spell them (unquoted).
struct TableName {
  std::string schema;
  std::string name;

  // "schema"."name", quoted for SQL.
  std::string qualified_sql() const;
  // schema.name, for humans.
  std::string display_name() const { return schema + "." + name; }
  friend bool operator==(const TableName&, const TableName&) = default;
};

// A row of pg_replication_slots, with the WAL the slot keeps.
struct SlotInfo {
  std::string slot_type;  // "logical" or "physical"
  std::string plugin;     // the output plugin ("pgoutput"); empty for a physical slot
  std::string database;   // the database of a logical slot
  bool active = false;    // a process is streaming from it
  std::optional<int> active_pid;
  std::optional<Lsn> restart_lsn;          // the oldest WAL the slot may still need
  std::optional<Lsn> confirmed_flush_lsn;  // the client confirmed everything before this
  // PostgreSQL 13+: "reserved", "extended", "unreserved" or "lost" (invalidated by
  // max_slot_wal_keep_size); nullopt on 12, which has no such limit.
  std::optional<std::string> wal_status;
  // Bytes of WAL the slot keeps on the server's disk: the current WAL position (the replay
  // position on a standby) minus restart_lsn; nullopt without a restart_lsn.
  std::optional<uint64_t> retained_wal_bytes;
};

// The slot named `name`, or nullopt when there is none.
std::optional<SlotInfo> slot_info(Connection& connection, const std::string& name);

// Drops the slot; false when it did not exist. A slot a process is streaming from is not
// dropped: slot_busy, naming that process.
bool drop_slot(Connection& connection, const std::string& name);

// CREATE PUBLICATION `name` FOR TABLE `tables` (quoted), for every operation; no table
// creates a publication of nothing. From PostgreSQL 13 on with publish_via_partition_root =
// true, so the changes of a partitioned table arrive under its own name (as the full export
// writes it), not under the partition's; PostgreSQL 12 cannot publish a partitioned table
// at all: usage, naming it.
void create_publication(Connection& connection, const std::string& name,
                        const std::vector<TableName>& tables);

// DROP PUBLICATION IF EXISTS.
void drop_publication(Connection& connection, const std::string& name);

// The tables the publication publishes, by schema and name; nullopt when there is no such
// publication.
std::optional<std::vector<TableName>> publication_tables(Connection& connection,
                                                         const std::string& name);

// A table whose UPDATE and DELETE the server refuses once it is published.
struct MissingReplicaIdentity {
  TableName table;      // the relation itself: a partition, for a partitioned table
  TableName published;  // the table as listed: the partition's partitioned table
  std::string reason;   // "no primary key", "replica identity nothing", ...
};

// Of `tables`, the relations that have no usable replica identity: the default identity with
// no primary key, identity `nothing`, or an identity index that is gone or invalid.
// REPLICA IDENTITY FULL and a valid identity index are fine. The server checks the relation
// that is changed, so a partitioned table is checked partition by partition (its leaves
// are listed, not the table). Throws database_error for a table that does not exist.
std::vector<MissingReplicaIdentity> tables_without_replica_identity(
    Connection& connection, const std::vector<TableName>& tables);

// ALTER TABLE ... REPLICA IDENTITY FULL on the table and, for a partitioned table, on every
// partition, in one transaction. Each ALTER takes an ACCESS EXCLUSIVE lock for a moment;
// afterwards every UPDATE and DELETE writes the whole old row to the WAL.
void set_replica_identity_full(Connection& connection, const TableName& table);

// Writes a non-transactional logical message with `prefix` and empty content to the WAL and
// returns its LSN. A slot streaming with `messages` (PostgreSQL 14+) receives it at once as a
// LogicalMessage; confirming it lets the slot's confirmed_flush_lsn and restart_lsn move even
// when no published table changes. From PostgreSQL 17 the message is flushed at once;
// before, within wal_writer_delay (200 ms by default).
Lsn emit_heartbeat(Connection& connection, const std::string& prefix);

}  // namespace pgexport::pg::replication
