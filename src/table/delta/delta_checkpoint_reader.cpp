#include "table/delta/delta_checkpoint_reader.hpp"

#include <cstring>

#include "common/error.hpp"
#include "format/parquet/nested_column_reader.hpp"

namespace pgexport::table::delta {
namespace {

using format::parquet::NestedColumnReader;
using Path = std::vector<std::string>;
using Column = std::vector<NestedColumnReader::Value>;
using nlohmann::json;

// The Run id pgexport tags its add actions with (delta_actions.cpp).
constexpr const char* kRunTag = "pgexport.runId";

int64_t little_endian(const std::string& bytes) {
  if (bytes.size() == 8) {
    int64_t value;
    std::memcpy(&value, bytes.data(), 8);
    return value;
  }
  if (bytes.size() == 4) {
    int32_t value;
    std::memcpy(&value, bytes.data(), 4);
    return value;
  }
  fail(ErrorKind::data_error, "a checkpoint integer of {} bytes", bytes.size());
}

class Columns {
 public:
  explicit Columns(NestedColumnReader& reader) : reader_(reader) {}

  // A column the schema may lack (an older or other writer): all NULL then.
  Column optional(const Path& path) {
    if (!reader_.has_leaf(path)) return Column(static_cast<size_t>(reader_.rows()));
    return reader_.column(path);
  }
  Column required(const Path& path) { return reader_.column(path); }
  // A MAP<string,string> column as a JSON object per row (null for NULL and absent columns).
  std::vector<json> string_map(Path path) {
    std::vector<json> rows(static_cast<size_t>(reader_.rows()));
    Path keys = path, values = path;
    keys.insert(keys.end(), {"key_value", "key"});
    values.insert(values.end(), {"key_value", "value"});
    if (!reader_.has_leaf(keys)) return rows;
    auto key_rows = reader_.repeated_column(keys);
    auto value_rows = reader_.repeated_column(values);
    for (size_t r = 0; r < rows.size(); ++r) {
      if (!key_rows[r]) continue;
      const auto& keys_of_row = *key_rows[r];
      if (!value_rows[r] || keys_of_row.size() != value_rows[r]->size()) {
        fail(ErrorKind::data_error, "a map's keys and values do not pair up");
      }
      json object = json::object();
      for (size_t i = 0; i < keys_of_row.size(); ++i) {
        if (!keys_of_row[i]) fail(ErrorKind::data_error, "a map key is NULL");
        const auto& value = (*value_rows[r])[i];
        object[*keys_of_row[i]] = value ? json(*value) : json();
      }
      rows[r] = std::move(object);
    }
    return rows;
  }
  // A LIST<string> column as a JSON array per row (null for NULL and absent lists).
  std::vector<json> string_list(Path path) {
    std::vector<json> rows(static_cast<size_t>(reader_.rows()));
    // Three-level lists name their repeated group "list" (Spark, pgexport) or "bag"/"array"
    // (older writers); the element below it is whatever its only leaf is.
    for (const char* repeated : {"list", "bag", "array"}) {
      for (const char* element : {"element", "item", "array"}) {
        Path leaf = path;
        leaf.insert(leaf.end(), {repeated, element});
        if (!reader_.has_leaf(leaf)) continue;
        auto lists = reader_.repeated_column(leaf);
        for (size_t r = 0; r < rows.size(); ++r) {
          if (!lists[r]) continue;
          json array = json::array();
          for (const auto& value : *lists[r]) array.push_back(value ? json(*value) : json());
          rows[r] = std::move(array);
        }
        return rows;
      }
    }
    return rows;
  }

 private:
  NestedColumnReader& reader_;
};

void set_string(json& object, const char* name, const NestedColumnReader::Value& value) {
  if (value) object[name] = *value;
}
void set_integer(json& object, const char* name, const NestedColumnReader::Value& value) {
  if (value) object[name] = little_endian(*value);
}
void set_boolean(json& object, const char* name, const NestedColumnReader::Value& value) {
  if (value) object[name] = !value->empty() && (*value)[0] != 0;
}
void set_json(json& object, const char* name, const json& value) {
  if (!value.is_null()) object[name] = value;
}

void read_state(NestedColumnReader& reader, int64_t version, LogState& state) {
  Columns columns(reader);
  const size_t rows = static_cast<size_t>(reader.rows());

  auto add_path = columns.optional({"add", "path"});
  auto add_size = columns.optional({"add", "size"});
  auto add_time = columns.optional({"add", "modificationTime"});
  auto add_change = columns.optional({"add", "dataChange"});
  auto add_stats = columns.optional({"add", "stats"});
  auto add_partitions = columns.string_map({"add", "partitionValues"});
  auto add_tags = columns.string_map({"add", "tags"});
  for (size_t r = 0; r < rows; ++r) {
    if (!add_path[r]) continue;
    if (!add_size[r]) fail(ErrorKind::data_error, "an add action without a size");
    json add = json::object();
    add["path"] = *add_path[r];
    add["partitionValues"] = add_partitions[r].is_null() ? json::object() : add_partitions[r];
    set_integer(add, "size", add_size[r]);
    set_integer(add, "modificationTime", add_time[r]);
    set_boolean(add, "dataChange", add_change[r]);
    set_string(add, "stats", add_stats[r]);
    set_json(add, "tags", add_tags[r]);
    if (add_tags[r].is_object()) {
      auto run = add_tags[r].find(kRunTag);
      if (run != add_tags[r].end() && run->is_string())
        state.runs[run->get<std::string>()] = version;
    }
    state.files[*add_path[r]] =
        LiveFile{*add_path[r], static_cast<uint64_t>(little_endian(*add_size[r])), add};
  }

  auto remove_path = columns.optional({"remove", "path"});
  auto remove_time = columns.optional({"remove", "deletionTimestamp"});
  auto remove_change = columns.optional({"remove", "dataChange"});
  auto remove_extended = columns.optional({"remove", "extendedFileMetadata"});
  auto remove_size = columns.optional({"remove", "size"});
  auto remove_partitions = columns.string_map({"remove", "partitionValues"});
  for (size_t r = 0; r < rows; ++r) {
    if (!remove_path[r]) continue;
    json remove = json::object();
    remove["path"] = *remove_path[r];
    set_integer(remove, "deletionTimestamp", remove_time[r]);
    set_boolean(remove, "dataChange", remove_change[r]);
    set_boolean(remove, "extendedFileMetadata", remove_extended[r]);
    set_json(remove, "partitionValues", remove_partitions[r]);
    set_integer(remove, "size", remove_size[r]);
    state.tombstones[*remove_path[r]] = remove;
  }

  auto txn_app = columns.optional({"txn", "appId"});
  auto txn_version = columns.optional({"txn", "version"});
  for (size_t r = 0; r < rows; ++r) {
    if (!txn_app[r]) continue;
    if (!txn_version[r]) fail(ErrorKind::data_error, "a txn action without a version");
    state.txn[*txn_app[r]] = little_endian(*txn_version[r]);
  }

  auto metadata_id = columns.optional({"metaData", "id"});
  auto metadata_name = columns.optional({"metaData", "name"});
  auto metadata_description = columns.optional({"metaData", "description"});
  auto provider = columns.optional({"metaData", "format", "provider"});
  auto options = columns.string_map({"metaData", "format", "options"});
  auto schema_string = columns.optional({"metaData", "schemaString"});
  auto partition_columns = columns.string_list({"metaData", "partitionColumns"});
  auto configuration = columns.string_map({"metaData", "configuration"});
  auto created = columns.optional({"metaData", "createdTime"});
  auto reader_version = columns.optional({"protocol", "minReaderVersion"});
  auto writer_version = columns.optional({"protocol", "minWriterVersion"});
  auto reader_features = columns.string_list({"protocol", "readerFeatures"});
  auto writer_features = columns.string_list({"protocol", "writerFeatures"});
  for (size_t r = 0; r < rows; ++r) {
    if (metadata_id[r]) {
      if (state.metadata.is_object()) fail(ErrorKind::data_error, "two metaData actions");
      json metadata = json::object();
      metadata["id"] = *metadata_id[r];
      set_string(metadata, "name", metadata_name[r]);
      set_string(metadata, "description", metadata_description[r]);
      json format = json::object();
      set_string(format, "provider", provider[r]);
      format["options"] = options[r].is_null() ? json::object() : options[r];
      metadata["format"] = format;
      set_string(metadata, "schemaString", schema_string[r]);
      metadata["partitionColumns"] =
          partition_columns[r].is_null() ? json::array() : partition_columns[r];
      metadata["configuration"] = configuration[r].is_null() ? json::object() : configuration[r];
      set_integer(metadata, "createdTime", created[r]);
      state.metadata = std::move(metadata);
    }
    if (reader_version[r] || writer_version[r]) {
      if (state.protocol.is_object()) fail(ErrorKind::data_error, "two protocol actions");
      json protocol = json::object();
      set_integer(protocol, "minReaderVersion", reader_version[r]);
      set_integer(protocol, "minWriterVersion", writer_version[r]);
      // Features present (even empty) for the versions that have them, as in the JSON log.
      if (protocol.value("minReaderVersion", 0) >= 3) {
        protocol["readerFeatures"] =
            reader_features[r].is_null() ? json::array() : reader_features[r];
      }
      if (protocol.value("minWriterVersion", 0) >= 7) {
        protocol["writerFeatures"] =
            writer_features[r].is_null() ? json::array() : writer_features[r];
      }
      state.protocol = std::move(protocol);
    }
  }
  if (!state.protocol.is_object() || !state.metadata.is_object()) {
    fail(ErrorKind::data_error, "it has no {} action",
         state.protocol.is_object() ? "metaData" : "protocol");
  }
}

}  // namespace

LogState read_checkpoint(std::string file, int64_t version, const std::string& key) {
  LogState state;
  try {
    NestedColumnReader reader(std::move(file));
    read_state(reader, version, state);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::data_error) throw;
    fail(ErrorKind::destination_unwritable,
         "the Delta checkpoint {} cannot be read by pgexport ({}); export to another prefix", key,
         error.what());
  }
  state.version = version;
  state.checkpoint_version = version;
  return state;
}

}  // namespace pgexport::table::delta
