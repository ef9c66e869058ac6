#include "table/delta/delta_log.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "common/error.hpp"
#include "table/delta/delta_actions.hpp"
#include "table/delta/delta_checkpoint_reader.hpp"

namespace pgexport::table::delta {

namespace {

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void apply_entry(LogState& state, int64_t version, const std::string& text,
                 const std::string& key) {
  size_t line_number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + begin, end - begin);
    begin = end + 1;
    ++line_number;
    if (line.empty()) continue;
    try {
      auto action = nlohmann::json::parse(line);
      if (auto add = action.find("add"); add != action.end()) {
        auto path = add->at("path").get<std::string>();
        state.files[path] = LiveFile{path, add->at("size").get<uint64_t>(), *add};
        state.tombstones.erase(path);
      } else if (auto remove = action.find("remove"); remove != action.end()) {
        auto path = remove->at("path").get<std::string>();
        state.files.erase(path);
        state.tombstones[path] = *remove;
      } else if (auto protocol = action.find("protocol"); protocol != action.end()) {
        state.protocol = *protocol;
      } else if (auto metadata = action.find("metaData"); metadata != action.end()) {
        state.metadata = *metadata;
      } else if (auto txn = action.find("txn"); txn != action.end()) {
        state.txn[txn->at("appId").get<std::string>()] = txn->at("version").get<int64_t>();
      } else if (auto info = action.find("commitInfo"); info != action.end()) {
        if (auto ours = info->find("pgexport"); ours != info->end() && ours->is_object()) {
          state.runs[ours->at("runId").get<std::string>()] = version;
        }
      } else if (!action.is_object()) {
        fail(ErrorKind::verification_failed, "{} line {} is not a JSON object", key, line_number);
      }
      // Other actions (cdc, domainMetadata, ...) do not change what an overwrite needs.
    } catch (const nlohmann::json::exception& error) {
      fail(ErrorKind::verification_failed, "{} line {} is not a Delta action ({})", key,
           line_number, error.what());
    }
  }
  state.version = version;
}

std::vector<int64_t> listed_versions(const std::vector<std::string>& keys,
                                     const std::string& root) {
  const std::string prefix = log_prefix(root);
  std::set<int64_t> versions;
  bool has_checkpoint = false;
  for (const auto& key : keys) {
    if (!key.starts_with(prefix)) continue;
    std::string_view name(key);
    name.remove_prefix(prefix.size());
    if (name.size() == 25 && name.ends_with(".json") && is_digits(name.substr(0, 20))) {
      versions.insert(std::stoll(std::string(name.substr(0, 20))));
    } else if (name.find(".checkpoint") != std::string_view::npos) {
      has_checkpoint = true;
    }
  }
  std::vector<int64_t> ordered(versions.begin(), versions.end());
  if (!ordered.empty() && ordered.front() != 0) {
    if (has_checkpoint) {
      fail(ErrorKind::destination_unwritable,
           "the Delta log of {} starts at a checkpoint (its first entries were cleaned up), "
           "which pgexport cannot read yet; export to another prefix",
           root);
    }
    fail(ErrorKind::verification_failed, "the Delta log of {} has no version 0 (it starts at {})",
         root, ordered.front());
  }
  for (size_t i = 0; i < ordered.size(); ++i) {
    if (ordered[i] != static_cast<int64_t>(i)) {
      fail(ErrorKind::verification_failed, "the Delta log of {} has no version {} (a gap)", root,
           i);
    }
  }
  return ordered;
}

namespace {

// A checkpoint name's kind: "<20 digits>.checkpoint.parquet" is classic; multi-part
// ("<v>.checkpoint.<part>.<parts>.parquet") and V2 UUID-named ("<v>.checkpoint.<uuid>.json" or
// ".parquet") checkpoints are the others.
enum class CheckpointName { none, classic, other };

CheckpointName checkpoint_name(std::string_view name) {
  if (name.size() < 20 + 11 || !is_digits(name.substr(0, 20)) ||
      name.substr(20, 12) != ".checkpoint.") {
    return CheckpointName::none;
  }
  return name.substr(20) == ".checkpoint.parquet" ? CheckpointName::classic : CheckpointName::other;
}

}  // namespace

ReplayPlan plan_replay(const std::vector<std::string>& keys, const std::string& root) {
  const std::string prefix = log_prefix(root);
  std::set<int64_t> entries, classic;
  std::map<int64_t, std::string> others;
  for (const auto& key : keys) {
    if (!key.starts_with(prefix)) continue;
    std::string_view name(key);
    name.remove_prefix(prefix.size());
    if (name.size() == 25 && name.ends_with(".json") && is_digits(name.substr(0, 20))) {
      entries.insert(std::stoll(std::string(name.substr(0, 20))));
      continue;
    }
    switch (checkpoint_name(name)) {
      case CheckpointName::classic:
        classic.insert(std::stoll(std::string(name.substr(0, 20))));
        break;
      case CheckpointName::other:
        others.emplace(std::stoll(std::string(name.substr(0, 20))), std::string(name));
        break;
      case CheckpointName::none:
        break;
    }
  }
  const int64_t newest = entries.empty() ? -1 : *entries.rbegin();
  auto entries_after = [&](int64_t version) {
    ReplayPlan plan;
    for (int64_t v = version + 1; v <= newest; ++v) {
      if (!entries.count(v)) return std::optional<ReplayPlan>();
      plan.versions.push_back(v);
    }
    return std::optional<ReplayPlan>(std::move(plan));
  };
  // The newest classic checkpoint that every later entry follows without a gap.
  for (auto it = classic.rbegin(); it != classic.rend(); ++it) {
    if (auto plan = entries_after(*it)) {
      plan->checkpoint = *it;
      plan->checkpoint_entry = entries.count(*it) > 0;
      return *plan;
    }
  }
  // Without entries, only a log that holds nothing else is a new table.
  if (entries.empty() ? others.empty() : *entries.begin() == 0) {
    if (auto plan = entries_after(-1)) return *plan;
  }
  for (auto it = others.rbegin(); it != others.rend(); ++it) {
    if (entries_after(it->first)) {
      fail(ErrorKind::destination_unwritable,
           "the Delta log of {} needs its checkpoint {} (its earlier entries were cleaned up), "
           "a multi-part or V2 checkpoint, which pgexport does not read; write a classic "
           "checkpoint with Spark (spark.databricks.delta.checkpoint.partSize large enough) or "
           "export to another prefix",
           root, it->second);
    }
  }
  // No checkpoint covers the log: report the first missing entry, as listed_versions() does.
  listed_versions(keys, root);
  fail(ErrorKind::verification_failed, "the Delta log of {} has a gap no checkpoint covers", root);
}

LogState read_log(storage::Storage& storage, const std::string& root) {
  const ReplayPlan plan = plan_replay(storage.list(log_prefix(root)), root);
  LogState state;
  if (plan.checkpoint) {
    const std::string key = checkpoint_key(root, *plan.checkpoint);
    auto bytes = storage.read(key);
    if (!bytes) {
      fail(ErrorKind::storage_error, "{} was listed but cannot be read: it vanished", key);
    }
    state = read_checkpoint(std::move(*bytes), *plan.checkpoint, key);
    if (plan.checkpoint_entry) {
      // Only its commitInfo is new: which run made the checkpoint's version.
      const std::string entry_key = log_entry_key(root, *plan.checkpoint);
      if (auto text = storage.read(entry_key)) {
        LogState entry;
        apply_entry(entry, *plan.checkpoint, *text, entry_key);
        state.runs.insert(entry.runs.begin(), entry.runs.end());
      }
    }
  }
  for (int64_t version : plan.versions) {
    const std::string key = log_entry_key(root, version);
    auto text = storage.read(key);
    if (!text) {
      fail(ErrorKind::storage_error, "{} was listed but cannot be read: it vanished", key);
    }
    apply_entry(state, version, *text, key);
  }
  return state;
}

void check_writable(const LogState& state, const std::string& root) {
  if (state.version < 0) return;
  if (!state.protocol.is_object() || !state.metadata.is_object()) {
    fail(ErrorKind::verification_failed,
         "the Delta log of {} has no {} action: it is not a valid table; export to another prefix",
         root, state.protocol.is_object() ? "metaData" : "protocol");
  }
  const auto& protocol = state.protocol;
  const int writer = protocol.value("minWriterVersion", 0);
  std::vector<std::string> unsupported;
  if (writer > 2 && writer != 7) {
    unsupported.push_back(fmt::format("writer version {}", writer));
  }
  if (writer == 7) {
    static const std::set<std::string> kKnown = {"timestampNtz", "appendOnly", "invariants"};
    for (const auto& feature : protocol.value("writerFeatures", nlohmann::json::array())) {
      if (!kKnown.count(feature.get<std::string>())) {
        unsupported.push_back(feature.get<std::string>());
      }
    }
  }
  auto configuration = state.metadata.value("configuration", nlohmann::json::object());
  if (configuration.value("delta.appendOnly", std::string()) == "true") {
    unsupported.push_back("delta.appendOnly=true (an overwrite removes files)");
  }
  if (!unsupported.empty()) {
    fail(ErrorKind::destination_unwritable,
         "the Delta table {} needs what pgexport's writer does not implement: {}; export to "
         "another prefix",
         root, fmt::join(unsupported, ", "));
  }
}

}  // namespace pgexport::table::delta
