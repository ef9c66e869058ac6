// Change tables in Delta Lake (docs/delta.md, "Change tables"): with a Delta base run each
// captured table has a Delta change table, tables/<schema>.<table>.changes/ (cdc/layout.hpp),
// whose versions are the commit log's batches. The batch's change files are written into it
// (delta_change_file_key), and once the batch's log entry exists, which is the batch's commit
// point, each table of the entry gets one append version adding its files, with txn appId
// "pgexport-changes-<schema>.<table>" and version the entry's sequence.
//
// The Delta versions are published from the durable log entries, never from memory alone, so
// nothing a crash interrupts is lost or doubled: at the start of `cdc run` every logged entry
// above a change table's txn version is appended, in log order, before the stream starts, and
// a table that already holds a sequence (an earlier run, a twin) is left as it is.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cdc/base_run.hpp"
#include "cdc/commit_log.hpp"
#include "format/parquet/type_mapping.hpp"
#include "pg/types.hpp"
#include "storage/storage.hpp"
#include "table/delta/delta_append.hpp"
#include "table/delta/delta_log.hpp"

namespace pgexport::cdc {

// "pgexport-changes-<schema>.<table>": the txn appId of a change table's appends.
std::string change_table_app_id(std::string_view schema, std::string_view table);

// The table's own columns in a batch of schema version `columns`, as the change stream typed
// them: a column the base run has (same name and type) as the base's manifest describes it
// (its base type, its text fallback), any other from its type's name (cdc/parquet_columns).
pg::TableSchema logged_table_schema(const BaseRun& base, const std::string& schema,
                                    const std::string& name,
                                    const std::vector<LoggedColumn>& columns);

// The Delta schema of the change table of those columns: the metadata columns of
// cdc/change_rows.hpp, then the table's columns, each as the Parquet column the change files
// hold (table/delta/delta_schema).
nlohmann::ordered_json change_table_delta_schema(const pg::TableSchema& table,
                                                 const format::parquet::MappingOptions& mapping);

// The sequences to publish, oldest first, given the newest logged entries and, per table
// ("<schema>.<table>" encoded), the newest sequence its change table holds (absent: none).
// `newest_first` runs back from the log's newest entry; the walk stops at the first entry that
// holds changes and that every change table it names already holds: entries are published in
// order, and a run whose publication failed stops before it logs another batch, so every entry
// before that one is published too. Position-only entries publish nothing. Pure.
std::vector<uint64_t> sequences_to_publish(const std::vector<LogEntry>& newest_first,
                                           const std::map<std::string, int64_t>& published);

// The append of one table's part of a log entry to its change table (pure: `now` in
// milliseconds since the Unix epoch). Throws verification_failed when a listed file is not
// inside the change table's root (a log not written for a Delta base).
table::delta::TableAppend change_table_append(const LoggedTable& table, const LogEntry& entry,
                                              const nlohmann::ordered_json& delta_schema,
                                              int64_t now);

class DeltaChangeTables {
 public:
  // `base` must be a Delta base (BaseRun::delta()); both must outlive this object.
  DeltaChangeTables(storage::Storage& storage, const BaseRun& base);

  // Creates, as an empty version 0, the change table of every base table that has none, so a
  // warehouse can define it before its first change (cdc init). Costs a listing per table, so
  // `cdc run` does not call it: the first append to a missing change table creates it.
  void create_missing();

  // Appends every logged entry the change tables do not hold yet (sequences_to_publish),
  // oldest first, reading only the change tables of the entries it walks back over. `newest`
  // is the log's newest entry as CommitLog::last() returned it.
  void catch_up(CommitLog& log, const std::optional<LogEntry>& newest);

  // Appends the entry (just created in the log) to the change table of each table it names.
  // Failures propagate: the caller stops before logging another batch, and the next run's
  // catch_up() publishes the entry.
  void publish(const LogEntry& entry);

  // Appends published by this object, and entries found already held by their tables.
  uint64_t appended() const { return appended_; }
  uint64_t already_held() const { return already_held_; }

 private:
  table::delta::LogState& state_of(const std::string& schema, const std::string& name);
  void append(const table::delta::TableAppend& append, table::delta::LogState& state);

  storage::Storage& storage_;
  const BaseRun& base_;
  format::parquet::MappingOptions mapping_;
  std::map<std::string, table::delta::LogState> states_;  // by change table root, as read
  uint64_t appended_ = 0;
  uint64_t already_held_ = 0;
};

}  // namespace pgexport::cdc
