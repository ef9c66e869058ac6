// `pgexport cdc init`: starts change data capture. It checks that publishing the selected
// tables will not break the application's own UPDATE and DELETE, creates the publication and
// then (once the export has locked the tables) the replication slot, and runs the full export
// in the slot's exported snapshot while the replication session stays idle, so the base run
// and the change stream meet with no gap and no overlap (docs/cdc.md).
#pragma once

#include <string>

#include "export/exporter.hpp"
#include "format/format.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

struct InitConfig {
  exporter::ExportConfig export_config;  // source, filters, format, ... as for `export`
  std::string slot = "pgexport";
  std::string publication = "pgexport";
  // Set REPLICA IDENTITY FULL on tables that have no usable replica identity, instead of
  // refusing them.
  bool replica_identity_full = false;
  // --layout dms: change capture also writes DMS change files, whose updates must hold every
  // value. A table with a column PostgreSQL may store out of line (TOAST) sends an update
  // that leaves such a value unchanged without it, unless the table's REPLICA IDENTITY is
  // FULL; such tables are refused, or with replica_identity_full given FULL
  // (docs/dms.md, "Values an update did not send").
  bool dms_layout = false;
};

// Runs it. On any failure the slot and the publication it created are dropped again, so a
// failed init leaves nothing behind in the database (nor, as for export, in the destination).
// Throws usage when the slot or publication exists already, or when tables lack a replica
// identity (listing them and the two ways out).
exporter::ExportSummary run_init(const InitConfig& config, const format::Format& format,
                                 storage::Storage& storage);

}  // namespace pgexport::cdc
