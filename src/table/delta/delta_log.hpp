// Reading a Delta table's log: the newest classic checkpoint, if there is one, then the JSON
// entries of _delta_log/ after it replayed in version order into the state a writer needs
// (PROTOCOL.md, "Action Reconciliation"). Replay is pure; read_log() lists and fetches the
// checkpoint and entries through the storage seam.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/storage.hpp"

namespace pgexport::table::delta {

struct LiveFile {
  std::string path;  // as the add action has it
  uint64_t size = 0;
  nlohmann::json add;  // the add action's content, which a checkpoint keeps whole
};

struct LogState {
  int64_t version = -1;     // the newest version; -1: the table does not exist yet
  nlohmann::json protocol;  // the newest protocol action's content (null before version 0)
  nlohmann::json metadata;  // the newest metaData action's content
  std::map<std::string, LiveFile> files;  // live files by path
  std::map<std::string, int64_t> txn;     // the newest txn version of each appId
  // pgexport run id -> the version its commit made: from the commitInfo of the entries read
  // (from the checkpoint's own version on, when the log was read from a checkpoint) and, for
  // the live files of a checkpoint, from their pgexport.runId tag (then the checkpoint's
  // version: the run's commit is at or before it).
  std::map<std::string, int64_t> runs;
  // Remove actions by path (tombstones), kept for checkpoints until they expire; a later add
  // of the same path drops its tombstone.
  std::map<std::string, nlohmann::json> tombstones;
  int64_t checkpoint_version = -1;  // the checkpoint read_log() started from; -1: none
};

// Which objects read_log() reads: the classic checkpoint to start from, if any, and the JSON
// entries to replay after it.
struct ReplayPlan {
  std::optional<int64_t> checkpoint;  // `<version>.checkpoint.parquet`
  std::vector<int64_t> versions;      // JSON entries after the checkpoint, in order
  // Whether the checkpoint's own JSON entry is still there (read for its commitInfo only).
  bool checkpoint_entry = false;
};

// Applies one entry (newline-delimited actions) as version `version` on top of `state`.
// Throws verification_failed naming `key` and the line for text that is not a Delta entry.
void apply_entry(LogState& state, int64_t version, const std::string& text, const std::string& key);

// The versions whose entries a listing of _delta_log/ holds, in order. Throws
// verification_failed when they are not 0, 1, ... without a gap, and destination_unwritable
// when the log starts at a checkpoint (entries before it cleaned up), which pgexport cannot
// read.
std::vector<int64_t> listed_versions(const std::vector<std::string>& keys, const std::string& root);

// What to read for the newest version of a log whose listing is `keys`: the newest classic
// checkpoint whose later entries are all present, else every JSON entry from version 0. Throws
// destination_unwritable when the entries start after version 0 and the only checkpoints that
// cover them are multi-part or V2 (UUID-named) checkpoints, which pgexport does not read, and
// verification_failed for a log with a gap no checkpoint covers.
ReplayPlan plan_replay(const std::vector<std::string>& keys, const std::string& root);

// The state of the table at `root` ("tables/<dir>/"): its newest classic checkpoint (if any)
// and the entries after it.
LogState read_log(storage::Storage& storage, const std::string& root);

// Fails (destination_unwritable) when the table's protocol or configuration asks for a
// writer feature pgexport does not implement (deletion vectors, column mapping, an append-only
// table it would have to remove files from, ...).
void check_writable(const LogState& state, const std::string& root);

}  // namespace pgexport::table::delta
