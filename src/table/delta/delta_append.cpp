#include "table/delta/delta_append.hpp"

#include <fmt/format.h>

#include <optional>

#include "common/error.hpp"
#include "common/log.hpp"
#include "table/delta/delta_checkpoint.hpp"
#include "table/delta/delta_commit.hpp"

namespace pgexport::table::delta {

namespace {

// Another writer (Spark's OPTIMIZE, a table property set by hand) may take a version between
// our read and our create; each retry reads the log again. Five losses in a row mean the table
// is busy with someone else's writes, which the caller reports rather than spinning.
constexpr int kAppendAttempts = 5;

bool lists(const nlohmann::json& protocol, std::string_view list, std::string_view feature) {
  if (!protocol.is_object()) return false;
  for (const auto& name : protocol.value(std::string(list), nlohmann::json::array())) {
    if (name == feature) return true;
  }
  return false;
}

nlohmann::ordered_json append_commit_info(const TableAppend& append) {
  return {{"commitInfo",
           {{"timestamp", append.timestamp},
            {"operation", "WRITE"},
            // Spark reads operationParameters as a map of strings, hence "[]" as text.
            {"operationParameters", {{"mode", "Append"}, {"partitionBy", "[]"}}},
            {"isBlindAppend", true},
            {"engineInfo", "pgexport/" PGEXPORT_VERSION},
            {"pgexportBatch", append.description}}}};
}

// The protocol the new version needs, or null when the table's stays: a table that already
// has timestampNtz keeps it, and the features it lists are kept when it rises.
nlohmann::ordered_json raised_protocol(const LogState& state, bool timestamp_ntz) {
  if (state.version < 0) return protocol_action(timestamp_ntz);
  if (!timestamp_ntz || lists(state.protocol, "readerFeatures", "timestampNtz")) return nullptr;
  auto upgraded = protocol_action(true);
  for (std::string_view list : {"writerFeatures", "readerFeatures"}) {
    for (const auto& name : state.protocol.value(std::string(list), nlohmann::json::array())) {
      if (name != "timestampNtz") upgraded["protocol"][list].push_back(name.get<std::string>());
    }
  }
  return upgraded;
}

// The state an append of `app_id` recorded in its commitInfo (build_append_entry), when `text`
// is such an append; nullopt for any other entry (another writer's, an older pgexport's).
std::optional<LogState> recorded_table_state(const std::string& text, const std::string& app_id) {
  const size_t end = text.find('\n');
  auto first = nlohmann::json::parse(text.substr(0, end), nullptr, false);
  if (first.is_discarded() || !first.is_object()) return std::nullopt;
  auto batch = first.find("commitInfo");
  if (batch == first.end() || !batch->is_object()) return std::nullopt;
  auto description = batch->find("pgexportBatch");
  if (description == batch->end() || !description->is_object()) return std::nullopt;
  auto recorded = description->find("tableState");
  if (recorded == description->end() || !recorded->is_object()) return std::nullopt;
  LogState state;
  state.protocol = recorded->value("protocol", nlohmann::json());
  state.metadata = recorded->value("metaData", nlohmann::json());
  if (!state.protocol.is_object() || !state.metadata.is_object()) return std::nullopt;
  LogState actions;
  apply_entry(actions, 0, text, "the newest entry");
  auto txn = actions.txn.find(app_id);
  if (txn == actions.txn.end()) return std::nullopt;  // another writer's append
  state.txn.insert(*txn);
  return state;
}

// A change table gains a version per batch, so it needs checkpoints most. The state an append
// keeps has no live files; at a multiple of the interval the whole state is read (from the
// newest checkpoint on) for the checkpoint. Like an export's, a checkpoint that fails is one
// warning: the version stands, and the next multiple writes one.
void checkpoint_after_append(storage::Storage& storage, const TableAppend& append, int64_t version,
                             const nlohmann::json& metadata) noexcept {
  try {
    if (version == 0 || version % checkpoint_interval(metadata) != 0) return;
    const LogState full = read_log(storage, append.root);
    checkpoint_after_commit(storage, append.root, append.display_name, full, append.timestamp);
  } catch (const std::exception& error) {
    log::warn(
        "delta checkpoint incomplete; the commit stands",
        {{"table", append.display_name}, log::field("version", version), {"error", error.what()}});
  }
}

}  // namespace

std::string build_append_entry(const LogState& state, const TableAppend& append,
                               const std::string& table_id) {
  std::vector<nlohmann::ordered_json> actions;
  nlohmann::ordered_json protocol = state.protocol;
  nlohmann::ordered_json metadata = state.metadata;
  if (auto raised = raised_protocol(state, append.timestamp_ntz); !raised.is_null()) {
    protocol = raised["protocol"];
    actions.push_back(std::move(raised));
  }
  if (state.version < 0) {
    actions.push_back(metadata_action({table_id, append.schema_string, append.timestamp}));
    metadata = actions.back()["metaData"];
  } else if (state.metadata.value("schemaString", std::string()) != append.schema_string) {
    // The captured table's columns changed: the files from here on have the new schema. The
    // table's configuration (a checkpoint interval another writer set, ...) is kept.
    TableMetadata changed{state.metadata.value("id", table_id), append.schema_string,
                          state.metadata.value("createdTime", append.timestamp)};
    if (auto configuration = state.metadata.find("configuration");
        configuration != state.metadata.end() && configuration->is_object()) {
      changed.configuration = *configuration;
    }
    actions.push_back(metadata_action(changed));
    metadata = actions.back()["metaData"];
  }
  actions.push_back(txn_action(append.app_id, append.batch, append.timestamp));
  for (const auto& file : append.files) actions.push_back(add_action(file));
  // The table's protocol and metaData as of this version, in its commitInfo: the next append
  // that finds this version the newest reads this one entry instead of the log back to the
  // last metaData, which would grow with every batch between checkpoints.
  TableAppend described = append;
  described.description["tableState"] = {{"protocol", protocol}, {"metaData", metadata}};
  actions.insert(actions.begin(), append_commit_info(described));
  return entry_text(actions);
}

LogState read_append_state(storage::Storage& storage, const std::string& root,
                           const std::string& app_id) {
  // The entries after the newest checkpoint (all of them when there is none); the walk back
  // never reaches before it, and when they do not hold the state the checkpoint does.
  const ReplayPlan plan = plan_replay(storage.list(log_prefix(root)), root);
  const std::vector<int64_t>& versions = plan.versions;
  LogState state;
  if (versions.empty()) return plan.checkpoint ? read_log(storage, root) : state;
  for (auto version = versions.rbegin(); version != versions.rend(); ++version) {
    const std::string key = log_entry_key(root, *version);
    auto text = storage.read(key);
    if (!text) fail(ErrorKind::storage_error, "{} was listed but cannot be read: it vanished", key);
    LogState entry;
    apply_entry(entry, *version, *text, key);
    if (*version == versions.back()) {
      if (auto recorded = recorded_table_state(*text, app_id)) {
        recorded->version = *version;
        return *recorded;
      }
    }
    if (state.protocol.is_null() && !entry.protocol.is_null()) state.protocol = entry.protocol;
    if (state.metadata.is_null() && !entry.metadata.is_null()) state.metadata = entry.metadata;
    if (!state.txn.count(app_id)) {
      if (auto txn = entry.txn.find(app_id); txn != entry.txn.end()) state.txn.insert(*txn);
    }
    if (!state.protocol.is_null() && !state.metadata.is_null() && state.txn.count(app_id)) break;
  }
  if (state.protocol.is_null() || state.metadata.is_null() ||
      (plan.checkpoint && !state.txn.count(app_id))) {
    // The entries after the checkpoint do not hold the newest protocol, metaData or this
    // writer's txn: the checkpoint does (a txn missing there too means none).
    return read_log(storage, root);
  }
  state.version = versions.back();
  return state;
}

bool holds_batch(const LogState& state, const std::string& app_id, int64_t batch) {
  auto found = state.txn.find(app_id);
  return found != state.txn.end() && found->second >= batch;
}

AppendResult append_batch(storage::Storage& storage, const TableAppend& append, LogState& state) {
  for (int attempt = 1;; ++attempt) {
    if (holds_batch(state, append.app_id, append.batch)) return AppendResult::already_held;
    check_writable(state, append.root);
    const int64_t version = state.version + 1;
    const std::string key = log_entry_key(append.root, version);
    const std::string text = build_append_entry(state, append, new_table_id());
    const auto outcome = storage::create_commit_point(
        storage, key, text, [&](const std::exception& error, const std::exception& read_error) {
          throw CommitUncertain(
              ErrorKind::storage_error,
              fmt::format("cannot tell whether Delta table {} got version {}: creating {} failed "
                          "({}) and reading it back failed too ({}); the next run reads the log "
                          "and knows",
                          append.display_name, version, key, error.what(), read_error.what()));
        });
    if (outcome == storage::ConditionalWrite::written) {
      apply_entry(state, version, text, key);
      log::info("delta version committed", {{"table", append.display_name},
                                            log::field("version", version),
                                            log::field("batch", append.batch),
                                            log::field("files", append.files.size())});
      checkpoint_after_append(storage, append, version, state.metadata);
      return AppendResult::appended;
    }
    // Another writer took the version: what it wrote decides (a twin may have published this
    // very batch).
    state = read_append_state(storage, append.root, append.app_id);
    if (attempt == kAppendAttempts && !holds_batch(state, append.app_id, append.batch)) {
      fail(ErrorKind::table_conflict,
           "Delta table {}: other writers created each of the versions this append tried ({} "
           "times, the last {}); the batch is not in it yet, and the next run appends it",
           append.display_name, kAppendAttempts, key);
    }
  }
}

}  // namespace pgexport::table::delta
