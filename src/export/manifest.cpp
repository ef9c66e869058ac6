#include "export/manifest.hpp"

#include <algorithm>

#include "export/dms_load.hpp"
#include "export/layout.hpp"
#include "format/hashed_columns.hpp"

namespace pgexport::exporter {

nlohmann::ordered_json build_manifest(const ManifestInput& input) {
  nlohmann::ordered_json manifest;
  manifest["manifest_version"] = kManifestVersion;
  manifest["tool"] = {{"name", "pgexport"}, {"version", PGEXPORT_VERSION}};
  manifest["run_id"] = input.run_id;
  manifest["attempt"] = input.attempt;
  manifest["started_at"] = input.started_at;
  manifest["snapshot_at"] = input.snapshot_at;
  manifest["finished_at"] = input.finished_at;
  manifest["format"] = input.format_name;
  manifest["compression"] = input.compression_name;
  if (auto options = input.format->describe_options(); !options.is_null()) {
    manifest["format_options"] = std::move(options);
  }
  nlohmann::ordered_json snapshot = {{"snapshot_id", input.snapshot.snapshot_id},
                                     {"txid_snapshot", input.snapshot.txid_snapshot}};
  snapshot["wal_lsn"] = input.snapshot.wal_lsn ? nlohmann::ordered_json(*input.snapshot.wal_lsn)
                                               : nlohmann::ordered_json(nullptr);
  manifest["source"] = {{"database", input.snapshot.database},
                        {"server_version", input.snapshot.server_version},
                        {"snapshot", snapshot}};
  if (!input.change_capture.is_null()) manifest["cdc"] = input.change_capture;
  if (!input.personal_data.is_null()) manifest["personal_data"] = input.personal_data;
  if (!input.layout.is_null()) manifest["layout"] = input.layout;
  const bool dms = !input.layout.is_null() && input.layout.value("name", "") == "dms";
  auto tables = nlohmann::ordered_json::array();
  for (size_t i = 0; i < input.tables->size(); ++i) {
    const auto& table = (*input.tables)[i];
    const auto& result = (*input.results)[i];
    nlohmann::ordered_json entry;
    entry["schema"] = table.schema.schema;
    entry["name"] = table.schema.name;
    entry["kind"] = table.partitioned ? "partitioned" : "table";
    entry["directory"] = dms ? dms_table_folder(table.schema.schema, table.schema.name)
                         : result.delta_version
                             ? delta_attempt_directory(input.run_id, input.attempt,
                                                       table.schema.schema, table.schema.name)
                             : attempt_prefix(input.run_id, input.attempt) +
                                   table_directory(table.schema.schema, table.schema.name) + "/";
    auto columns = nlohmann::ordered_json::array();
    for (const auto& column : table.schema.columns) {
      nlohmann::ordered_json described = {
          {"name", column.name}, {"pg_type", column.type.name}, {"nullable", !column.not_null}};
      if (column.type.base_name != column.type.name) {
        described["pg_base_type"] = column.type.base_name;
      }
      described["output"] = input.format->describe_column(column);
      if (column.hashed_from) {
        described["hashed"] = format::kHashMethod;
        described["source_pg_type"] = column.hashed_from->name;
      }
      columns.push_back(std::move(described));
    }
    entry["columns"] = std::move(columns);
    if (input.excluded_columns && !(*input.excluded_columns)[i].empty()) {
      entry["excluded_columns"] = (*input.excluded_columns)[i];
    }
    entry["key"] = {{"kind", pg::table_key_kind_name(table.key.kind)},
                    {"columns", table.key.columns}};
    entry["rows"] = result.rows;
    auto files = result.files;
    std::sort(files.begin(), files.end(),
              [](const FileResult& a, const FileResult& b) { return a.object.key < b.object.key; });
    auto file_list = nlohmann::ordered_json::array();
    uint64_t bytes = 0;
    for (const auto& file : files) {
      bytes += file.object.size;
      file_list.push_back({{"key", file.object.key},
                           {"rows", file.rows},
                           {"bytes", file.object.size},
                           {"sha256", file.object.sha256_hex}});
    }
    entry["bytes"] = bytes;
    entry["files"] = std::move(file_list);
    if (result.delta_version) {
      entry["delta"] = {{"table", result.delta_table}, {"version", *result.delta_version}};
    }
    tables.push_back(std::move(entry));
  }
  manifest["tables"] = std::move(tables);
  return manifest;
}

}  // namespace pgexport::exporter
