// A full export: one snapshot, N workers, every selected table written through the chosen
// format into the destination, and the manifest written last as the commit point.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/encoder_memory.hpp"
#include "compress/stream_compressor.hpp"
#include "export/dms_load.hpp"
#include "export/export_progress.hpp"
#include "export/personal_data.hpp"
#include "export/plan.hpp"
#include "export/worker_pool.hpp"
#include "format/format.hpp"
#include "pg/catalog.hpp"
#include "pg/connection_source.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

// Where a change stream starts, for the export that `cdc init` runs: once the tables are
// locked, `create_slot` creates the replication slot and returns the snapshot it exported,
// which the export then reads; the manifest records the slot and its consistent point, so
// full load and change stream meet with no gap and no overlap.
struct SlotSnapshot {
  std::string snapshot_name;
  std::string consistent_point;  // LSN text, e.g. "0/16B3700"
};
struct ChangeCaptureStart {
  std::string slot;
  std::string publication;
  std::function<SlotSnapshot()> create_slot;
};

// --table-format: plain runs only, or each table also a Delta table (docs/delta.md).
enum class TableFormat { none, delta };

struct ExportConfig {
  // How every session logs in: the connection string (empty = libpq environment) and,
  // with --rds-iam, a token made for each session as it opens.
  pg::ConnectionSource source;
  std::string run_id;
  int jobs = 2;
  pg::TableFilter filter;
  // Columns left out or hashed (--exclude-columns, --hash-columns), and the key hashed columns
  // are hashed with (set whenever rules.hash is not empty; never logged or written).
  PersonalDataRules personal_data;
  std::string hash_key;
  uint64_t chunk_bytes = 256ull << 20;
  uint64_t max_file_bytes = 0;  // 0 = one file per task
  compress::StreamCodec codec = compress::StreamCodec::zstd;
  std::optional<int> compression_level;
  // The writers' share of --memory-limit that each file's compressor is leased from (Parquet
  // writers lease through their format's options instead); none: nothing is leased.
  std::shared_ptr<EncoderMemory> encoder_memory;
  std::string format_name;       // for the manifest: "csv", "jsonl", "parquet"
  std::string compression_name;  // for the manifest: "zstd", ...
  std::chrono::seconds lock_timeout{60};
  // How long removing a failed or stopped run's objects may take. 25 s fits inside ECS's
  // default stopTimeout of 30 s, after which the task is killed mid-cleanup.
  std::chrono::seconds cleanup_timeout{25};
  // How often the coordinator (which holds the snapshot and the locks) is checked while the
  // workers run: a lost coordinator fails the export within about this long.
  std::chrono::milliseconds coordinator_check_interval{2000};
  // A worker whose connection has received a row larger than this reopens it, importing the
  // same snapshot, before its next task: libpq keeps the buffer of its largest row until the
  // connection closes (worker_pool.hpp says why this size).
  uint64_t renew_connection_above_bytes = kRenewConnectionAboveBytes;
  // A value that its column's typed form cannot hold ends the export with data_error
  // (--strict-types); otherwise that column of that table is written as PostgreSQL's text and
  // the table's files are written again (docs/types.md, "When a value has no typed form").
  bool strict_types = false;
  // With delta, each table is also a Delta table under tables/<schema>.<table>/ that the run
  // commits a new version to before its manifest (delta_tables.hpp; Parquet only).
  TableFormat table_format = TableFormat::none;
  // Whether a committed run moves latest.json (not when exporting into a spool).
  bool move_latest_pointer = true;
  std::optional<ChangeCaptureStart> change_capture;  // set by `cdc init` only
  // Where the data files go (--layout); with `dms`, DMS's TimestampColumnName, if any: a
  // first column holding the snapshot's time (--dms-timestamp-column).
  DataLayout layout = DataLayout::runs;
  std::optional<std::string> dms_timestamp_column;
  // Called once the tables are locked and the tasks planned (their sizes known), before any
  // object of the run is written; throwing ends the export with nothing to undo. `pgexport
  // lambda` refuses here an export it estimates cannot finish before its deadline.
  std::function<void(const std::vector<pg::CatalogTable>& tables,
                     const std::vector<ExportTask>& tasks)>
      before_writing;
  // Receives the live counts while the workers run, when set (the caller reports them).
  ExportProgress* progress = nullptr;
};

struct ExportSummary {
  std::string run_id;
  std::string attempt;
  std::string manifest_key;
  // False when latest.json still names another run: a newer one, or the pointer could not be
  // written (the run is committed either way; a warning says which).
  bool latest_moved = false;
  size_t tables = 0;
  size_t files = 0;
  uint64_t rows = 0;
  uint64_t wire_bytes = 0;    // bytes received from PostgreSQL
  uint64_t stored_bytes = 0;  // bytes written to the destination
  double seconds = 0;
  // Per job, the seconds it spent running tasks (not connecting or waiting for work): how
  // evenly the plan spread the work. Empty when the database was not read (a resumed spool).
  std::vector<double> job_busy_seconds;
  std::string snapshot;
};

// Fails with run_exists when the destination already holds a committed run `run_id`.
void check_run_is_new(storage::Storage& storage, const std::string& run_id);

// Moves latest.json to a committed run (forward only). Never throws: the run is committed
// whatever happens to the pointer, so a failure is a warning. Returns whether it moved.
bool publish_latest_pointer(storage::Storage& storage, const std::string& run_id,
                            const std::string& snapshot_at, const std::string& finished_at);

// Runs the export. The outcomes, each handled in one place:
//   - fails before any object is written: nothing to undo;
//   - fails after data was written (a worker, the coordinator, COMMIT, a signal): this
//     attempt's prefix is removed within cleanup_timeout and the error is rethrown;
//   - another attempt committed the run id first: this attempt's prefix is removed, run_exists;
//   - the manifest is created: the run is committed; then latest.json moves forward if it can.
ExportSummary run_export(const ExportConfig& config, const format::Format& format,
                         storage::Storage& storage);

}  // namespace pgexport::exporter
