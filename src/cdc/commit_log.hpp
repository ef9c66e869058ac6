// The commit log of change data capture (docs/cdc.md, "Commit log entry" and "Restart
// position and exactly once"): one JSON object per batch under changes/_log/<sequence>.json,
// each created once with create-if-absent. An entry lists the change files of its batch, and
// only listed files exist for readers; its presence is the batch's commit point, after which
// the slot may be advanced to its end_lsn.
//
// Sequences start at 1 and have no gaps: entry n+1 is written only after entry n exists. So
// the newest entry is the one with the highest sequence, and a missing one means the log was
// damaged, which is an error, never skipped over.
//
// Fencing holds only on stores that enforce conditional writes
// (storage::Storage::supports_conditional_writes); the caller checks that before appending.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pg/catalog.hpp"
#include "pg/replication/lsn.hpp"
#include "pg/replication/replication_messages.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

using pg::replication::Lsn;
using pg::replication::SystemMicros;

// Log entry format version; bump when a reader would need to change. A reader refuses other
// versions; members it does not know are ignored, so a version may gain optional members.
inline constexpr int kLogVersion = 1;

// How a table's rows are identified in its changes ("key"."kind"): the catalog's kinds. A log
// never holds `none`: cdc init refuses such tables or gives them REPLICA IDENTITY FULL.
using KeyKind = pg::TableKey::Kind;

struct LoggedColumn {
  std::string name;
  std::string pg_type;  // format_type() of the column's type: "uuid", "public.status"

  friend bool operator==(const LoggedColumn&, const LoggedColumn&) = default;
};

struct LoggedFile {
  std::string key;  // the change file's key (cdc::change_file_key)
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string sha256;  // hex digest of the stored bytes

  friend bool operator==(const LoggedFile&, const LoggedFile&) = default;
};

// One table's part of a batch.
struct LoggedTable {
  std::string schema;
  std::string name;
  // From 1; grows whenever a Relation message brings other columns. `columns` is that
  // version's column list (the table's own columns; the change table adds its metadata
  // columns before them, see cdc/change_rows.hpp).
  uint64_t schema_version = 1;
  KeyKind key_kind = KeyKind::primary_key;
  std::vector<std::string> key_columns;
  std::vector<LoggedColumn> columns;
  // For columns added after the initial export with a constant default (ADD COLUMN ... DEFAULT
  // 5): the value, as PostgreSQL's text, that every row written before the column existed
  // holds. The server fills it in when such a row is read and never writes it to the WAL, so
  // materialize takes it from here for the base run's rows. "missing_values" in the entry.
  std::map<std::string, std::string> missing_values;
  uint64_t rows = 0;
  std::vector<LoggedFile> files;

  friend bool operator==(const LoggedTable&, const LoggedTable&) = default;
};

// Most entries hold a batch of changes. A position-only entry (no transactions, no changes, no
// tables) only moves the log's end: the stream passed WAL in which no captured table changed
// (an idle database's heartbeats, changes of unpublished tables), and the slot may forget it
// once the entry exists. Its commit_lsn and commit_time repeat the newest logged commit (the
// previous entry's `last`; for the first entry the base run's consistent point and snapshot
// time), so every entry's `last` is the newest commit the log holds up to it.
struct LogEntry {
  uint64_t sequence = 0;  // from 1
  std::string slot;       // the replication slot the changes came from
  std::string attempt;    // the token of the process that wrote the batch's files
  Lsn first_commit_lsn;   // commit_lsn.first: the batch's first transaction's commit LSN
  Lsn last_commit_lsn;    // commit_lsn.last: its last transaction's commit LSN
  Lsn end_lsn;            // the end of that last commit record: where the slot may advance to
  SystemMicros first_commit_time{};  // commit_time.first
  SystemMicros last_commit_time{};   // commit_time.last
  uint64_t transactions = 0;
  uint64_t changes = 0;
  std::string format;       // "csv", "jsonl" or "parquet"
  std::string compression;  // "none", "zstd", "gzip" or "snappy"
  std::vector<LoggedTable> tables;

  bool position_only() const { return transactions == 0; }

  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

// The entry as the JSON object of docs/cdc.md, members in the documented order, pretty-printed
// with two spaces and ending in a newline. Times have microseconds
// ("2026-12-01T10:00:59.812345Z"): commit times are microseconds in PostgreSQL. Throws
// internal when the entry could not be read back (a sequence of 0, an empty slot name).
std::string serialize_log_entry(const LogEntry& entry);

// Parses what serialize_log_entry() writes. Strict: a member that is missing or of the wrong
// type, an unknown log_version, key kind, format or compression, an LSN or time that does not
// parse, LSNs out of order (commit_lsn.first <= commit_lsn.last < end_lsn), or counts that
// disagree (no transactions but changes or tables, or the other way round) throw
// storage_error naming `key`, the object the text was read from.
LogEntry parse_log_entry(const std::string& text, const std::string& key);

enum class AppendOutcome {
  appended,  // this entry is the log's entry for its sequence
  fenced,    // another writer created that sequence first: this writer must stop
};

class CommitLog {
 public:
  explicit CommitLog(storage::Storage& storage) : storage_(storage) {}

  // The newest entry, or nullopt when the log is empty. Lists changes/_log/ and reads only
  // the entry with the highest sequence. Throws storage_error naming the object when a key
  // under changes/_log/ is not an entry key, when sequences do not run 1, 2, ... without a
  // gap, when the entry is malformed or its sequence member disagrees with its key.
  std::optional<LogEntry> last();

  // Creates the entry's key with create-if-absent. When the store fails in a way that may
  // hide the outcome (a timeout after the request was sent) it reads the key back: its own
  // bytes there mean appended, other bytes fenced, nothing there rethrows the failure, and a
  // failing read throws exporter::CommitUncertain (the batch may be committed, so its files
  // must stay and the slot must not move; the next start reads the log and knows).
  AppendOutcome append(const LogEntry& entry);

  // Every entry with a sequence above `sequence`, in order, each checked as last() checks it.
  std::vector<LogEntry> entries_after(uint64_t sequence);

  // The entry with `sequence`, checked as last() checks it (without listing the log). Throws
  // storage_error when it does not exist: entries are never removed.
  LogEntry entry(uint64_t sequence) { return read_entry(sequence); }

  // The newest entry that holds changes, at or before `newest` (as last() returned it), read
  // backwards past position-only entries; nullopt when no entry holds changes.
  std::optional<LogEntry> last_with_changes(const std::optional<LogEntry>& newest);

 private:
  // The sequences under changes/_log/, ascending, checked to be 1..n.
  std::vector<uint64_t> list_sequences();
  LogEntry read_entry(uint64_t sequence);

  storage::Storage& storage_;
};

// The restart rule: a transaction whose commit LSN is at or below the newest entry's
// commit_lsn.last is in the log already and is skipped, even when the slot's
// confirmed_flush_lsn lags behind it (the process stopped after creating the entry and
// before advancing the slot). With no entry nothing is skipped.
bool is_already_logged(const std::optional<LogEntry>& last, Lsn commit_lsn);

enum class SlotPosition {
  ok,                 // the slot is at or behind the log's end: nothing was lost
  slot_ahead_of_log,  // the slot was advanced past every logged change: changes are lost
};

// Compares the slot's confirmed_flush_lsn with the newest entry's end_lsn. A slot beyond it
// has forgotten WAL that no entry holds; the caller turns that into a loud failure (never a
// silent re-creation). Before the first entry the slot's reference point is where cdc init
// created it, which the caller compares the same way.
SlotPosition check_slot_position(const LogEntry& last, Lsn confirmed_flush_lsn);

}  // namespace pgexport::cdc
