// Materialize (docs/cdc.md, "The initial export and materialize"): the newest committed run of
// a destination whose manifest has a `cdc` section, plus the commit log's changes after its
// consistent point up to an LSN, become a new committed run holding each table as of that LSN.
// It reads and writes through the storage seam only and never connects to the database.
//
// Values are merged as the format's field texts (CSV: PostgreSQL's text of each value, NULL
// kept apart from the empty string; JSON Lines: each member's JSON text, a missing member or a
// null being NULL; Parquet: each value read back as PostgreSQL's text, format/parquet/
// file_reader.hpp, and written through the full export's encoder), so no type knowledge is
// needed: rows are identified by the text of their key columns, which the full export and the
// change files write the same way.
//
// Memory grows with the number of distinct keys a table's changes touch, not with the table:
// a table's changes are folded into a map from key to its final image (or a deletion, or an
// image waiting for unchanged TOASTed values from its base row), then the base files are
// streamed once, merged with the map, and the map's remaining rows are written after them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/replication/lsn.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

struct MaterializeConfig {
  // Apply changes committed at or below this LSN; default: the newest logged commit. Every
  // commit LSN is a transaction boundary, so an LSN inside a log entry's range applies that
  // entry's transactions up to it.
  std::optional<pg::replication::Lsn> lsn;
  // "csv", "jsonl" or "parquet"; default: the base run's format. Another format than the run's
  // is a usage error for now (no conversion between formats).
  std::optional<std::string> format;
  // "none" or "delta"; default: the base run's. With delta (a base that cdc init
  // --table-format delta or a Delta materialize wrote) each table's file is committed as the
  // next version of its Delta table before the manifest. Another table format than the base's
  // is a usage error (docs/delta.md, "Materialize").
  std::optional<std::string> table_format;
  std::string run_id;                    // the new run's id (export's rules, --run-id)
  std::optional<int> compression_level;  // the codec's fast level when absent
  bool move_latest_pointer = true;
};

struct MaterializeSummary {
  std::string base_run_id;
  std::string run_id;
  std::string manifest_key;
  pg::replication::Lsn consistent_point;   // the base's
  pg::replication::Lsn lsn;                // applied up to: the new run's consistent point
  std::optional<uint64_t> first_sequence;  // log entries applied (none: both absent)
  std::optional<uint64_t> last_sequence;
  uint64_t changes_applied = 0;
  uint64_t tables = 0;
  uint64_t rows = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;
  bool latest_moved = false;
};

// Reads the base run and the commit log from `source` and commits the new run to `output`
// (which may be the same destination). Errors: an LSN below the base's consistent point or
// above the newest logged commit, a --format other than the run's, no run with a cdc section
// (usage), a --table-format other than the base's (usage), a Delta version another writer
// created first (table_conflict); a log with a gap, a malformed entry or manifest, a listed object
// missing or with another size, SHA-256 or row count, changes out of order (verification_failed,
// naming the object); a table whose key kind is "none" (data_error, naming the table); an output
// that cannot be written (destination_unwritable); a run id already committed there (run_exists).
MaterializeSummary materialize(storage::Storage& source, storage::Storage& output,
                               const MaterializeConfig& config);

}  // namespace pgexport::cdc
