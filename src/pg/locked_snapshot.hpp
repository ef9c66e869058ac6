// The start of every full export: lock the tables, then take the snapshot, then read the
// catalog in it. In that order a TRUNCATE or a table-rewriting ALTER TABLE that commits while
// the export starts is either wholly before the snapshot (the export sees its result and any
// other change of its transaction) or waits until the export ends; it can never commit
// between the snapshot and the lock, which would leave the export reading an empty table
// (a rewritten table's new file holds no rows visible to the older snapshot).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pg/catalog.hpp"
#include "pg/connection.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::pg {

struct LockedSnapshot {
  SnapshotInfo snapshot;
  // The catalog as the snapshot sees it; every table and partition in it is locked.
  std::vector<CatalogTable> tables;
};

// How often the lock/snapshot sequence starts over when tables appear, vanish or are renamed
// while it runs: DDL that keeps racing three times in a row is not a race but a workload.
inline constexpr int kLockedSnapshotAttempts = 3;

// On `coordinator` (session settings applied, no transaction open):
//   1. checks the server version (check_supported_server, warn_if_newer_than_tested), reads
//      the live list of tables that pass `filter` and checks the role can read every row of
//      them, in transactions of their own (a SELECT in the export's transaction would take
//      its snapshot);
//   2. begins REPEATABLE READ, READ ONLY and takes ACCESS SHARE locks on those tables
//      (which lock their partitions too), waiting at most `lock_timeout` for each;
//   3. exports the transaction's snapshot and reads the catalog in it;
//   4. checks that the snapshot's tables and partitions are exactly those locked (same oids,
//      same names), and otherwise rolls back and starts over, at most
//      kLockedSnapshotAttempts times.
// The transaction stays open; commit it once every worker has imported the snapshot.
// Throws insufficient_privilege, nothing_to_export, usage (server too old) or database_error
// (a lock wait timed out; the tables kept changing).
//
// `external_snapshot`, when given, replaces step 3's own export: called once the locks are
// held, it returns the name of a snapshot exported elsewhere (change capture: the one its new
// replication slot exported), which the transaction adopts (SET TRANSACTION SNAPSHOT is
// allowed after LOCK, which takes no snapshot). Such a snapshot cannot be taken again, so a
// catalog change in between is a database_error instead of a new attempt.
using ExternalSnapshot = std::function<std::string()>;
LockedSnapshot begin_locked_snapshot(Connection& coordinator, const TableFilter& filter,
                                     std::chrono::seconds lock_timeout,
                                     const ExternalSnapshot& external_snapshot = {});

// What differs between the tables and partitions that were locked and those the snapshot's
// catalog holds, by oid: one that appeared, vanished or was renamed. nullopt when the same.
std::optional<std::string> describe_catalog_change(const std::vector<CatalogTable>& locked,
                                                   const std::vector<CatalogTable>& in_snapshot);

}  // namespace pgexport::pg
