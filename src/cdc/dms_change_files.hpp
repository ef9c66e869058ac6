// The change files of the AWS DMS layout (`cdc init --layout dms`, docs/dms.md "Change
// capture"): for every log entry, one file per table at "<schema>/<table>/<time>.csv" with `Op`
// first (I, U, D, and T for a truncate), then the timestamp column when the base run has one,
// then the table's columns, as an AWS DMS S3 target writes its CDC files.
//
// They are published from the durable log entry, never at batch time: the entry is created
// first (the commit point), then these files are derived from the change files it lists, read
// back through the storage seam and verified against their size and SHA-256. Their names are a
// function of the log alone (the entry's last commit time, moved forward so names sort in log
// order), so a publish that is repeated after a crash writes the same keys with the same rows.
// A small progress object (`dms_changes.json`) remembers the last entry published; it is only a
// shortcut: without it the names are derived again from the first entry, and files that exist
// already are not written twice.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cdc/base_run.hpp"
#include "cdc/commit_log.hpp"
#include "cdc/field_text.hpp"
#include "cdc/log_publisher.hpp"
#include "compress/stream_compressor.hpp"
#include "pg/types.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

// DMS names CDC files by time to the ten-thousandth of a second (its documentation's example
// `20141029-1134010000.csv`): a name time is counted in these ticks since the Unix epoch.
inline constexpr int64_t kDmsTicksPerSecond = 10'000;

// The tick a commit time falls in (rounded down).
int64_t dms_name_ticks(SystemMicros time);

// "yyyyMMdd-HHmmssffff" in UTC for a tick: "20141029-1134010000".
std::string dms_change_file_stem(int64_t ticks);

// "<schema>/<table>/<stem>.<extension>", the folder as the full load's (export/dms_load.hpp).
std::string dms_change_file_key(std::string_view schema, std::string_view table,
                                std::string_view stem, std::string_view extension);

// Whether `key` has the shape dms_change_file_key() gives ("<schema>/<table>/" + 8 digits + "-"
// + 10 digits + ".csv", ".csv.gz" or ".parquet"): housekeeping aborts unfinished uploads of
// such keys only, never of anything else someone keeps in a table's folder.
bool is_dms_change_file_key(std::string_view key);

// The object that remembers how far publishing got, beside `dms_load.json`.
inline constexpr std::string_view kDmsChangesProgressKey = "dms_changes.json";

struct DmsPublishProgress {
  uint64_t sequence = 0;   // the last log entry whose files are all published; 0: none
  int64_t last_ticks = 0;  // the newest name time given so far
  friend bool operator==(const DmsPublishProgress&, const DmsPublishProgress&) = default;
};

std::string serialize_dms_progress(const DmsPublishProgress& progress);
// Throws storage_error naming `key` for text that is not what serialize_dms_progress() writes.
DmsPublishProgress parse_dms_progress(std::string_view text, const std::string& key);

// The name time of each table file of `entry`, in the entry's table order: the first is the
// entry's last commit time, or one tick after `previous_ticks` when that is not later (commit
// times are taken before the commit is logged, so they can step back a little between
// transactions; names must still sort in log order). A table that appears with several schema
// versions in one entry gets one file per version, each a tick later than the one before.
std::vector<int64_t> dms_entry_ticks(const LogEntry& entry, int64_t previous_ticks);

// "2026-12-01 10:00:59.81234+00" (a change row's _commit_time, PostgreSQL's timestamptz text
// in UTC) as DMS's timestamp column text "2026-12-01 10:00:59.812340". Throws data_error for
// any other text.
std::string dms_timestamp_of_commit_text(std::string_view commit_time);

// Maps the rows of one table's pgexport change files (the metadata columns, then the table's
// columns, as field texts) to DMS rows: Op, the timestamp column when `timestamp_column`, then
// the table's columns. docs/dms.md "Change capture" gives the rules:
//   I -> I; D -> D (the old key, or the whole old row under REPLICA IDENTITY FULL);
//   T -> T with every column NULL;
//   U -> U with the new row, a column the update left unchanged (a TOASTed value not sent)
//        taken from the old row the change carries (REPLICA IDENTITY FULL); an update that
//        changed the key (or any column of a table whose key is the full row) becomes D with
//        the old row, then I with the new one, so a reader that applies rows by key ends with
//        the right rows.
class DmsRowMapper {
 public:
  using Row = std::span<const std::optional<std::string_view>>;
  DmsRowMapper(const LoggedTable& table, bool timestamp_column);

  // Number of fields of a DMS row.
  size_t width() const;
  // The field names of the pgexport change rows it reads (the change table's header).
  std::vector<std::string> change_columns() const;

  // Hands each DMS row `fields` makes to `emit` (one, or two for a key update). Throws
  // data_error naming the table and column (never a value) for a row that does not fit, and
  // for an update that left a column unchanged without carrying the old row: its value is not
  // in the change stream, and DMS's NULL would be a silently wrong value.
  void map(std::span<const FieldText> fields, const std::function<void(Row)>& emit);

 private:
  std::string table_name_;
  std::vector<std::string> columns_;
  std::vector<size_t> key_positions_;
  bool timestamp_column_;
  std::vector<std::optional<std::string>> old_;  // the old row of the current change
  std::vector<std::optional<std::string_view>> out_;
};

// The publisher `cdc run` uses for a base run in the DMS layout: `.csv` or `.csv.gz` as the
// base run's compression, or `.parquet` typed and compressed as the base run's files.
class DmsChangePublisher final : public LogPublisher {
 public:
  // Throws usage for a base run whose files DMS change files cannot follow (not DMS layout, or
  // not CSV).
  DmsChangePublisher(storage::Storage& storage, const BaseRun& base);

  void catch_up(CommitLog& log, const std::optional<LogEntry>& newest) override;

  // Files written by this publisher (not those found published already).
  uint64_t files_written() const { return files_written_; }

 private:
  void publish(const LogEntry& entry);
  void publish_table(const LogEntry& entry, const LoggedTable& table, int64_t ticks);
  // The DMS file's columns: Op and the timestamp column (text), then the table's, typed for
  // Parquet as the base run's files type them.
  pg::TableSchema dms_file_shape(const LoggedTable& table) const;
  // Read one listed change file, checked against its size and SHA-256 (verification_failed
  // otherwise), its header by `is_header`, each row handed to `on_row`.
  void read_csv_change_file(const LogEntry& entry, const LoggedFile& file,
                            compress::StreamCodec codec,
                            const std::function<bool(std::span<const FieldText>)>& is_header,
                            const std::function<void(std::span<const FieldText>)>& on_row);
  void read_parquet_change_file(const LogEntry& entry, const LoggedFile& file,
                                const std::function<bool(std::span<const FieldText>)>& is_header,
                                const std::function<void(std::span<const FieldText>)>& on_row);
  void save_progress();

  storage::Storage& storage_;
  const BaseRun& base_;
  std::optional<DmsPublishProgress> progress_;  // read at the first catch_up
  uint64_t saved_sequence_ = 0;                 // the sequence the stored progress holds
  uint64_t files_written_ = 0;
};

}  // namespace pgexport::cdc
