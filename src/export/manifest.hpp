// The manifest: what a reader needs to trust and load a run. Its presence is the commit point.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "format/format.hpp"
#include "pg/catalog.hpp"
#include "pg/snapshot.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

struct FileResult {
  storage::ObjectInfo object;
  uint64_t rows = 0;
  std::vector<format::ColumnStatistics> statistics;  // for table formats that record them
};

struct TableResult {
  uint64_t rows = 0;
  std::vector<FileResult> files;
  // With --table-format delta: the Delta table (its root) and the version this run committed.
  std::string delta_table;
  std::optional<int64_t> delta_version;
};

struct ManifestInput {
  std::string run_id;
  std::string attempt;  // the token naming this attempt's data prefix
  std::string started_at;
  std::string snapshot_at;
  std::string finished_at;
  std::string format_name;
  std::string compression_name;
  pg::SnapshotInfo snapshot;
  const std::vector<pg::CatalogTable>* tables = nullptr;
  const std::vector<TableResult>* results = nullptr;
  const format::Format* format = nullptr;
  // The "cdc" section of a run that starts a change stream (see docs/cdc.md); null otherwise.
  nlohmann::ordered_json change_capture;
  // Per table, the columns --exclude-columns left out; null: none.
  const std::vector<std::vector<std::string>>* excluded_columns = nullptr;
  // The "personal_data" section (exporter::describe_personal_data); null when no rule applies.
  nlohmann::ordered_json personal_data;
  // The "layout" section of a run written in the DMS layout (its name, and the timestamp
  // column with its value when there is one); null for the default layout, whose manifests
  // stay as they were.
  nlohmann::ordered_json layout;
};

// Manifest format version; bump when a reader would need to change.
// 2: data under runs/<id>/data-<attempt>/, "attempt" and "snapshot_at"; latest.json orders by it.
inline constexpr int kManifestVersion = 2;

nlohmann::ordered_json build_manifest(const ManifestInput& input);

}  // namespace pgexport::exporter
