#include "cdc/delta_change_tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cdc/change_format.hpp"
#include "cdc/change_rows.hpp"
#include "cdc/layout.hpp"
#include "cdc/parquet_columns.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "export/layout.hpp"
#include "format/parquet/parquet_format.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_commit.hpp"
#include "table/delta/delta_schema.hpp"

namespace pgexport::cdc {

namespace {

int64_t unix_millis_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string table_key_of(std::string_view schema, std::string_view name) {
  return exporter::table_directory(schema, name);
}

}  // namespace

std::string change_table_app_id(std::string_view schema, std::string_view table) {
  return fmt::format("pgexport-changes-{}", exporter::table_directory(schema, table));
}

pg::TableSchema logged_table_schema(const BaseRun& base, const std::string& schema,
                                    const std::string& name,
                                    const std::vector<LoggedColumn>& columns) {
  pg::TableSchema table{schema, name, {}};
  const BaseTable* base_table = base.find(schema, name);
  for (const LoggedColumn& logged : columns) {
    pg::Column column;
    column.name = logged.name;
    column.attnum = static_cast<int>(table.columns.size() + 1);
    bool typed = false;
    if (base_table) {
      for (size_t i = 0; i < base_table->columns.size(); ++i) {
        if (base_table->columns[i] != logged) continue;
        column.type =
            parquet_column_type(base_table->column_base_types[i], base_table->column_outputs[i]);
        typed = true;
        break;
      }
    }
    if (!typed) column.type = parquet_column_type(logged.pg_type, nlohmann::json());
    column.type.name = logged.pg_type;
    table.columns.push_back(std::move(column));
  }
  if (base_table) apply_base_fallbacks(*base_table, table);
  return table;
}

nlohmann::ordered_json change_table_delta_schema(const pg::TableSchema& table,
                                                 const format::parquet::MappingOptions& mapping) {
  return table::delta::delta_schema(change_table_schema(table), mapping);
}

std::vector<uint64_t> sequences_to_publish(const std::vector<LogEntry>& newest_first,
                                           const std::map<std::string, int64_t>& published) {
  std::vector<uint64_t> sequences;
  for (const LogEntry& entry : newest_first) {
    if (entry.position_only()) continue;
    bool held_by_all = true;
    for (const LoggedTable& table : entry.tables) {
      auto found = published.find(table_key_of(table.schema, table.name));
      if (found == published.end() || found->second < static_cast<int64_t>(entry.sequence)) {
        held_by_all = false;
        break;
      }
    }
    if (held_by_all) break;
    sequences.push_back(entry.sequence);
  }
  std::reverse(sequences.begin(), sequences.end());
  return sequences;
}

table::delta::TableAppend change_table_append(const LoggedTable& table, const LogEntry& entry,
                                              const nlohmann::ordered_json& delta_schema,
                                              int64_t now) {
  table::delta::TableAppend append;
  append.root = delta_change_table_root(table.schema, table.name);
  append.display_name = table_key_of(table.schema, table.name) + ".changes";
  append.schema_string = delta_schema.dump();
  append.timestamp_ntz = table::delta::uses_timestamp_ntz(delta_schema);
  append.app_id = change_table_app_id(table.schema, table.name);
  append.batch = static_cast<int64_t>(entry.sequence);
  append.timestamp = now;
  // Which batch this is, so a reader can go from a version to its log entry and back.
  append.description = {{"slot", entry.slot},
                        {"logSequence", entry.sequence},
                        {"attempt", entry.attempt},
                        {"schemaVersion", table.schema_version},
                        {"commitLsn",
                         {{"first", entry.first_commit_lsn.to_string()},
                          {"last", entry.last_commit_lsn.to_string()}}}};
  for (const LoggedFile& file : table.files) {
    if (!file.key.starts_with(append.root)) {
      fail(ErrorKind::verification_failed,
           "{} lists {}, which is not in the Delta change table {}: the log was not written for "
           "a Delta base run; run `pgexport cdc init --table-format delta` again",
           log_entry_key(entry.sequence), file.key, append.root);
    }
    // Column bounds are not in the log entry, which this is built from; the row count is.
    append.files.push_back(
        {file.key.substr(append.root.size()), file.bytes, now, file.rows, {}, file.sha256});
  }
  return append;
}

DeltaChangeTables::DeltaChangeTables(storage::Storage& storage, const BaseRun& base)
    : storage_(storage), base_(base) {
  auto format = make_change_format(base, {});
  const auto* parquet = dynamic_cast<const format::parquet::ParquetFormat*>(format.get());
  if (!parquet || !base.delta()) {
    fail(ErrorKind::internal, "Delta change tables for base run {}, which is not a Delta run",
         base.run_id);
  }
  mapping_ = parquet->mapping();
}

table::delta::LogState& DeltaChangeTables::state_of(const std::string& schema,
                                                    const std::string& name) {
  const std::string root = delta_change_table_root(schema, name);
  auto found = states_.find(root);
  if (found == states_.end()) {
    found = states_
                .emplace(root, table::delta::read_append_state(storage_, root,
                                                               change_table_app_id(schema, name)))
                .first;
  }
  return found->second;
}

void DeltaChangeTables::append(const table::delta::TableAppend& append,
                               table::delta::LogState& state) {
  if (table::delta::append_batch(storage_, append, state) == table::delta::AppendResult::appended) {
    ++appended_;
  } else {
    ++already_held_;
  }
}

void DeltaChangeTables::create_missing() {
  const int64_t now = unix_millis_now();
  // Version 0 of a change table holds no files: its txn version 0 is "no batch yet".
  for (const BaseTable& table : base_.tables) {
    auto& state = state_of(table.schema, table.name);
    if (state.version >= 0) continue;
    const auto schema = change_table_delta_schema(
        logged_table_schema(base_, table.schema, table.name, table.columns), mapping_);
    table::delta::TableAppend create;
    create.root = delta_change_table_root(table.schema, table.name);
    create.display_name = table_key_of(table.schema, table.name) + ".changes";
    create.schema_string = schema.dump();
    create.timestamp_ntz = table::delta::uses_timestamp_ntz(schema);
    create.app_id = change_table_app_id(table.schema, table.name);
    create.batch = 0;
    create.timestamp = now;
    create.description = {{"slot", base_.slot}, {"baseRunId", base_.run_id}};
    // A twin creating it at the same moment wins; its version 0 is as good as ours.
    append(create, state);
  }
}

void DeltaChangeTables::catch_up(CommitLog& log, const std::optional<LogEntry>& newest) {
  if (!newest) return;
  std::map<std::string, int64_t> published;
  // Walk back from the newest entry, reading each change table's log when first needed.
  std::vector<LogEntry> newest_first;
  std::map<uint64_t, LogEntry> by_sequence;
  for (uint64_t sequence = newest->sequence; sequence >= 1; --sequence) {
    LogEntry entry = sequence == newest->sequence ? *newest : log.entry(sequence);
    for (const LoggedTable& table : entry.tables) {
      // Usually one listing and one read (read_append_state); what is read serves the append.
      const auto& state = state_of(table.schema, table.name);
      auto found = state.txn.find(change_table_app_id(table.schema, table.name));
      published[table_key_of(table.schema, table.name)] =
          found == state.txn.end() ? -1 : found->second;
    }
    newest_first.push_back(entry);
    by_sequence.emplace(sequence, entry);
    const auto pending = sequences_to_publish({entry}, published);
    if (!entry.position_only() && pending.empty()) break;
  }
  const auto pending = sequences_to_publish(newest_first, published);
  if (pending.empty()) return;
  log::info(
      "publishing logged batches to Delta change tables",
      {log::field("first_sequence", pending.front()), log::field("last_sequence", pending.back())});
  for (uint64_t sequence : pending) publish(by_sequence.at(sequence));
}

void DeltaChangeTables::publish(const LogEntry& entry) {
  const int64_t now = unix_millis_now();
  for (const LoggedTable& table : entry.tables) {
    try {
      auto& state = state_of(table.schema, table.name);
      const auto schema = change_table_delta_schema(
          logged_table_schema(base_, table.schema, table.name, table.columns), mapping_);
      append(change_table_append(table, entry, schema, now), state);
    } catch (const table::delta::CommitUncertain&) {
      throw;  // says itself what the next run does
    } catch (const Error& error) {
      // The batch is committed (its log entry exists) and the slot may have moved past it: the
      // one thing missing is its Delta version, which the next run publishes first.
      fail(error.kind(),
           "{} is logged but not yet in the Delta change table of {}: {}; the next `pgexport cdc "
           "run` publishes it before anything else",
           log_entry_key(entry.sequence), table_key_of(table.schema, table.name), error.what());
    }
  }
}

}  // namespace pgexport::cdc
