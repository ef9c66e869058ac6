#include "table/delta/delta_actions.hpp"

#include <fmt/format.h>

namespace pgexport::table::delta {

std::string table_root(std::string_view table_directory) {
  return fmt::format("tables/{}/", table_directory);
}

std::string log_prefix(std::string_view root) {
  return fmt::format("{}_delta_log/", root);
}

std::string log_entry_key(std::string_view root, int64_t version) {
  return fmt::format("{}{:020}.json", log_prefix(root), version);
}

std::string checkpoint_key(std::string_view root, int64_t version) {
  return fmt::format("{}{:020}.checkpoint.parquet", log_prefix(root), version);
}

std::string last_checkpoint_key(std::string_view root) {
  return fmt::format("{}_last_checkpoint", log_prefix(root));
}

nlohmann::ordered_json protocol_action(bool timestamp_ntz) {
  if (!timestamp_ntz) return {{"protocol", {{"minReaderVersion", 1}, {"minWriterVersion", 2}}}};
  // Table features need reader 3 / writer 7; timestampNtz is a reader-writer feature, so it is
  // named in both lists.
  return {{"protocol",
           {{"minReaderVersion", 3},
            {"minWriterVersion", 7},
            {"readerFeatures", {"timestampNtz"}},
            {"writerFeatures", {"timestampNtz"}}}}};
}

nlohmann::ordered_json metadata_action(const TableMetadata& metadata) {
  return {{"metaData",
           {{"id", metadata.id},
            {"format", {{"provider", "parquet"}, {"options", nlohmann::ordered_json::object()}}},
            {"schemaString", metadata.schema_string},
            {"partitionColumns", nlohmann::ordered_json::array()},
            {"configuration", metadata.configuration},
            {"createdTime", metadata.created_time}}}};
}

std::string stats_string(uint64_t rows, const std::vector<format::ColumnStatistics>& statistics) {
  nlohmann::ordered_json stats = {{"numRecords", rows}};
  auto min_values = nlohmann::ordered_json::object();
  auto max_values = nlohmann::ordered_json::object();
  auto null_count = nlohmann::ordered_json::object();
  for (const auto& column : statistics) {
    if (!column.min.is_null() && !column.max.is_null()) {
      min_values[column.column] = column.min;
      max_values[column.column] = column.max;
    }
    if (column.null_count) null_count[column.column] = *column.null_count;
  }
  stats["minValues"] = std::move(min_values);
  stats["maxValues"] = std::move(max_values);
  stats["nullCount"] = std::move(null_count);
  return stats.dump();
}

nlohmann::ordered_json add_action(const AddedFile& file) {
  nlohmann::ordered_json tags = {{"pgexport.sha256", file.sha256_hex}};
  if (!file.run_id.empty()) tags["pgexport.runId"] = file.run_id;
  return {{"add",
           {{"path", escape_path(file.path)},
            {"partitionValues", nlohmann::ordered_json::object()},
            {"size", file.size},
            {"modificationTime", file.modification_time},
            {"dataChange", true},
            {"stats", stats_string(file.rows, file.statistics)},
            {"tags", std::move(tags)}}}};
}

nlohmann::ordered_json remove_action(const RemovedFile& file, int64_t deletion_timestamp) {
  return {{"remove",
           {{"path", file.path},
            {"deletionTimestamp", deletion_timestamp},
            {"dataChange", true},
            {"extendedFileMetadata", true},
            {"partitionValues", nlohmann::ordered_json::object()},
            {"size", file.size}}}};
}

nlohmann::ordered_json txn_action(std::string_view app_id, int64_t version, int64_t last_updated) {
  return {{"txn", {{"appId", app_id}, {"version", version}, {"lastUpdated", last_updated}}}};
}

nlohmann::ordered_json commit_info_action(const CommitDescription& commit) {
  return {{"commitInfo",
           {{"timestamp", commit.timestamp},
            {"operation", "WRITE"},
            // Spark reads operationParameters as a map of strings, hence "[]" as text.
            {"operationParameters", {{"mode", "Overwrite"}, {"partitionBy", "[]"}}},
            {"isBlindAppend", false},
            {"engineInfo", "pgexport/" PGEXPORT_VERSION},
            {"pgexport",
             {{"runId", commit.run_id},
              {"attempt", commit.attempt},
              {"snapshotAt", commit.snapshot_at}}}}}};
}

std::string entry_text(const std::vector<nlohmann::ordered_json>& actions) {
  std::string text;
  for (const auto& action : actions) {
    text += action.dump();
    text += '\n';
  }
  return text;
}

std::string escape_path(std::string_view path) {
  std::string escaped;
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (plain) {
      escaped += static_cast<char>(c);
    } else {
      escaped += fmt::format("%{:02X}", c);
    }
  }
  return escaped;
}

}  // namespace pgexport::table::delta
