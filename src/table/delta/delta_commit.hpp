// One export run's commit to one Delta table: the next version of its log, created only if
// absent (PROTOCOL.md's mutual exclusion on the log entry's name), holding an overwrite: remove
// every live file, add the run's files, a txn with the run number and commitInfo naming the run;
// version 0 (and any version whose schema or needed features changed) also protocol and
// metaData.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "pg/types.hpp"
#include "storage/storage.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_log.hpp"

namespace pgexport::table::delta {

// Thrown (kind storage_error) when it is unknown whether the entry was created: the caller must
// keep the table's new files, since a live version may reference them.
class CommitUncertain : public Error {
 public:
  using Error::Error;
};

struct TableCommit {
  std::string root;           // "tables/<dir>/"
  std::string display_name;   // schema.table, for messages
  std::string schema_string;  // delta_schema(...).dump()
  bool timestamp_ntz = false;
  std::vector<AddedFile> files;  // paths relative to root
  CommitDescription description;
};

// "pgexport-<dir>": the appId of pgexport's txn actions, the same for every run into one table.
std::string app_id(std::string_view table_directory_name);

// The entry for version state.version + 1 (pure; `table_id` names a new table at version 0).
std::string build_entry(const LogState& state, const TableCommit& commit, const std::string& app,
                        const std::string& table_id);

// Commits `commit` as the table's next version and returns it. Fails with run_exists when the
// log already holds a commit of this run id (an earlier attempt committed it and stopped
// before its manifest), and with table_conflict when another writer created the version first;
// nothing is changed then.
int64_t commit_table(storage::Storage& storage, const TableCommit& commit, const std::string& app);

// A random (version 4) UUID, the id of a new table.
std::string new_table_id();

}  // namespace pgexport::table::delta
