#include "cdc/commit_log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "cdc/layout.hpp"
#include "common/error.hpp"
#include "common/time_format.hpp"
#include "export/commit.hpp"

namespace pgexport::cdc {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kFormats[] = {"csv", "jsonl", "parquet"};
constexpr std::string_view kCompressions[] = {"none", "zstd", "gzip", "snappy"};

template <size_t N>
bool is_one_of(const std::string& value, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), value) != std::end(names);
}

// "2026-12-01T10:00:59.812345Z": format_utc_timestamp() with all six digits PostgreSQL keeps.
std::string format_utc_micros(SystemMicros time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss clock(time - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

// Reads one entry's JSON, member by member, naming the object and the member in every error.
class EntryReader {
 public:
  explicit EntryReader(const std::string& key) : key_(key) {}

  [[noreturn]] void malformed(std::string_view what) const {
    fail(ErrorKind::storage_error,
         "commit log entry {} is malformed: {}; the commit log is written only by pgexport, so "
         "the object was damaged or replaced: restore it (from the bucket's object versions or a "
         "backup) before running change data capture or materialize again",
         key_, what);
  }

  const json& member(const json& object, const std::string& path, std::string_view name) const {
    auto found = object.find(name);
    if (found == object.end()) malformed(fmt::format("{} has no \"{}\"", describe(path), name));
    return *found;
  }
  const json& object(const json& parent, const std::string& path, std::string_view name) const {
    const json& value = member(parent, path, name);
    if (!value.is_object()) malformed(fmt::format("{} is not an object", join(path, name)));
    return value;
  }
  const json& array(const json& parent, const std::string& path, std::string_view name) const {
    const json& value = member(parent, path, name);
    if (!value.is_array()) malformed(fmt::format("{} is not an array", join(path, name)));
    return value;
  }
  std::string string(const json& parent, const std::string& path, std::string_view name) const {
    const json& value = member(parent, path, name);
    if (!value.is_string()) malformed(fmt::format("{} is not a string", join(path, name)));
    return value.get<std::string>();
  }
  std::string nonempty_string(const json& parent, const std::string& path,
                              std::string_view name) const {
    std::string value = string(parent, path, name);
    if (value.empty()) malformed(fmt::format("{} is empty", join(path, name)));
    return value;
  }
  uint64_t count(const json& parent, const std::string& path, std::string_view name) const {
    const json& value = member(parent, path, name);
    // A non-negative integer literal parses as number_unsigned; -1 or 1.5 do not.
    if (!value.is_number_unsigned()) {
      malformed(fmt::format("{} is not a non-negative integer", join(path, name)));
    }
    return value.get<uint64_t>();
  }
  Lsn lsn(const json& parent, const std::string& path, std::string_view name) const {
    const std::string text = string(parent, path, name);
    try {
      return Lsn::parse(text);
    } catch (const Error& error) {
      malformed(fmt::format("{} is not an LSN: {}", join(path, name), error.what()));
    }
  }
  SystemMicros time(const json& parent, const std::string& path, std::string_view name) const {
    const std::string text = string(parent, path, name);
    auto parsed = parse_utc_timestamp(text);
    if (!parsed) {
      malformed(fmt::format("{} is not a UTC time like 2026-12-01T10:00:59.812345Z ({})",
                            join(path, name), text));
    }
    return std::chrono::time_point_cast<std::chrono::microseconds>(*parsed);
  }

  static std::string join(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : fmt::format("{}.{}", path, name);
  }

 private:
  static std::string describe(const std::string& path) {
    return path.empty() ? std::string("the entry") : path;
  }

  const std::string& key_;
};

KeyKind parse_key_kind(const EntryReader& reader, const std::string& text,
                       const std::string& path) {
  for (KeyKind kind : {KeyKind::primary_key, KeyKind::replica_identity_index, KeyKind::full_row}) {
    if (text == pg::table_key_kind_name(kind)) return kind;
  }
  reader.malformed(fmt::format(
      "{} is \"{}\", not \"primary key\", \"replica identity index\" or \"full row\"", path, text));
}

LoggedTable parse_table(const EntryReader& reader, const json& value, const std::string& path) {
  if (!value.is_object()) reader.malformed(fmt::format("{} is not an object", path));
  LoggedTable table;
  table.schema = reader.nonempty_string(value, path, "schema");
  table.name = reader.nonempty_string(value, path, "name");
  table.schema_version = reader.count(value, path, "schema_version");
  if (table.schema_version == 0) {
    reader.malformed(fmt::format("{}.schema_version is 0; versions start at 1", path));
  }
  const json& key = reader.object(value, path, "key");
  const std::string key_path = path + ".key";
  table.key_kind = parse_key_kind(reader, reader.string(key, key_path, "kind"), key_path + ".kind");
  const json& key_columns = reader.array(key, key_path, "columns");
  for (size_t i = 0; i < key_columns.size(); ++i) {
    if (!key_columns[i].is_string()) {
      reader.malformed(fmt::format("{}.columns[{}] is not a string", key_path, i));
    }
    table.key_columns.push_back(key_columns[i].get<std::string>());
  }
  const json& columns = reader.array(value, path, "columns");
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string column_path = fmt::format("{}.columns[{}]", path, i);
    if (!columns[i].is_object()) reader.malformed(column_path + " is not an object");
    table.columns.push_back({reader.nonempty_string(columns[i], column_path, "name"),
                             reader.nonempty_string(columns[i], column_path, "pg_type")});
  }
  if (auto found = value.find("missing_values"); found != value.end()) {
    const std::string missing_path = path + ".missing_values";
    if (!found->is_object()) reader.malformed(missing_path + " is not an object");
    for (const auto& [name, text] : found->items()) {
      if (!text.is_string()) {
        reader.malformed(fmt::format("{}.{} is not a string", missing_path, name));
      }
      table.missing_values.emplace(name, text.get<std::string>());
    }
  }
  table.rows = reader.count(value, path, "rows");
  const json& files = reader.array(value, path, "files");
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string file_path = fmt::format("{}.files[{}]", path, i);
    if (!files[i].is_object()) reader.malformed(file_path + " is not an object");
    LoggedFile file;
    file.key = reader.nonempty_string(files[i], file_path, "key");
    file.rows = reader.count(files[i], file_path, "rows");
    file.bytes = reader.count(files[i], file_path, "bytes");
    file.sha256 = reader.nonempty_string(files[i], file_path, "sha256");
    table.files.push_back(std::move(file));
  }
  return table;
}

ordered_json table_json(const LoggedTable& table) {
  ordered_json columns = ordered_json::array();
  for (const LoggedColumn& column : table.columns) {
    columns.push_back({{"name", column.name}, {"pg_type", column.pg_type}});
  }
  ordered_json files = ordered_json::array();
  for (const LoggedFile& file : table.files) {
    files.push_back(
        {{"key", file.key}, {"rows", file.rows}, {"bytes", file.bytes}, {"sha256", file.sha256}});
  }
  ordered_json result;
  result["schema"] = table.schema;
  result["name"] = table.name;
  result["schema_version"] = table.schema_version;
  result["key"] = {{"kind", pg::table_key_kind_name(table.key_kind)},
                   {"columns", table.key_columns}};
  result["columns"] = std::move(columns);
  if (!table.missing_values.empty()) result["missing_values"] = table.missing_values;
  result["rows"] = table.rows;
  result["files"] = std::move(files);
  return result;
}

}  // namespace

std::string serialize_log_entry(const LogEntry& entry) {
  if (entry.sequence == 0 || entry.slot.empty() || entry.attempt.empty()) {
    fail(ErrorKind::internal, "log entry {} has no sequence, slot or attempt", entry.sequence);
  }
  ordered_json json;
  json["log_version"] = kLogVersion;
  json["sequence"] = entry.sequence;
  json["slot"] = entry.slot;
  json["attempt"] = entry.attempt;
  json["commit_lsn"] = {{"first", entry.first_commit_lsn.to_string()},
                        {"last", entry.last_commit_lsn.to_string()}};
  json["end_lsn"] = entry.end_lsn.to_string();
  json["commit_time"] = {{"first", format_utc_micros(entry.first_commit_time)},
                         {"last", format_utc_micros(entry.last_commit_time)}};
  json["transactions"] = entry.transactions;
  json["changes"] = entry.changes;
  json["format"] = entry.format;
  json["compression"] = entry.compression;
  json["tables"] = ordered_json::array();
  for (const LoggedTable& table : entry.tables) json["tables"].push_back(table_json(table));
  // Names and keys come from the database and are UTF-8 (client_encoding=UTF8); should one not
  // be, it is written with U+FFFD rather than failing a batch whose data is already written.
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

LogEntry parse_log_entry(const std::string& text, const std::string& key) {
  const EntryReader reader(key);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& error) {
    reader.malformed(fmt::format("not JSON ({})", error.what()));
  }
  if (!root.is_object()) reader.malformed("not a JSON object");
  const std::string top;

  const json& version = reader.member(root, top, "log_version");
  if (!version.is_number_integer() || version.get<int64_t>() != kLogVersion) {
    reader.malformed(fmt::format(
        "log_version is {}, and this pgexport reads version {}: use the pgexport that wrote it",
        version.dump(), kLogVersion));
  }
  LogEntry entry;
  entry.sequence = reader.count(root, top, "sequence");
  if (entry.sequence == 0) reader.malformed("sequence is 0; sequences start at 1");
  entry.slot = reader.nonempty_string(root, top, "slot");
  entry.attempt = reader.nonempty_string(root, top, "attempt");
  const json& commit_lsn = reader.object(root, top, "commit_lsn");
  entry.first_commit_lsn = reader.lsn(commit_lsn, "commit_lsn", "first");
  entry.last_commit_lsn = reader.lsn(commit_lsn, "commit_lsn", "last");
  entry.end_lsn = reader.lsn(root, top, "end_lsn");
  if (entry.first_commit_lsn > entry.last_commit_lsn || entry.last_commit_lsn >= entry.end_lsn) {
    reader.malformed(fmt::format(
        "its LSNs are out of order (commit_lsn.first {}, commit_lsn.last {}, end_lsn {}; "
        "expected first <= last < end_lsn)",
        entry.first_commit_lsn.to_string(), entry.last_commit_lsn.to_string(),
        entry.end_lsn.to_string()));
  }
  const json& commit_time = reader.object(root, top, "commit_time");
  entry.first_commit_time = reader.time(commit_time, "commit_time", "first");
  entry.last_commit_time = reader.time(commit_time, "commit_time", "last");
  entry.transactions = reader.count(root, top, "transactions");
  entry.changes = reader.count(root, top, "changes");
  entry.format = reader.string(root, top, "format");
  if (!is_one_of(entry.format, kFormats)) {
    reader.malformed(fmt::format("format \"{}\" is not csv, jsonl or parquet", entry.format));
  }
  entry.compression = reader.string(root, top, "compression");
  if (!is_one_of(entry.compression, kCompressions)) {
    reader.malformed(
        fmt::format("compression \"{}\" is not none, zstd, gzip or snappy", entry.compression));
  }
  const json& tables = reader.array(root, top, "tables");
  for (size_t i = 0; i < tables.size(); ++i) {
    entry.tables.push_back(parse_table(reader, tables[i], fmt::format("tables[{}]", i)));
  }
  // A batch has transactions, changes and tables; a position-only entry has none of them.
  if ((entry.transactions == 0) != (entry.changes == 0) ||
      (entry.transactions == 0) != entry.tables.empty()) {
    reader.malformed(fmt::format(
        "it has {} transactions, {} changes and {} tables; an entry has all three or none",
        entry.transactions, entry.changes, entry.tables.size()));
  }
  return entry;
}

std::vector<uint64_t> CommitLog::list_sequences() {
  std::vector<uint64_t> sequences;
  for (const std::string& key : storage_.list(std::string(kLogPrefix))) {
    auto sequence = sequence_of_log_key(key);
    if (!sequence) {
      fail(ErrorKind::storage_error,
           "{} is not a commit log entry (expected {}<20-digit sequence>.json); only pgexport "
           "writes under {}: move the object elsewhere",
           key, kLogPrefix, kLogPrefix);
    }
    sequences.push_back(*sequence);
  }
  std::sort(sequences.begin(), sequences.end());
  for (size_t i = 0; i < sequences.size(); ++i) {
    const uint64_t expected = i + 1;
    if (sequences[i] != expected) {
      // Sorted and distinct, so the first mismatch is the first missing sequence.
      fail(ErrorKind::storage_error,
           "the commit log has a gap: {} is missing but {} exists; entries are never removed, "
           "so the log was damaged: restore the missing entry before running change data "
           "capture or materialize again",
           log_entry_key(expected), log_entry_key(sequences[i]));
    }
  }
  return sequences;
}

LogEntry CommitLog::read_entry(uint64_t sequence) {
  const std::string key = log_entry_key(sequence);
  auto text = storage_.read(key);
  if (!text) {
    fail(ErrorKind::storage_error,
         "commit log entry {} was listed but cannot be read any more; entries are never "
         "removed, so the log is being damaged: stop every writer and restore it",
         key);
  }
  LogEntry entry = parse_log_entry(*text, key);
  if (entry.sequence != sequence) {
    fail(ErrorKind::storage_error,
         "commit log entry {} says it is sequence {}; the entry was copied or renamed: restore "
         "the original before running change data capture or materialize again",
         key, entry.sequence);
  }
  return entry;
}

std::optional<LogEntry> CommitLog::last() {
  std::vector<uint64_t> sequences = list_sequences();
  if (sequences.empty()) return std::nullopt;
  return read_entry(sequences.back());
}

std::vector<LogEntry> CommitLog::entries_after(uint64_t sequence) {
  std::vector<LogEntry> entries;
  for (uint64_t listed : list_sequences()) {
    if (listed > sequence) entries.push_back(read_entry(listed));
  }
  return entries;
}

std::optional<LogEntry> CommitLog::last_with_changes(const std::optional<LogEntry>& newest) {
  if (!newest) return std::nullopt;
  if (!newest->position_only()) return newest;
  for (uint64_t sequence = newest->sequence - 1; sequence > 0; --sequence) {
    LogEntry entry = read_entry(sequence);
    if (!entry.position_only()) return entry;
  }
  return std::nullopt;
}

AppendOutcome CommitLog::append(const LogEntry& entry) {
  const std::string key = log_entry_key(entry.sequence);
  const std::string text = serialize_log_entry(entry);
  try {
    return storage_.create_if_absent(key, text) == storage::ConditionalWrite::written
               ? AppendOutcome::appended
               : AppendOutcome::fenced;
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::interrupted) throw;
    // The request may have reached the store before it failed: look before deciding.
    std::optional<std::string> stored;
    try {
      stored = storage_.read(key);
    } catch (const Error& read_error) {
      throw exporter::CommitUncertain(
          ErrorKind::storage_error,
          fmt::format("cannot tell whether commit log entry {} was written: creating it failed "
                      "({}) and reading it back failed too ({}); the batch's change files are "
                      "left in place and the slot was not advanced, so the next `pgexport cdc "
                      "run` reads the log and continues from what it holds",
                      key, error.what(), read_error.what()));
    }
    if (!stored) throw;
    return *stored == text ? AppendOutcome::appended : AppendOutcome::fenced;
  }
}

bool is_already_logged(const std::optional<LogEntry>& last, Lsn commit_lsn) {
  return last && commit_lsn <= last->last_commit_lsn;
}

SlotPosition check_slot_position(const LogEntry& last, Lsn confirmed_flush_lsn) {
  return confirmed_flush_lsn > last.end_lsn ? SlotPosition::slot_ahead_of_log : SlotPosition::ok;
}

}  // namespace pgexport::cdc
