#include "cdc/cdc_init.hpp"

#include <fmt/format.h>

#include <set>

#include "cdc/change_rows.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "pg/catalog.hpp"
#include "pg/replication/replication_connection.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::cdc {

namespace replication = pg::replication;

namespace {

// At most this many tables are named in one error line.
constexpr size_t kMaxNamed = 10;

std::vector<replication::TableName> selected_tables(pg::Connection& connection,
                                                    const pg::TableFilter& filter) {
  std::vector<replication::TableName> names;
  for (const auto& table : pg::read_tables(connection, filter, pg::RelationSizes::skip)) {
    names.push_back({table.schema.schema, table.schema.name});
  }
  return names;
}

// A publication that publishes UPDATE and DELETE makes the server refuse those statements on
// a table without a replica identity: the application would break. Refuse, or fix with FULL.
void ensure_replica_identity(pg::Connection& connection,
                             const std::vector<replication::TableName>& tables, bool set_full) {
  auto missing = replication::tables_without_replica_identity(connection, tables);
  if (missing.empty()) return;
  if (!set_full) {
    std::vector<std::string> named;
    for (size_t i = 0; i < missing.size() && i < kMaxNamed; ++i) {
      named.push_back(fmt::format("{} ({})", missing[i].table.display_name(), missing[i].reason));
    }
    std::string more =
        missing.size() > kMaxNamed ? fmt::format(" and {} more", missing.size() - kMaxNamed) : "";
    fail(ErrorKind::usage,
         "{} tables have no replica identity, so publishing them would make the application's "
         "UPDATE and DELETE on them fail: {}{}; --exclude them, give them a primary key, or pass "
         "--replica-identity-full to set REPLICA IDENTITY FULL on them",
         missing.size(), fmt::join(named, ", "), more);
  }
  // On the published table and its whole partition tree, not only on the partitions listed:
  // the changes arrive under the partitioned table's name (publish_via_partition_root), whose
  // identity is the key the base run's manifest records and cdc run reads, and a FULL root
  // needs the whole old row from every partition.
  std::set<std::string> done;
  for (const auto& table : missing) {
    if (!done.insert(table.published.display_name()).second) continue;
    replication::set_replica_identity_full(connection, table.published);
    log::warn("set REPLICA IDENTITY FULL: every UPDATE and DELETE now logs the whole old row",
              {{"table", table.published.display_name()}});
  }
}

// Published tables (leaf partitions of a partitioned one) whose updates can leave a value
// unsent: a variable-length column whose values may be stored out of line (attstorage
// extended or external), and a REPLICA IDENTITY other than FULL, under which the old row an
// update carries holds only the key. Under FULL the server logs the whole old row with every
// TOASTed value inlined, so an unsent value is in the old row.
constexpr std::string_view kPartialUpdatesQuery = R"sql(
SELECT DISTINCT t.schema_name, t.table_name
FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]))
  AS t(schema_name, table_name)
JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name
JOIN pg_catalog.pg_class p ON p.relnamespace = n.oid AND p.relname = t.table_name
-- pg_partition_tree() lists nothing for a plain table: the table is its own leaf.
CROSS JOIN LATERAL (SELECT p.oid AS relid WHERE p.relkind = 'r'
                    UNION ALL
                    SELECT relid FROM pg_catalog.pg_partition_tree(p.oid) WHERE p.relkind = 'p') AS tree
JOIN pg_catalog.pg_class c ON c.oid = tree.relid
WHERE c.relkind = 'r' AND c.relreplident <> 'f'
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                AND a.attlen = -1 AND a.attstorage IN ('x', 'e'))
ORDER BY 1, 2
)sql";

// DMS change files write whole rows: an update that did not send a TOASTed value must carry
// it in its old row, so the tables where it would not are refused, or set to FULL.
void ensure_whole_updates(pg::Connection& connection,
                          const std::vector<replication::TableName>& tables, bool set_full) {
  std::vector<std::string_view> schemas;
  std::vector<std::string_view> names;
  for (const auto& table : tables) {
    schemas.push_back(table.schema);
    names.push_back(table.name);
  }
  auto result = connection.exec_params(
      kPartialUpdatesQuery, {pg_text_array_literal(schemas), pg_text_array_literal(names)});
  std::vector<replication::TableName> partial;
  for (int row = 0; row < result.rows(); ++row) {
    partial.push_back({result.text(row, 0), result.text(row, 1)});
  }
  if (partial.empty()) return;
  if (!set_full) {
    std::vector<std::string> named;
    for (size_t i = 0; i < partial.size() && i < kMaxNamed; ++i) {
      named.push_back(partial[i].display_name());
    }
    std::string more =
        partial.size() > kMaxNamed ? fmt::format(" and {} more", partial.size() - kMaxNamed) : "";
    fail(ErrorKind::usage,
         "{} tables have columns whose values PostgreSQL may store out of line (TOAST) and no "
         "REPLICA IDENTITY FULL: {}{}; an update that leaves such a value unchanged does not "
         "send it, and DMS change files hold whole rows. Pass --replica-identity-full to set "
         "REPLICA IDENTITY FULL on them (every UPDATE and DELETE then logs the whole old row), "
         "or --exclude them",
         partial.size(), fmt::join(named, ", "), more);
  }
  for (const auto& table : partial) {
    replication::set_replica_identity_full(connection, table);
    log::warn(
        "set REPLICA IDENTITY FULL, so that DMS change files hold every value of an update: "
        "every UPDATE and DELETE now logs the whole old row",
        {{"table", table.display_name()}});
  }
}

}  // namespace

exporter::ExportSummary run_init(const InitConfig& config, const format::Format& format,
                                 storage::Storage& storage) {
  replication::check_slot_name(config.slot);
  storage.check_writable();
  exporter::check_run_is_new(storage, config.export_config.run_id);
  auto admin = pg::Connection::open(config.export_config.source, "cdc init");
  pg::apply_export_session_settings(admin);
  if (replication::slot_info(admin, config.slot)) {
    fail(ErrorKind::usage,
         "replication slot '{}' exists already: see `pgexport cdc status`, or remove it with "
         "`pgexport cdc drop --slot {}` to start over",
         config.slot, config.slot);
  }
  if (replication::publication_tables(admin, config.publication)) {
    fail(ErrorKind::usage,
         "publication '{}' exists already: remove it with `pgexport cdc drop --publication {}` "
         "or choose another --publication",
         config.publication, config.publication);
  }
  auto tables = selected_tables(admin, config.export_config.filter);
  ensure_replica_identity(admin, tables, config.replica_identity_full);
  if (config.dms_layout) ensure_whole_updates(admin, tables, config.replica_identity_full);

  // The publication first: pgoutput looks it up as of the WAL it decodes, so it must exist
  // before the slot's consistent point.
  replication::create_publication(admin, config.publication, tables);
  bool slot_created = false;
  std::optional<replication::ReplicationConnection> stream;
  try {
    stream.emplace(
        replication::ReplicationConnection::open(config.export_config.source, "cdc init slot"));
    exporter::ExportConfig export_config = config.export_config;
    export_config.change_capture = exporter::ChangeCaptureStart{
        config.slot, config.publication, [&] {
          auto created = stream->create_logical_slot(config.slot);
          slot_created = true;
          log::info(
              "replication slot created",
              {{"slot", config.slot}, {"consistent_point", created.consistent_point.to_string()}});
          return exporter::SlotSnapshot{created.snapshot_name,
                                        created.consistent_point.to_string()};
        }};
    auto summary = exporter::run_export(export_config, format, storage);
    stream.reset();  // the snapshot is no longer needed; the slot stays
    return summary;
  } catch (...) {
    // Undo in the database what this init made, so running it again starts clean. The
    // replication session goes first: a slot cannot be dropped while its creator holds it.
    stream.reset();
    try {
      if (slot_created) replication::drop_slot(admin, config.slot);
      replication::drop_publication(admin, config.publication);
    } catch (const std::exception& error) {
      log::warn("could not undo cdc init; run `pgexport cdc drop`",
                {{"slot", config.slot}, {"error", error.what()}});
    }
    throw;
  }
}

}  // namespace pgexport::cdc
