#include "cdc/base_run.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::cdc {

namespace {

using nlohmann::json;

constexpr std::string_view kRunsPrefix = "runs/";
constexpr std::string_view kManifestName = "/_manifest.json";

[[noreturn]] void malformed(const std::string& key, std::string_view what) {
  fail(ErrorKind::storage_error,
       "manifest {} is the base run of change data capture but {}; restore it (from the "
       "bucket's object versions or a backup) or run `pgexport cdc init` again",
       key, what);
}

const json& member(const std::string& key, const json& object, std::string_view path,
                   std::string_view name) {
  auto found = object.find(name);
  if (found == object.end()) malformed(key, fmt::format("{} has no \"{}\"", path, name));
  return *found;
}

std::string string_member(const std::string& key, const json& object, std::string_view path,
                          std::string_view name) {
  const json& value = member(key, object, path, name);
  if (!value.is_string() || value.get<std::string>().empty()) {
    malformed(key, fmt::format("{}.{} is not a non-empty string", path, name));
  }
  return value.get<std::string>();
}

const json& array_member(const std::string& key, const json& object, std::string_view path,
                         std::string_view name) {
  const json& value = member(key, object, path, name);
  if (!value.is_array()) malformed(key, fmt::format("{}.{} is not an array", path, name));
  return value;
}

KeyKind key_kind_of(const std::string& key, const std::string& text, const std::string& path) {
  for (KeyKind kind : {KeyKind::primary_key, KeyKind::replica_identity_index, KeyKind::full_row}) {
    if (text == pg::table_key_kind_name(kind)) return kind;
  }
  malformed(key, fmt::format("{} is \"{}\", not \"primary key\", \"replica identity index\" or "
                             "\"full row\" (cdc init captures only tables whose rows have a key)",
                             path, text));
}

BaseTable parse_table(const std::string& key, const json& value, const std::string& path) {
  if (!value.is_object()) malformed(key, path + " is not an object");
  BaseTable table;
  table.schema = string_member(key, value, path, "schema");
  table.name = string_member(key, value, path, "name");
  const json& columns = array_member(key, value, path, "columns");
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string column_path = fmt::format("{}.columns[{}]", path, i);
    if (!columns[i].is_object()) malformed(key, column_path + " is not an object");
    table.columns.push_back({string_member(key, columns[i], column_path, "name"),
                             string_member(key, columns[i], column_path, "pg_type")});
    auto output = columns[i].find("output");
    table.column_outputs.push_back(output == columns[i].end() ? json() : *output);
    auto base_type = columns[i].find("pg_base_type");
    table.column_base_types.push_back(base_type != columns[i].end() && base_type->is_string()
                                          ? base_type->get<std::string>()
                                          : table.columns.back().pg_type);
  }
  if (auto delta = value.find("delta"); delta != value.end()) {
    if (!delta->is_object()) malformed(key, path + ".delta is not an object");
    table.delta_table = string_member(key, *delta, path + ".delta", "table");
  }
  const json& table_key = member(key, value, path, "key");
  if (!table_key.is_object()) malformed(key, path + ".key is not an object");
  table.key_kind =
      key_kind_of(key, string_member(key, table_key, path + ".key", "kind"), path + ".key.kind");
  const json& key_columns = array_member(key, table_key, path + ".key", "columns");
  for (size_t i = 0; i < key_columns.size(); ++i) {
    if (!key_columns[i].is_string()) {
      malformed(key, fmt::format("{}.key.columns[{}] is not a string", path, i));
    }
    table.key_columns.push_back(key_columns[i].get<std::string>());
  }
  return table;
}

// "runs/<id>/_manifest.json" -> "<id>"; nullopt for any other key.
std::optional<std::string> run_id_of_manifest_key(std::string_view key) {
  if (!key.starts_with(kRunsPrefix) || !key.ends_with(kManifestName)) return std::nullopt;
  std::string_view id =
      key.substr(kRunsPrefix.size(), key.size() - kRunsPrefix.size() - kManifestName.size());
  if (id.empty() || id.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(id);
}

}  // namespace

const BaseTable* BaseRun::find(std::string_view table_schema, std::string_view table_name) const {
  for (const BaseTable& table : tables) {
    if (table.schema == table_schema && table.name == table_name) return &table;
  }
  return nullptr;
}

bool BaseRun::delta() const {
  if (tables.empty()) return false;
  for (const BaseTable& table : tables) {
    if (table.delta_table.empty()) return false;
  }
  return true;
}

std::optional<BaseRun> parse_base_manifest(std::string_view text, const std::string& key,
                                           std::string_view slot) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return std::nullopt;
  auto cdc = root.find("cdc");
  if (cdc == root.end() || !cdc->is_object()) return std::nullopt;
  auto cdc_slot = cdc->find("slot");
  if (cdc_slot == cdc->end() || !cdc_slot->is_string() || cdc_slot->get<std::string>() != slot) {
    return std::nullopt;
  }
  BaseRun run;
  run.manifest_key = key;
  run.slot = std::string(slot);
  run.run_id = string_member(key, root, "the manifest", "run_id");
  run.snapshot_at = string_member(key, root, "the manifest", "snapshot_at");
  run.format = string_member(key, root, "the manifest", "format");
  run.compression = string_member(key, root, "the manifest", "compression");
  if (auto options = root.find("format_options"); options != root.end()) {
    if (!options->is_object()) malformed(key, "format_options is not an object");
    run.format_options = *options;
  }
  if (auto section = root.find("personal_data"); section != root.end()) {
    try {
      run.personal_data = exporter::parse_personal_data(*section);
    } catch (const Error& error) {
      malformed(key, error.what());
    }
  }
  if (auto layout = root.find("layout"); layout != root.end() && !layout->is_null()) {
    if (!layout->is_object()) malformed(key, "layout is not an object");
    run.layout = string_member(key, *layout, "layout", "name");
    if (layout->contains("timestamp_column")) {
      run.dms_timestamp_column = string_member(key, *layout, "layout", "timestamp_column");
    }
  }
  run.publication = string_member(key, *cdc, "cdc", "publication");
  const std::string point = string_member(key, *cdc, "cdc", "consistent_point");
  try {
    run.consistent_point = Lsn::parse(point);
  } catch (const Error& error) {
    malformed(key, fmt::format("cdc.consistent_point is not an LSN: {}", error.what()));
  }
  const json& tables = array_member(key, root, "the manifest", "tables");
  for (size_t i = 0; i < tables.size(); ++i) {
    run.tables.push_back(parse_table(key, tables[i], fmt::format("tables[{}]", i)));
  }
  return run;
}

BaseRun find_base_run(storage::Storage& storage, std::string_view slot) {
  std::optional<BaseRun> newest;
  for (const std::string& key : storage.list(std::string(kRunsPrefix))) {
    if (!run_id_of_manifest_key(key)) continue;
    auto text = storage.read(key);
    if (!text) continue;  // removed since the listing (cleanup): not a run any more
    if (json::parse(*text, nullptr, false).is_discarded()) {
      log::warn("manifest is not JSON; not considered as the base run of change data capture",
                {{"object", key}});
      continue;
    }
    auto run = parse_base_manifest(*text, key, slot);
    if (!run) continue;
    if (!newest ||
        std::tie(run->snapshot_at, run->run_id) > std::tie(newest->snapshot_at, newest->run_id)) {
      newest = std::move(run);
    }
  }
  if (!newest) {
    fail(ErrorKind::usage, "no run of slot {} in {}: run `pgexport cdc init` first", slot,
         storage.describe());
  }
  return std::move(*newest);
}

}  // namespace pgexport::cdc
