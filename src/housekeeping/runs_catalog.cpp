#include "housekeeping/runs_catalog.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "common/time_format.hpp"
#include "export/layout.hpp"
#include "export/manifest.hpp"
#include "format/csv/csv_format.hpp"

namespace pgexport::housekeeping {

namespace {

using nlohmann::json;

// Thrown while reading a manifest and turned into ManifestParse::problem; never escapes.
struct InvalidManifest {
  std::string problem;
};

const json& member(const json& object, const char* name, const std::string& where) {
  auto found = object.find(name);
  if (found == object.end()) throw InvalidManifest{fmt::format("{} has no \"{}\"", where, name)};
  return *found;
}

std::string text_member(const json& object, const char* name, const std::string& where) {
  const json& value = member(object, name, where);
  if (!value.is_string()) {
    throw InvalidManifest{fmt::format("{}.{} is not a string", where, name)};
  }
  return value.get<std::string>();
}

uint64_t count_member(const json& object, const char* name, const std::string& where) {
  const json& value = member(object, name, where);
  if (!value.is_number_unsigned()) {
    throw InvalidManifest{fmt::format("{}.{} is not a whole number >= 0", where, name)};
  }
  return value.get<uint64_t>();
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Manifest read_manifest(const json& document) {
  if (!document.is_object()) throw InvalidManifest{"it is not a JSON object"};
  const json& version = member(document, "manifest_version", "the manifest");
  if (!version.is_number_integer()) throw InvalidManifest{"manifest_version is not a number"};
  if (version.get<int64_t>() > exporter::kManifestVersion) {
    throw InvalidManifest{
        fmt::format("manifest_version {} is newer than this pgexport reads ({}); upgrade pgexport",
                    version.get<int64_t>(), exporter::kManifestVersion)};
  }
  Manifest manifest;
  manifest.run_id = text_member(document, "run_id", "the manifest");
  manifest.finished_at = text_member(document, "finished_at", "the manifest");
  auto finished = parse_utc_timestamp(manifest.finished_at);
  if (!finished) {
    throw InvalidManifest{
        fmt::format("finished_at '{}' is not a UTC timestamp", manifest.finished_at)};
  }
  manifest.finished = *finished;
  manifest.format = text_member(document, "format", "the manifest");
  if (auto options = document.find("format_options"); options != document.end()) {
    manifest.csv_header = format::csv_dialect_of(*options).header;
  }
  manifest.compression = text_member(document, "compression", "the manifest");
  // Optional members: housekeeping only uses them to keep what change data capture needs.
  if (auto found = document.find("snapshot_at"); found != document.end() && found->is_string()) {
    manifest.snapshot_at = found->get<std::string>();
  }
  if (auto cdc = document.find("cdc"); cdc != document.end() && cdc->is_object()) {
    auto slot = cdc->find("slot");
    auto point = cdc->find("consistent_point");
    if (slot != cdc->end() && slot->is_string() && point != cdc->end() && point->is_string()) {
      manifest.cdc_slot = slot->get<std::string>();
      manifest.cdc_consistent_point = point->get<std::string>();
    }
  }
  const json& tables = member(document, "tables", "the manifest");
  if (!tables.is_array()) throw InvalidManifest{"tables is not a list"};
  for (size_t t = 0; t < tables.size(); ++t) {
    std::string where = fmt::format("tables[{}]", t);
    const json& entry = tables[t];
    if (!entry.is_object()) throw InvalidManifest{where + " is not an object"};
    ManifestTable table;
    table.schema = text_member(entry, "schema", where);
    table.name = text_member(entry, "name", where);
    table.rows = count_member(entry, "rows", where);
    const json& files = member(entry, "files", where);
    if (!files.is_array()) throw InvalidManifest{where + ".files is not a list"};
    for (size_t f = 0; f < files.size(); ++f) {
      std::string file_where = fmt::format("{}.files[{}]", where, f);
      if (!files[f].is_object()) throw InvalidManifest{file_where + " is not an object"};
      ManifestFile file;
      file.key = text_member(files[f], "key", file_where);
      if (file.key.empty()) throw InvalidManifest{file_where + ".key is empty"};
      file.rows = count_member(files[f], "rows", file_where);
      file.bytes = count_member(files[f], "bytes", file_where);
      file.sha256_hex = text_member(files[f], "sha256", file_where);
      if (!is_sha256_hex(file.sha256_hex)) {
        throw InvalidManifest{file_where + ".sha256 is not 64 lowercase hex digits"};
      }
      table.files.push_back(std::move(file));
    }
    if (auto delta = entry.find("delta"); delta != entry.end()) {
      const std::string delta_where = where + ".delta";
      if (!delta->is_object()) throw InvalidManifest{delta_where + " is not an object"};
      table.delta_table = text_member(*delta, "table", delta_where);
      table.delta_version = static_cast<int64_t>(count_member(*delta, "version", delta_where));
    }
    manifest.tables.push_back(std::move(table));
  }
  return manifest;
}

}  // namespace

uint64_t Manifest::rows() const {
  uint64_t total = 0;
  for (const auto& table : tables) total += table.rows;
  return total;
}

uint64_t Manifest::bytes() const {
  uint64_t total = 0;
  for (const auto& table : tables) {
    for (const auto& file : table.files) total += file.bytes;
  }
  return total;
}

size_t Manifest::files() const {
  size_t total = 0;
  for (const auto& table : tables) total += table.files.size();
  return total;
}

ManifestParse parse_manifest(std::string_view text) {
  ManifestParse parse;
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    parse.problem = "it is not valid JSON";
    return parse;
  }
  try {
    parse.manifest = read_manifest(document);
  } catch (const InvalidManifest& invalid) {
    parse.problem = invalid.problem;
  }
  return parse;
}

LatestParse parse_latest(std::string_view text) {
  LatestParse parse;
  parse.present = true;
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    parse.problem = "latest.json is not a JSON object";
    return parse;
  }
  try {
    LatestPointer pointer;
    pointer.run_id = text_member(document, "run_id", "latest.json");
    pointer.manifest_key = text_member(document, "manifest", "latest.json");
    pointer.finished_at = text_member(document, "finished_at", "latest.json");
    if (!exporter::is_valid_run_id(pointer.run_id)) {
      throw InvalidManifest{
          fmt::format("latest.json names '{}', which is not a run id", pointer.run_id)};
    }
    parse.pointer = std::move(pointer);
  } catch (const InvalidManifest& invalid) {
    parse.problem = invalid.problem;
  }
  return parse;
}

LatestParse read_latest(storage::Storage& storage) {
  auto bytes = storage.read(std::string(exporter::kLatestKey));
  if (!bytes) return {};
  return parse_latest(*bytes);
}

std::optional<std::string> run_id_of_key(std::string_view key) {
  if (!key.starts_with(kRunsPrefix)) return std::nullopt;
  auto rest = key.substr(kRunsPrefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return std::string(rest.substr(0, slash));
}

DestinationState scan_destination(storage::Storage& storage) {
  DestinationState state;
  state.latest = read_latest(storage);
  std::map<std::string, Run> runs;
  for (auto& object : storage.list_detailed(std::string(kRunsPrefix))) {
    auto id = run_id_of_key(object.key);
    if (!id) continue;  // not inside a run: not ours to judge
    Run& run = runs[*id];
    run.id = *id;
    if (object.key == exporter::manifest_key(*id)) run.committed = true;
    if (run.objects.empty() || object.modified > run.newest_object) {
      run.newest_object = object.modified;
    }
    run.objects.push_back(std::move(object));
  }
  for (auto& [id, run] : runs) {
    std::sort(run.objects.begin(), run.objects.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    if (run.committed) {
      auto bytes = storage.read(exporter::manifest_key(id));
      if (bytes) {
        run.manifest = parse_manifest(*bytes);
      } else {
        // Removed between the listing and the read (a concurrent cleanup): not committed now.
        run.committed = false;
      }
    }
    state.runs.push_back(std::move(run));
  }
  return state;
}

std::vector<const Run*> committed_runs_newest_first(const DestinationState& state) {
  std::vector<const Run*> committed;
  for (const auto& run : state.runs) {
    if (run.committed && run.manifest.manifest) committed.push_back(&run);
  }
  std::sort(committed.begin(), committed.end(), [](const Run* a, const Run* b) {
    if (a->manifest.manifest->finished != b->manifest.manifest->finished) {
      return a->manifest.manifest->finished > b->manifest.manifest->finished;
    }
    return a->id > b->id;
  });
  return committed;
}

}  // namespace pgexport::housekeeping
