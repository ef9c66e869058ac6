#include "table/delta/delta_commit.hpp"

#include <fmt/format.h>

#include <random>

#include "common/log.hpp"
#include "table/delta/delta_checkpoint.hpp"
#include "table/delta/delta_schema.hpp"

namespace pgexport::table::delta {

namespace {

bool has_reader_feature(const nlohmann::json& protocol, std::string_view feature) {
  if (!protocol.is_object()) return false;
  for (const auto& name : protocol.value("readerFeatures", nlohmann::json::array())) {
    if (name == feature) return true;
  }
  return false;
}

int64_t now_millis(const TableCommit& commit) {
  return commit.description.timestamp;
}

}  // namespace

std::string app_id(std::string_view table_directory_name) {
  return fmt::format("pgexport-{}", table_directory_name);
}

std::string new_table_id() {
  std::random_device entropy;
  std::array<uint32_t, 4> words;
  for (auto& word : words) word = entropy();
  words[1] = (words[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  words[2] = (words[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}", words[0], words[1] >> 16,
                     words[1] & 0xffff, words[2] >> 16, words[2] & 0xffff, words[3]);
}

std::string build_entry(const LogState& state, const TableCommit& commit, const std::string& app,
                        const std::string& table_id) {
  const int64_t now = commit.description.timestamp;
  std::vector<nlohmann::ordered_json> actions;
  actions.push_back(commit_info_action(commit.description));
  const bool creating = state.version < 0;
  // A protocol only ever rises: a table that has timestampNtz keeps it.
  if (creating) {
    actions.push_back(protocol_action(commit.timestamp_ntz));
  } else if (commit.timestamp_ntz && !has_reader_feature(state.protocol, "timestampNtz")) {
    auto upgraded = protocol_action(true);
    for (const auto& name : state.protocol.value("writerFeatures", nlohmann::json::array())) {
      if (name != "timestampNtz")
        upgraded["protocol"]["writerFeatures"].push_back(name.get<std::string>());
    }
    for (const auto& name : state.protocol.value("readerFeatures", nlohmann::json::array())) {
      if (name != "timestampNtz")
        upgraded["protocol"]["readerFeatures"].push_back(name.get<std::string>());
    }
    actions.push_back(std::move(upgraded));
  }
  if (creating) {
    actions.push_back(metadata_action({table_id, commit.schema_string, now}));
  } else if (state.metadata.value("schemaString", std::string()) != commit.schema_string) {
    // The table's columns changed since the last run: this overwrite also replaces the schema,
    // keeping the table's identity.
    TableMetadata metadata{state.metadata.value("id", table_id), commit.schema_string,
                           state.metadata.value("createdTime", now)};
    if (auto configuration = state.metadata.find("configuration");
        configuration != state.metadata.end() && configuration->is_object()) {
      metadata.configuration = *configuration;
    }
    actions.push_back(metadata_action(metadata));
  }
  auto previous = state.txn.find(app);
  const int64_t run_number = previous == state.txn.end() ? 1 : previous->second + 1;
  actions.push_back(txn_action(app, run_number, now));
  for (const auto& [path, file] : state.files)
    actions.push_back(remove_action({path, file.size}, now));
  for (const auto& file : commit.files) actions.push_back(add_action(file));
  return entry_text(actions);
}

int64_t commit_table(storage::Storage& storage, const TableCommit& commit, const std::string& app) {
  LogState state = read_log(storage, commit.root);
  check_writable(state, commit.root);
  if (auto earlier = state.runs.find(commit.description.run_id); earlier != state.runs.end()) {
    fail(ErrorKind::run_exists,
         "table {}: its Delta version {} already holds run '{}' (an earlier attempt committed it "
         "and stopped before the run's manifest, or is committing now); the table is left as it "
         "is: export again with a new --run-id",
         commit.display_name, earlier->second, commit.description.run_id);
  }
  const int64_t version = state.version + 1;
  const std::string key = log_entry_key(commit.root, version);
  const std::string text = build_entry(state, commit, app, new_table_id());
  // A retried request that finds its own entry is done, not applied twice.
  const auto outcome = storage::create_commit_point(
      storage, key, text, [&](const std::exception& error, const std::exception& read_error) {
        throw CommitUncertain(
            ErrorKind::storage_error,
            fmt::format("cannot tell whether table {} got Delta version {}: creating {} failed "
                        "({}) and reading it back failed too ({}); its files are kept",
                        commit.display_name, version, key, error.what(), read_error.what()));
      });
  if (outcome == storage::ConditionalWrite::condition_failed) {
    fail(ErrorKind::table_conflict,
         "table {}: another writer committed Delta version {} ({}) first; this run committed "
         "nothing to it and publishes no manifest: run the export again",
         commit.display_name, version, key);
  }
  log::info("delta version committed", {{"table", commit.display_name},
                                        log::field("version", version),
                                        log::field("files", commit.files.size()),
                                        log::field("removed", state.files.size())});
  // The state at the new version, from what was read and what was committed: a checkpoint of
  // it needs no second read of the log.
  apply_entry(state, version, text, key);
  checkpoint_after_commit(storage, commit.root, commit.display_name, state, now_millis(commit));
  return version;
}

}  // namespace pgexport::table::delta
