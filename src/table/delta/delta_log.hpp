// Reading a Delta table's log: the JSON entries of _delta_log/ replayed in version order into
// the state a writer needs (PROTOCOL.md, "Action Reconciliation"). Replay is pure; read_log()
// lists and fetches the entries through the storage seam.
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
};

struct LogState {
  int64_t version = -1;     // the newest version; -1: the table does not exist yet
  nlohmann::json protocol;  // the newest protocol action's content (null before version 0)
  nlohmann::json metadata;  // the newest metaData action's content
  std::map<std::string, LiveFile> files;  // live files by path
  std::map<std::string, int64_t> txn;     // the newest txn version of each appId
  std::map<std::string, int64_t> runs;    // pgexport run id -> the version its commit made
};

// Applies one entry (newline-delimited actions) as version `version` on top of `state`.
// Throws verification_failed naming `key` and the line for text that is not a Delta entry.
void apply_entry(LogState& state, int64_t version, const std::string& text, const std::string& key);

// The versions whose entries a listing of _delta_log/ holds, in order. Throws
// verification_failed when they are not 0, 1, ... without a gap, and destination_unwritable
// when the log starts at a checkpoint (entries before it cleaned up), which pgexport cannot
// read.
std::vector<int64_t> listed_versions(const std::vector<std::string>& keys, const std::string& root);

// The state of the table at `root` ("tables/<dir>/"), from every entry of its log.
LogState read_log(storage::Storage& storage, const std::string& root);

// Fails (destination_unwritable) when the table's protocol or configuration asks for a
// writer feature pgexport does not implement (deletion vectors, column mapping, an append-only
// table it would have to remove files from, ...).
void check_writable(const LogState& state, const std::string& root);

}  // namespace pgexport::table::delta
