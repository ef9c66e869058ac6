// Where things go in the destination, in one place:
//   runs/<run-id>/data-<attempt>/<schema>.<table>/part-<task>-<file>.<ext>[.zst]   data
//   runs/<run-id>/_manifest.json                commit point, created once, written last
//   latest.json                                 the newest committed run
// Each attempt at a run writes its data under a prefix of its own, named by a random token,
// so two processes started for the same run id never write the same key: the one that
// creates the manifest wins, and the other removes only its own prefix.
#pragma once

#include <string>
#include <string_view>

namespace pgexport::exporter {

// Makes a schema or table name safe as one key segment: letters, digits, '_' and '-' stay;
// every other byte (including '.', '/', spaces and non-ASCII) becomes %XX, so the
// "<schema>.<table>" join is unambiguous and keys are portable across file systems and S3.
std::string encode_key_segment(std::string_view name);

std::string run_prefix(std::string_view run_id);
// A new random attempt token (12 hex digits: 48 bits, so two attempts never collide).
std::string new_attempt_token();
// "runs/<run-id>/data-<attempt>/": everything one attempt writes besides the manifest.
std::string attempt_prefix(std::string_view run_id, std::string_view attempt);
std::string table_directory(std::string_view schema, std::string_view table);
std::string data_file_key(std::string_view run_id, std::string_view attempt,
                          std::string_view schema, std::string_view table, int task_part,
                          int file_index, std::string_view extension);
std::string manifest_key(std::string_view run_id);

// With --table-format delta a run's files go into each table's Delta table instead:
//   tables/<schema>.<table>/run-<run-id>-<attempt>/part-<task>-<file>.parquet
// one directory per attempt, so a failed attempt removes exactly its own files.
std::string delta_attempt_directory(std::string_view run_id, std::string_view attempt,
                                    std::string_view schema, std::string_view table);
std::string delta_data_file_key(std::string_view run_id, std::string_view attempt,
                                std::string_view schema, std::string_view table, int task_part,
                                int file_index, std::string_view extension);
inline constexpr std::string_view kLatestKey = "latest.json";

// Run ids become key segments: a restricted alphabet keeps them readable and safe.
bool is_valid_run_id(std::string_view run_id);

}  // namespace pgexport::exporter
