// One consistent view of the database for every connection of an export: a coordinator
// exports its snapshot and holds it open; each worker imports it before reading.
#pragma once

#include <optional>
#include <string>

#include "pg/connection.hpp"

namespace pgexport::pg {

struct SnapshotInfo {
  std::string snapshot_id;             // pg_export_snapshot(), e.g. "00000003-0000001B-1"
  std::string txid_snapshot;           // xmin:xmax:xip-list, for readers and for CDC hand-off
  std::optional<std::string> wal_lsn;  // pg_current_wal_lsn() (absent on a standby)
  std::string database;
  std::string server_version;  // server_version setting, e.g. "16.4"
  int server_version_num = 0;  // PQserverVersion(), e.g. 160004
};

// Session settings every export connection uses, so that text renderings are exact and do not
// depend on server or role defaults (ISO dates, UTC, shortest-exact floats, hex bytea), no
// timeout of a role or database ends a long export (statement, idle in transaction, idle
// session), and row-level security that would hide rows is an error (row_security = off).
// Throws usage when the server is older than pgexport supports (check_supported_server).
void apply_export_session_settings(Connection& connection);

// Exports the snapshot of the REPEATABLE READ transaction open on `coordinator`, which must
// not have taken its snapshot yet: this is its first query, so the snapshot is taken now
// (after the locks; see locked_snapshot.hpp). The transaction must stay open until every
// worker has imported the snapshot.
SnapshotInfo export_snapshot(Connection& coordinator);

// In `coordinator`'s open transaction that has not taken a snapshot yet: adopts the snapshot
// `snapshot_id` exported by another session (SET TRANSACTION SNAPSHOT) and describes it as
// export_snapshot() does; workers import the same id.
SnapshotInfo adopt_snapshot(Connection& coordinator, const std::string& snapshot_id);

// Begins a REPEATABLE READ, READ ONLY transaction that sees exactly `snapshot_id`.
void import_snapshot(Connection& worker, const std::string& snapshot_id);

}  // namespace pgexport::pg
