#include "table/delta/delta_checkpoint.hpp"

#include <charconv>
#include <map>

#include "common/error.hpp"
#include "common/log.hpp"
#include "format/parquet/file_writer.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_checkpoint_schema.hpp"

namespace pgexport::table::delta {
namespace {

using format::parquet::NestedColumnWriter;
using format::parquet::NestedValue;
using nlohmann::json;

// PROTOCOL.md's default for delta.deletedFileRetentionDuration.
constexpr int64_t kWeekMillis = 7LL * 24 * 3600 * 1000;

// Another writer moving _last_checkpoint between our read and our write is rare; a few tries
// settle it, and giving up only leaves the pointer for the next checkpoint.
constexpr int kPointerAttempts = 5;

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

json configuration_of(const json& metadata) {
  if (!metadata.is_object()) return json::object();
  auto found = metadata.find("configuration");
  return found != metadata.end() && found->is_object() ? *found : json::object();
}

NestedValue string_or_null(const json& object, const char* name) {
  if (!object.is_object()) return {};
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) return {};
  return NestedValue::string(found->is_string() ? found->get<std::string>() : found->dump());
}

NestedValue int64_or_null(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_number_integer()) return {};
  return NestedValue::int64(found->get<int64_t>());
}

NestedValue boolean_or_null(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_boolean()) return {};
  return NestedValue::boolean(found->get<bool>());
}

// A JSON object of strings as MAP<string,string>; an absent member is NULL.
NestedValue string_map(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_object()) return {};
  std::vector<std::pair<NestedValue, NestedValue>> pairs;
  for (const auto& [key, value] : found->items()) {
    pairs.emplace_back(
        NestedValue::string(key),
        value.is_null()
            ? NestedValue()
            : NestedValue::string(value.is_string() ? value.get<std::string>() : value.dump()));
  }
  return NestedValue::map(std::move(pairs));
}

NestedValue string_list(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_array()) return {};
  std::vector<NestedValue> elements;
  for (const auto& element : *found) {
    elements.push_back(element.is_string() ? NestedValue::string(element.get<std::string>())
                                           : NestedValue());
  }
  return NestedValue::list(std::move(elements));
}

// One checkpoint row: `value` in column `column`, NULL in the others.
std::vector<NestedValue> row_of(CheckpointColumn column, NestedValue value) {
  std::vector<NestedValue> row(kColumns);
  row[column] = std::move(value);
  return row;
}

NestedValue protocol_value(const json& protocol) {
  // PROTOCOL.md: readerFeatures must be non-NULL for reader version 3 and writerFeatures for
  // writer version 7; below those they must be NULL. The log's own lists obey that already.
  const int reader = protocol.value("minReaderVersion", 1);
  const int writer = protocol.value("minWriterVersion", 2);
  auto features = [&](const char* name, bool present) {
    if (!present) return NestedValue();
    NestedValue list = string_list(protocol, name);
    return list.is_null() ? NestedValue::list({}) : list;
  };
  return NestedValue::group({NestedValue::int32(reader), NestedValue::int32(writer),
                             features("readerFeatures", reader >= 3),
                             features("writerFeatures", writer >= 7)});
}

NestedValue metadata_value(const json& metadata) {
  const json format = metadata.value("format", json::object());
  json with_defaults = metadata;
  if (!with_defaults.contains("partitionColumns"))
    with_defaults["partitionColumns"] = json::array();
  if (!with_defaults.contains("configuration")) with_defaults["configuration"] = json::object();
  json format_with_options = format;
  if (!format_with_options.contains("options")) format_with_options["options"] = json::object();
  return NestedValue::group(
      {string_or_null(metadata, "id"), string_or_null(metadata, "name"),
       string_or_null(metadata, "description"),
       NestedValue::group(
           {string_or_null(format, "provider"), string_map(format_with_options, "options")}),
       string_or_null(metadata, "schemaString"), string_list(with_defaults, "partitionColumns"),
       string_map(with_defaults, "configuration"), int64_or_null(metadata, "createdTime")});
}

NestedValue add_value(const LiveFile& file) {
  json add = file.add.is_object() ? file.add : json{{"path", file.path}, {"size", file.size}};
  if (!add.contains("partitionValues")) add["partitionValues"] = json::object();
  return NestedValue::group(
      {NestedValue::string(file.path), string_map(add, "partitionValues"),
       NestedValue::int64(static_cast<int64_t>(file.size)), int64_or_null(add, "modificationTime"),
       boolean_or_null(add, "dataChange"), string_or_null(add, "stats"), string_map(add, "tags")});
}

NestedValue remove_value(const std::string& path, const json& remove) {
  json with_defaults = remove;
  if (!with_defaults.contains("partitionValues")) with_defaults["partitionValues"] = json::object();
  return NestedValue::group(
      {NestedValue::string(path), int64_or_null(remove, "deletionTimestamp"),
       boolean_or_null(remove, "dataChange"), boolean_or_null(remove, "extendedFileMetadata"),
       string_map(with_defaults, "partitionValues"), int64_or_null(remove, "size")});
}

}  // namespace

int64_t checkpoint_interval(const json& metadata) {
  const json configuration = configuration_of(metadata);
  auto found = configuration.find("delta.checkpointInterval");
  if (found == configuration.end() || !found->is_string()) return kDefaultCheckpointInterval;
  auto value = parse_integer(found->get<std::string>());
  return value && *value > 0 ? *value : kDefaultCheckpointInterval;
}

bool checkpoint_due(const LogState& state) {
  if (state.version <= 0) return false;
  const int64_t interval = checkpoint_interval(state.metadata);
  // The newest multiple of the interval: a version there, or a later one when that version
  // got no checkpoint (its writer failed to write it, or wrote none, as pgexport before it
  // wrote checkpoints).
  const int64_t due_at = state.version / interval * interval;
  return due_at > 0 && (state.version == due_at || state.checkpoint_version < due_at);
}

std::optional<int64_t> tombstone_retention_millis(const json& metadata) {
  const json configuration = configuration_of(metadata);
  auto found = configuration.find("delta.deletedFileRetentionDuration");
  if (found == configuration.end()) return kWeekMillis;
  if (!found->is_string()) return std::nullopt;
  // Spark writes CalendarInterval text: "interval 7 days", "interval 1 week", "interval 2 hours".
  std::string text = found->get<std::string>();
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> words;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    if (end > at) words.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  if (words.size() != 3 || words[0] != "interval") return std::nullopt;
  auto count = parse_integer(words[1]);
  if (!count || *count < 0) return std::nullopt;
  std::string unit = words[2];
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  static const std::map<std::string, int64_t> kUnits = {
      {"millisecond", 1},  {"second", 1000},          {"minute", 60'000},
      {"hour", 3'600'000}, {"day", 24LL * 3'600'000}, {"week", kWeekMillis}};
  auto factor = kUnits.find(unit);
  if (factor == kUnits.end()) return std::nullopt;
  return *count * factor->second;
}

CheckpointFile build_checkpoint(const LogState& state, int64_t now_millis) {
  if (!state.protocol.is_object() || !state.metadata.is_object()) {
    fail(ErrorKind::verification_failed, "version {} has no protocol or metaData to checkpoint",
         state.version);
  }
  std::vector<std::vector<NestedValue>> rows;
  rows.push_back(row_of(kProtocol, protocol_value(state.protocol)));
  rows.push_back(row_of(kMetadata, metadata_value(state.metadata)));
  for (const auto& [app, version] : state.txn) {
    rows.push_back(row_of(kTxn, NestedValue::group({NestedValue::string(app),
                                                    NestedValue::int64(version), NestedValue()})));
  }
  CheckpointFile file;
  for (const auto& [path, live] : state.files) {
    rows.push_back(row_of(kAdd, add_value(live)));
    ++file.add_files;
  }
  const auto retention = tombstone_retention_millis(state.metadata);
  for (const auto& [path, remove] : state.tombstones) {
    const int64_t deleted = remove.value("deletionTimestamp", int64_t{0});
    // A tombstone without a time, or under a retention pgexport cannot read, is kept: an extra
    // tombstone costs a row, a missing one could let VACUUM keep a file too long or a reader
    // miss why it vanished.
    if (retention && remove.contains("deletionTimestamp") && deleted < now_millis - *retention) {
      continue;
    }
    rows.push_back(row_of(kRemove, remove_value(path, remove)));
  }

  format::parquet::FileWriterOptions options;
  // Snappy: the codec every Delta reader (and every Parquet reader) decodes.
  options.codec = compress::BlockCodecKind::snappy;
  format::parquet::FileWriter writer(options);
  std::vector<NestedColumnWriter*> columns;
  for (const auto& field : checkpoint_schema()) {
    auto column = std::make_unique<NestedColumnWriter>(field, writer.column_settings());
    columns.push_back(column.get());
    writer.add_column(std::move(column));
  }
  StringSink sink;
  writer.start(sink);
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns.size(); ++c) columns[c]->write_value(row[c]);
    writer.end_row();
  }
  writer.finish();
  file.bytes = std::move(sink.data);
  file.actions = static_cast<int64_t>(rows.size());
  return file;
}

std::string last_checkpoint_text(int64_t version, const CheckpointFile& file) {
  nlohmann::ordered_json pointer = {{"version", version},
                                    {"size", file.actions},
                                    {"sizeInBytes", file.bytes.size()},
                                    {"numOfAddFiles", file.add_files}};
  return pointer.dump();
}

bool advance_last_checkpoint(storage::Storage& storage, const std::string& root, int64_t version,
                             const std::string& text) {
  const std::string key = last_checkpoint_key(root);
  for (int attempt = 0; attempt < kPointerAttempts; ++attempt) {
    auto current = storage.read_versioned(key);
    storage::ConditionalWrite outcome;
    if (!current) {
      outcome = storage.create_if_absent(key, text);
    } else {
      int64_t named = -1;
      try {
        named = json::parse(current->bytes).at("version").get<int64_t>();
      } catch (const json::exception&) {
        // Unreadable: replaced by a pointer that readers can use.
      }
      if (named >= version) return false;
      outcome = storage.replace_if_unchanged(key, text, current->version);
    }
    if (outcome == storage::ConditionalWrite::written) return true;
  }
  fail(ErrorKind::storage_error, "{} kept changing while it was advanced to version {}", key,
       version);
}

void write_checkpoint(storage::Storage& storage, const std::string& root, const LogState& state,
                      int64_t now_millis) {
  const CheckpointFile file = build_checkpoint(state, now_millis);
  const std::string key = checkpoint_key(root, state.version);
  if (storage.create_if_absent(key, file.bytes) == storage::ConditionalWrite::condition_failed) {
    log::info("delta checkpoint exists already", {{"key", key}});
    return;
  }
  advance_last_checkpoint(storage, root, state.version, last_checkpoint_text(state.version, file));
  log::info(
      "delta checkpoint written",
      {{"key", key}, log::field("actions", file.actions), log::field("bytes", file.bytes.size())});
}

void checkpoint_after_commit(storage::Storage& storage, const std::string& root,
                             const std::string& display_name, const LogState& state,
                             int64_t now_millis) noexcept {
  try {
    if (!checkpoint_due(state)) return;
    write_checkpoint(storage, root, state, now_millis);
  } catch (const std::exception& error) {
    try {
      log::warn(
          "delta checkpoint not written; the commit stands and the next run writes it",
          {{"table", display_name}, log::field("version", state.version), {"error", error.what()}});
    } catch (...) {
      // Logging itself failed; the commit is still done.
    }
  }
}

}  // namespace pgexport::table::delta
