// Where change data capture puts things in the destination (docs/cdc.md, "Layout"):
//   changes/<schema>.<table>/<sequence>-<attempt>-<file>.<ext>   change data of one batch
//   changes/_log/<sequence>.json                                 commit log entry, created once
// Sequences are written with 20 digits, zero-padded (the width of UINT64_MAX), so keys sort
// by sequence in any listing. Schema and table names are encoded as the full export encodes
// them (exporter::encode_key_segment), so "<schema>.<table>" always has exactly one '.' and
// can never be "_log".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgexport::cdc {

// "changes/": everything change data capture writes.
inline constexpr std::string_view kChangesPrefix = "changes/";
// "changes/_log/": the commit log.
inline constexpr std::string_view kLogPrefix = "changes/_log/";

// "changes/<schema>.<table>/": one table's change files.
std::string change_table_prefix(std::string_view schema, std::string_view table);

// "changes/<schema>.<table>/<sequence>-<attempt>-<file>.<ext>". `file` counts the files of
// one table in one batch from 0, written with at least 3 digits as the full export's part
// files are; `extension` includes the compression suffix ("csv.zst").
std::string change_file_key(std::string_view schema, std::string_view table, uint64_t sequence,
                            std::string_view attempt, int file, std::string_view extension);

// "changes/_log/<sequence>.json".
std::string log_entry_key(uint64_t sequence);

// With a Delta base run (cdc init --table-format delta) each table's changes also form a Delta
// table, its change table, "tables/<schema>.<table>.changes/", next to the table itself
// ("tables/<schema>.<table>/"). An encoded "<schema>.<table>" has exactly one '.', so a change
// table's directory, which has two, is never a table's. The batch's change files are written
// straight into it, "tables/<schema>.<table>.changes/<sequence>-<attempt>-<file>.<ext>", so
// the Delta commit adds them where they are (a Delta file path is relative to its table) and
// nothing is copied; the commit log lists these keys like any change file's.
std::string delta_change_table_root(std::string_view schema, std::string_view table);
// "tables/": where Delta tables and change tables live.
inline constexpr std::string_view kDeltaTablesPrefix = "tables/";
std::string delta_change_file_key(std::string_view schema, std::string_view table,
                                  uint64_t sequence, std::string_view attempt, int file,
                                  std::string_view extension);

// What a change file's key says about the file: whose batch it belongs to.
struct ChangeFileName {
  std::string table_directory;  // "<schema>.<table>", encoded as in the key
  uint64_t sequence = 0;        // the batch (log entry) it was written for
  std::string attempt;          // the token of the process that wrote it
};

// The parts of a key change_file_key() or delta_change_file_key() makes (`table_directory`
// "<schema>.<table>" for both), or nullopt when `key` is not one: housekeeping
// removes only keys of this shape (and only those no log entry lists), never anything else
// someone put under changes/.
std::optional<ChangeFileName> parse_change_file_key(std::string_view key);

// The sequence a log entry key names, or nullopt when `key` is not exactly
// "changes/_log/" + 20 digits + ".json".
std::optional<uint64_t> sequence_of_log_key(std::string_view key);

}  // namespace pgexport::cdc
