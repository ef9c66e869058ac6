// An append to a Delta table: the next version of its log, created only if absent, holding
// only add actions (no remove), a txn whose version says which of the writer's batches it
// holds, and commitInfo; a new table (version 0) and a changed schema also get protocol and
// metaData. Used for change tables (docs/delta.md, "Change tables"), whose every version is
// one batch of the commit log; the overwrite of an export run is delta_commit.hpp's.
//
// The txn version makes an append idempotent: a writer that finds its appId at or beyond the
// batch's number has published that batch already (an earlier attempt, or a twin that won the
// race for the version), and appends nothing.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/storage.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_log.hpp"

namespace pgexport::table::delta {

struct TableAppend {
  std::string root;           // "tables/<dir>/"
  std::string display_name;   // for messages
  std::string schema_string;  // the schema of the appended files
  bool timestamp_ntz = false;
  std::string app_id;            // the txn appId of the writer
  int64_t batch = 0;             // the txn version: the writer's batch number, growing
  int64_t timestamp = 0;         // milliseconds since the Unix epoch (commitInfo, txn, metaData)
  std::vector<AddedFile> files;  // paths relative to root; may be empty (a new empty table)
  // Written into commitInfo as "pgexportBatch": what the batch is (the protocol lets writers
  // add fields to commitInfo). Not "pgexport", whose runId names an export run's overwrite.
  nlohmann::ordered_json description = nlohmann::ordered_json::object();
};

// The entry that appends `append` as version state.version + 1 (pure; `table_id` names a new
// table at version 0). A new metaData is written when the schema differs from the newest one,
// keeping the table's id and creation time; the protocol only rises.
std::string build_append_entry(const LogState& state, const TableAppend& append,
                               const std::string& table_id);

// What an append needs of the table's log: `version`, `protocol`, `metadata` and
// `txn[app_id]` as read_log() gives them, without the live files, which an append does not
// remove. When the newest entry is an append of `app_id`, its commitInfo records the table's
// protocol and metaData as of that version, so one listing and one read suffice; otherwise the
// entries are read from the newest backwards only until the newest protocol, metaData and txn
// are known (each newest one wins, so older entries cannot change them).
LogState read_append_state(storage::Storage& storage, const std::string& root,
                           const std::string& app_id);

// Whether the table's log already holds the batch: its appId's txn version is at or beyond it.
bool holds_batch(const LogState& state, const std::string& app_id, int64_t batch);

enum class AppendResult {
  appended,      // this call created the version that holds the batch
  already_held,  // the log held the batch already: nothing was written
};

// Appends the batch unless the table holds it, and keeps `state` (the table's log as the caller
// last read it with read_append_state() or read_log()) current. When another writer created the
// version first, the log is read again: if it now holds the batch, that is already_held;
// otherwise the append is tried at the next version, a few times, then table_conflict. Throws
// CommitUncertain (delta_commit.hpp) when the outcome cannot be known, and
// destination_unwritable for a table whose protocol pgexport cannot write.
AppendResult append_batch(storage::Storage& storage, const TableAppend& append, LogState& state);

}  // namespace pgexport::table::delta
