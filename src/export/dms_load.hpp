// The AWS DMS layout of a full export (`--layout dms`, docs/dms.md): each table's files at
// "<schema>/<table>/LOAD00000001.csv", "LOAD00000002.csv", ... as a DMS S3 target endpoint
// names them, so pipelines built on DMS output read pgexport's unchanged.
//
// Those keys are fixed, so they cannot hide under an attempt prefix until a manifest commits
// them. The rules that replace that (docs/dms.md, "When files are visible"):
//   - one full load per destination: `dms_load.json` is created once (create-if-absent)
//     before any data is written; a second export, or a second attempt at the same run, finds
//     it and refuses before writing anything;
//   - every object appears whole or not at all (an upload is committed by one call);
//   - a failed or stopped export removes every file it committed, then the claim;
//   - the manifest under runs/<run-id>/ is still created last and lists every file.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/types.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

// Where a run's data files go: `runs` (the default: under runs/<run-id>/, hidden until the
// manifest commits them) or `dms`.
enum class DataLayout { runs, dms };
std::optional<DataLayout> parse_data_layout(std::string_view name);
std::string_view data_layout_name(DataLayout layout);

// A schema or table name as one key segment of the DMS layout: kept as DMS writes it (the
// real name, '.' and spaces included), except that '/', '%', '\' and control bytes become %XX
// (a '/' would add a folder) and a name that is "." or ".." is written in full as %XX.
std::string dms_key_segment(std::string_view name);

// "<schema>/<table>/".
std::string dms_table_folder(std::string_view schema, std::string_view table);

// "<schema>/<table>/LOAD" + `number` as 8 upper-case hex digits + "." + `extension`
// (DMS counts in hex: LOAD00000009, LOAD0000000A, ..., LOAD00000010). `number` starts at 1.
std::string dms_load_file_key(std::string_view schema, std::string_view table, uint32_t number,
                              std::string_view extension);

// The claim that makes a destination's DMS full load one of a kind.
inline constexpr std::string_view kDmsLoadClaimKey = "dms_load.json";

// DMS's timestamp column text, "yyyy-MM-dd HH:mm:ss.SSSSSS" in UTC (TimestampColumnName).
std::string dms_timestamp_text(std::chrono::system_clock::time_point time);

// A NOT NULL text column named `name`: the columns the DMS layout adds before a table's own
// (the timestamp column, and Op in change files).
pg::Column dms_text_column(const std::string& name);

// The shape of the files a table is written to with a timestamp column: `column` (type text)
// first, then the table's columns, as DMS places it.
pg::TableSchema with_timestamp_column(const pg::TableSchema& table, const std::string& column);

// A dms_timestamp_text() as a SQL literal of type text: the select-list expression of the
// timestamp column.
std::string timestamp_literal_sql(std::string_view timestamp);

// The DMS numbering of one export's files, shared by its workers: each table's files are
// numbered from 1 in the order they are opened, whichever task opens them, so the numbers of a
// table have no gaps. Every committed key is kept, so a failed export can remove them.
class DmsLoadFiles {
 public:
  explicit DmsLoadFiles(size_t tables) : next_(tables, 1) {}
  uint32_t take_number(size_t table_index);
  void committed(std::string key);
  std::vector<std::string> committed_keys() const;
  // The committed keys under `folder` (one table's dms_table_folder).
  std::vector<std::string> committed_keys_in(std::string_view folder) const;
  // Numbers the table's files from 1 again and forgets its committed keys under `folder`, once
  // the caller removed them: a table whose files are all written again (a column fell back to
  // text) keeps no file of the first attempt, which DMS readers would read as well, and no gap.
  void restart_table(size_t table_index, std::string_view folder);

 private:
  mutable std::mutex mutex_;
  std::vector<uint32_t> next_;
  std::vector<std::string> committed_;
};

// Creates the claim for run `run_id` (attempt `attempt`); throws run_exists, naming the run
// that holds it, when the destination already has one.
void claim_dms_load(storage::Storage& storage, const std::string& run_id,
                    const std::string& attempt, const std::string& started_at);

// Removes `keys` and then the claim, for a failed export; never throws (what cannot be removed
// is logged, with what to do).
void withdraw_dms_load(storage::Storage& storage, const std::vector<std::string>& keys) noexcept;

}  // namespace pgexport::exporter
