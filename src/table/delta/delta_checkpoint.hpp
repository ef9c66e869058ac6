// Writing Delta checkpoints (PROTOCOL.md, "Checkpoints", "Last Checkpoint File"): after a
// commit whose version is a multiple of the table's checkpoint interval, the table state at that
// version as one classic V1 checkpoint `<version>.checkpoint.parquet` (one row per action:
// protocol, metaData, a txn per appId, an add per live file, the unexpired remove tombstones),
// then `_delta_log/_last_checkpoint`, which only moves forward. docs/delta.md has the choices.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "storage/storage.hpp"
#include "table/delta/delta_log.hpp"

namespace pgexport::table::delta {

// Spark's default, for a table whose configuration has no delta.checkpointInterval.
inline constexpr int64_t kDefaultCheckpointInterval = 100;

// The table's delta.checkpointInterval, or the default when it is absent or not a positive
// integer.
int64_t checkpoint_interval(const nlohmann::json& metadata);

// Whether the version `state` is at gets a checkpoint: a positive multiple of the interval, or
// any later version while the checkpoint the log was read from is older than that multiple (so
// a checkpoint that failed, or that an older pgexport never wrote, is written by the next run).
bool checkpoint_due(const LogState& state);

// How long a remove tombstone is kept, from delta.deletedFileRetentionDuration ("interval 1
// week" when absent) in milliseconds; nullopt when the value is not a form pgexport reads
// ("interval <n> <unit>"), and then every tombstone is kept.
std::optional<int64_t> tombstone_retention_millis(const nlohmann::json& metadata);

struct CheckpointFile {
  std::string bytes;      // the Parquet file
  int64_t actions = 0;    // its rows: one per action
  int64_t add_files = 0;  // of which add actions
};

// The checkpoint of `state` (pure): tombstones whose deletionTimestamp is older than
// `now_millis` minus the retention are left out. Throws verification_failed when the state has
// no protocol or metaData.
CheckpointFile build_checkpoint(const LogState& state, int64_t now_millis);

// The _last_checkpoint JSON: version, size (actions), sizeInBytes and numOfAddFiles.
std::string last_checkpoint_text(int64_t version, const CheckpointFile& file);

// Replaces _last_checkpoint with `text` for `version` unless it already names `version` or a
// newer one (compare-and-swap against its stored version, retried when another writer moved it
// meanwhile). Returns whether it was written.
bool advance_last_checkpoint(storage::Storage& storage, const std::string& root, int64_t version,
                             const std::string& text);

// Writes the checkpoint of `state` (created only if absent: a checkpoint for the version that
// exists already is left as it is) and advances _last_checkpoint. Throws on failure.
void write_checkpoint(storage::Storage& storage, const std::string& root, const LogState& state,
                      int64_t now_millis);

// After a commit: writes the checkpoint when it is due. A failure never fails the run (the
// commit is the truth, and the next run writes the checkpoint): one warning naming the table and
// the cause.
void checkpoint_after_commit(storage::Storage& storage, const std::string& root,
                             const std::string& display_name, const LogState& state,
                             int64_t now_millis) noexcept;

}  // namespace pgexport::table::delta
