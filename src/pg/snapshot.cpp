#include "pg/snapshot.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "pg/server_version.hpp"

namespace pgexport::pg {

void apply_export_session_settings(Connection& connection) {
  // First, so that an old server gets the version message, not an unknown setting's error.
  check_supported_server(connection.server_version());
  // statement_timeout and the idle timeouts set by a role or database would kill a long COPY,
  // or the coordinator idling in its transaction, half way through. lock_timeout is not here:
  // the lock step sets it for the locks only.
  // row_security = off turns a policy that would hide rows into an error instead of a silently
  // shorter table.
  std::string sql =
      "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC';"
      "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET client_encoding = 'UTF8';"
      "SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0;"
      "SET row_security = off;";
  if (has_idle_session_timeout(connection.server_version())) sql += "SET idle_session_timeout = 0;";
  connection.exec(sql);
}

namespace {

// The snapshot the transaction has just taken, described; `export_call` is the first column.
SnapshotInfo describe_snapshot(Connection& coordinator, std::string_view first_column) {
  auto result = coordinator.exec(
      fmt::format("SELECT {}, "
                  "pg_catalog.txid_current_snapshot()::pg_catalog.text, "
                  "CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL "
                  "ELSE pg_catalog.pg_current_wal_lsn()::pg_catalog.text END, "
                  "pg_catalog.current_database(), pg_catalog.current_setting('server_version')",
                  first_column));
  SnapshotInfo info;
  info.snapshot_id = result.text(0, 0);
  info.txid_snapshot = result.text(0, 1);
  if (!result.is_null(0, 2)) info.wal_lsn = result.text(0, 2);
  info.database = result.text(0, 3);
  info.server_version = result.text(0, 4);
  info.server_version_num = coordinator.server_version();
  return info;
}

std::string quote_literal(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

}  // namespace

SnapshotInfo export_snapshot(Connection& coordinator) {
  return describe_snapshot(coordinator, "pg_catalog.pg_export_snapshot()");
}

SnapshotInfo adopt_snapshot(Connection& coordinator, const std::string& snapshot_id) {
  coordinator.exec("SET TRANSACTION SNAPSHOT " + quote_literal(snapshot_id));
  return describe_snapshot(coordinator, quote_literal(snapshot_id));
}

void import_snapshot(Connection& worker, const std::string& snapshot_id) {
  worker.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  // The id comes from the server itself, but quote it anyway: it is interpolated into SQL.
  worker.exec("SET TRANSACTION SNAPSHOT " + quote_literal(snapshot_id));
}

}  // namespace pgexport::pg
