#include "pg/locked_snapshot.hpp"

#include <fmt/format.h>

#include <map>

#include "common/error.hpp"
#include "common/log.hpp"
#include "pg/server_version.hpp"

namespace pgexport::pg {

namespace {

// SQLSTATEs of a LOCK TABLE whose table (or schema) is gone or renamed since the list was
// read: start over. 55P03 is the lock wait that outlasted lock_timeout.
constexpr std::string_view kUndefinedTable = "42P01";
constexpr std::string_view kInvalidSchemaName = "3F000";
constexpr std::string_view kLockNotAvailable = "55P03";

// At most this many changes are named in a message.
constexpr size_t kMaxNamedChanges = 5;

// Locks every table against DDL (ALTER, DROP, TRUNCATE, VACUUM FULL) for the life of the
// export, as pg_dump does; ordinary reads and writes are not blocked. LOCK without ONLY locks
// a partitioned table's partitions too.
//
// LOCK TABLE does not take the transaction's snapshot, so the snapshot taken by the first
// query after it sees every transaction that committed before the locks were granted.
// PostgreSQL's docs say so (Concurrency Control, "Data Consistency Checks at the Application
// Level": a repeatable read transaction's snapshot is frozen at the start of its first query
// or data-modification command, "so it is possible to obtain locks explicitly before the
// snapshot is frozen"; the LOCK page repeats it for REPEATABLE READ), and the source agrees:
// src/backend/tcop/pquery.c, PlannedStmtRequiresSnapshot() (PortalRunUtility() before
// PostgreSQL 14) lists LockStmt among the utility statements that must not set a snapshot,
// "since they need to be executable at the start of a transaction-snapshot-mode transaction
// without freezing a snapshot". SET (lock_timeout) is in the same list.
//
// Returns why the list is stale when a table vanished before its lock; throws otherwise.
std::optional<std::string> lock_tables(Connection& coordinator,
                                       const std::vector<CatalogTable>& tables,
                                       std::chrono::seconds timeout) {
  coordinator.exec(fmt::format("SET lock_timeout = '{}s'", timeout.count()));
  for (const auto& table : tables) {
    auto result = coordinator.try_exec("LOCK TABLE " + table.schema.qualified_sql() +
                                       " IN ACCESS SHARE MODE");
    if (result.ok()) continue;
    std::string sqlstate = result.sqlstate();
    if (sqlstate == kUndefinedTable || sqlstate == kInvalidSchemaName) {
      return fmt::format("{} vanished before it was locked", table.schema.display_name());
    }
    if (sqlstate == kLockNotAvailable) {
      fail(ErrorKind::database_error,
           "cannot lock table {} for reading: {} (another session holds an exclusive lock; "
           "retry later or raise --lock-timeout)",
           table.schema.display_name(), first_line(PQresultErrorMessage(result.native())));
    }
    fail_statement(fmt::format("LOCK TABLE {}", table.schema.display_name()), coordinator.purpose(),
                   result.native());
  }
  coordinator.exec("SET lock_timeout = 0");
  return std::nullopt;
}

// Every table and data relation, by oid, with its schema.name.
std::map<Oid, std::string> relation_names(const std::vector<CatalogTable>& tables) {
  std::map<Oid, std::string> names;
  for (const auto& table : tables) {
    names[table.oid] = table.schema.display_name();
    for (const auto& relation : table.relations) names[relation.oid] = relation.display_name;
  }
  return names;
}

}  // namespace

std::optional<std::string> describe_catalog_change(const std::vector<CatalogTable>& locked,
                                                   const std::vector<CatalogTable>& in_snapshot) {
  auto before = relation_names(locked);
  auto after = relation_names(in_snapshot);
  std::vector<std::string> changes;
  for (const auto& [oid, name] : after) {
    auto found = before.find(oid);
    if (found == before.end()) {
      changes.push_back(fmt::format("{} appeared", name));
    } else if (found->second != name) {
      changes.push_back(fmt::format("{} was renamed to {}", found->second, name));
    }
  }
  for (const auto& [oid, name] : before) {
    if (!after.count(oid)) changes.push_back(fmt::format("{} vanished", name));
  }
  if (changes.empty()) return std::nullopt;
  size_t named = std::min(changes.size(), kMaxNamedChanges);
  std::string text = fmt::format(
      "{}", fmt::join(changes.begin(), changes.begin() + static_cast<ptrdiff_t>(named), ", "));
  if (changes.size() > named) text += fmt::format(" and {} more", changes.size() - named);
  return text;
}

LockedSnapshot begin_locked_snapshot(Connection& coordinator, const TableFilter& filter,
                                     std::chrono::seconds lock_timeout,
                                     const ExternalSnapshot& external_snapshot) {
  check_supported_server(coordinator.server_version());
  warn_if_newer_than_tested(coordinator.server_version());
  std::string last_change;
  for (int attempt = 1; attempt <= kLockedSnapshotAttempts; ++attempt) {
    // Outside the export's transaction: each statement here runs in a transaction of its own.
    // No sizes yet: measuring a relation waits behind a TRUNCATE's lock without any timeout.
    auto candidates = read_tables(coordinator, filter, RelationSizes::skip);
    check_read_access(coordinator, candidates);

    coordinator.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    std::optional<std::string> change = lock_tables(coordinator, candidates, lock_timeout);
    if (!change) {
      SnapshotInfo snapshot = external_snapshot ? adopt_snapshot(coordinator, external_snapshot())
                                                : export_snapshot(coordinator);
      LockedSnapshot locked{std::move(snapshot), read_catalog(coordinator, filter)};
      change = describe_catalog_change(candidates, locked.tables);
      if (!change) return locked;
      if (external_snapshot) {
        fail(ErrorKind::database_error,
             "the tables changed while pgexport locked them ({}); run it again when no schema "
             "change is in progress",
             *change);
      }
    }
    coordinator.exec("ROLLBACK");
    last_change = *change;
    log::info("tables changed while the export locked them; starting over",
              {{"change", last_change}, log::field("attempt", attempt)});
  }
  fail(ErrorKind::database_error,
       "the tables kept changing while pgexport locked them ({} attempts; last: {}); run the "
       "export again when no schema change is in progress",
       kLockedSnapshotAttempts, last_change);
}

}  // namespace pgexport::pg
