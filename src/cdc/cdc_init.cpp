#include "cdc/cdc_init.hpp"

#include <fmt/format.h>

#include <set>

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
