// The base run of change data capture: the committed full export that `cdc init` wrote in the
// slot's exported snapshot (docs/cdc.md, "The initial export and materialize"). Its manifest's
// `cdc` section names the slot, the publication and the consistent point where the change
// stream starts; its format, compression and tables (with their keys) are what every change
// file of the slot follows.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cdc/commit_log.hpp"
#include "export/personal_data.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

// One table of the base run, as its manifest lists it.
struct BaseTable {
  std::string schema;
  std::string name;
  KeyKind key_kind = KeyKind::primary_key;
  // The key columns the manifest names; empty for a full-row key (every column is the key).
  std::vector<std::string> key_columns;
  std::vector<LoggedColumn> columns;  // name and pg_type, in column order
  // Each column's "output" description in the manifest (how the format writes it), in column
  // order; null where the manifest has none.
  std::vector<nlohmann::json> column_outputs;
  // Each column's type with domains resolved (the manifest's pg_base_type, else its pg_type),
  // in column order: what the Parquet encoder typed the column from.
  std::vector<std::string> column_base_types;
  // With --table-format delta: the table's Delta table root ("tables/<schema>.<table>/", the
  // manifest's "delta"."table"); empty for a plain run.
  std::string delta_table;
};

struct BaseRun {
  std::string run_id;
  std::string manifest_key;
  std::string snapshot_at;  // orders runs, as latest.json does
  std::string format;       // "csv", "jsonl" or "parquet"
  std::string compression;  // "none", "zstd", "gzip" or "snappy"
  // The manifest's "format_options" (Parquet's type rules); null when it has none.
  nlohmann::json format_options;
  std::string slot;
  std::string publication;
  Lsn consistent_point;
  std::vector<BaseTable> tables;
  // The manifest's "personal_data": the columns the base run left out or hashed, which every
  // change file leaves out or hashes alike, and the check of the key it hashed with. Empty
  // rules when the manifest has none.
  exporter::RecordedPersonalData personal_data;
  // The manifest's "layout": "runs" (the default) or "dms", whose change capture also writes
  // DMS change files (cdc/dms_change_files.hpp), with DMS's timestamp column when it has one.
  std::string layout = "runs";
  std::optional<std::string> dms_timestamp_column;

  // The table named so, or nullptr.
  const BaseTable* find(std::string_view schema, std::string_view name) const;
  // Whether the run made every table a Delta table (cdc init --table-format delta): then each
  // table's changes also go to its Delta change table (cdc/delta_change_tables.hpp).
  bool delta() const;
};

// The base run of `slot` described by the manifest `text` stored at `key`; nullopt when the
// manifest has no `cdc` section or one for another slot. A manifest that has one for `slot`
// but is malformed (a member missing or of the wrong type, an unknown key kind, a bad LSN)
// throws storage_error naming `key`: its changes could not be written correctly.
std::optional<BaseRun> parse_base_manifest(std::string_view text, const std::string& key,
                                           std::string_view slot);

// The newest committed run (runs/<id>/_manifest.json, by its snapshot time, then its id) whose
// manifest has a `cdc` section for `slot`. Manifests that are not JSON are skipped with a
// warning (they are not cdc's to judge). Throws usage when there is none: `cdc init` comes
// first.
BaseRun find_base_run(storage::Storage& storage, std::string_view slot);

}  // namespace pgexport::cdc
