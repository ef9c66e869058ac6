#include "pg/snapshot.hpp"

#include "common/error.hpp"

namespace pgexport::pg {

void apply_export_session_settings(Connection& connection) {
  // statement_timeout/idle timeouts set by a role would kill a long COPY half way through.
  connection.exec(
      "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC';"
      "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET client_encoding = 'UTF8';"
      "SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0;");
}

SnapshotInfo begin_exported_snapshot(Connection& coordinator) {
  coordinator.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  auto result = coordinator.exec(
      "SELECT pg_export_snapshot(), txid_current_snapshot()::text, "
      "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END, "
      "current_database(), current_setting('server_version')");
  SnapshotInfo info;
  info.snapshot_id = result.text(0, 0);
  info.txid_snapshot = result.text(0, 1);
  if (!result.is_null(0, 2)) info.wal_lsn = result.text(0, 2);
  info.database = result.text(0, 3);
  info.server_version = result.text(0, 4);
  return info;
}

void import_snapshot(Connection& worker, const std::string& snapshot_id) {
  worker.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  // The id comes from the server itself, but quote it anyway: it is interpolated into SQL.
  std::string quoted;
  for (char c : snapshot_id) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  worker.exec("SET TRANSACTION SNAPSHOT '" + quoted + "'");
}

}  // namespace pgexport::pg
