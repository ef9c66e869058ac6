// Delta transaction log actions (delta-io/delta PROTOCOL.md, "Actions") built as JSON, and the
// names of log entries. Pure functions: times and ids are arguments, so tests compare whole
// lines with strings written from the protocol.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/format.hpp"

namespace pgexport::table::delta {

// "tables/<table directory>/": the table root, which holds the data files and _delta_log/.
std::string table_root(std::string_view table_directory);
// "<root>_delta_log/"
std::string log_prefix(std::string_view root);
// "<root>_delta_log/00000000000000000003.json": the entry of a version, zero-padded to 20.
std::string log_entry_key(std::string_view root, int64_t version);
// "<root>_delta_log/00000000000000000100.checkpoint.parquet": a classic checkpoint.
std::string checkpoint_key(std::string_view root, int64_t version);
// "<root>_delta_log/_last_checkpoint"
std::string last_checkpoint_key(std::string_view root);

// The protocol a table with this schema needs: reader 1 / writer 2 without table features, or
// reader 3 / writer 7 with the timestampNtz feature in both lists when a column is timestamp_ntz.
nlohmann::ordered_json protocol_action(bool timestamp_ntz);

struct TableMetadata {
  std::string id;  // a UUID, the table's identity for its lifetime
  std::string schema_string;
  int64_t created_time = 0;  // milliseconds since the Unix epoch
  // The table's configuration (delta.checkpointInterval, ...): {} for a new table, the
  // previous metaData's for a later one, so settings made by other writers are kept.
  nlohmann::ordered_json configuration = nlohmann::ordered_json::object();
};
nlohmann::ordered_json metadata_action(const TableMetadata& metadata);

// A data file of the new version. `path` is relative to the table root (URI-escaped by
// add_action).
struct AddedFile {
  std::string path;
  uint64_t size = 0;
  int64_t modification_time = 0;  // milliseconds since the Unix epoch
  uint64_t rows = 0;
  std::vector<format::ColumnStatistics> statistics;
  std::string sha256_hex;  // kept in the action's tags, so a reader can check the file
  // The pgexport run that wrote the file, kept in the tags as pgexport.runId (when not
  // empty): a checkpoint keeps tags but no commitInfo, so this is how a retried run is still
  // recognised once the log's older entries are gone.
  std::string run_id;
};
nlohmann::ordered_json add_action(const AddedFile& file);

// The per-file statistics string: numRecords, and minValues/maxValues/nullCount for the
// columns that have them (columns without bounds are left out of minValues/maxValues).
std::string stats_string(uint64_t rows, const std::vector<format::ColumnStatistics>& statistics);

// A live file of the previous version, removed by the new one.
struct RemovedFile {
  std::string path;  // as its add action has it (already escaped)
  uint64_t size = 0;
};
nlohmann::ordered_json remove_action(const RemovedFile& file, int64_t deletion_timestamp);

// Application transaction: the run number `version` of writer `app_id`.
nlohmann::ordered_json txn_action(std::string_view app_id, int64_t version, int64_t last_updated);

// Who wrote the version and why: an overwrite by pgexport's export of run `run_id`.
struct CommitDescription {
  int64_t timestamp = 0;  // milliseconds since the Unix epoch
  std::string run_id;
  std::string attempt;
  std::string snapshot_at;
};
nlohmann::ordered_json commit_info_action(const CommitDescription& commit);

// One log entry: each action as one line of JSON, newline-terminated.
std::string entry_text(const std::vector<nlohmann::ordered_json>& actions);

// Escapes a relative path as the protocol's URI paths want: unreserved characters and '/' stay.
std::string escape_path(std::string_view path);

}  // namespace pgexport::table::delta
