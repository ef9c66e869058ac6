#include "export/commit.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "export/layout.hpp"

namespace pgexport::exporter {

namespace {

// Concurrent movers of latest.json retry their compare-and-swap; each lost round means
// another run moved it, so a handful of rounds is plenty even for a burst of runs.
constexpr int kPointerRounds = 16;

bool is_newer(const LatestPointer& candidate, const LatestPointer& current) {
  if (candidate.snapshot_at != current.snapshot_at) {
    return candidate.snapshot_at > current.snapshot_at;
  }
  return candidate.run_id > current.run_id;  // a tie is broken the same way by everyone
}

}  // namespace

ManifestOutcome create_manifest(storage::Storage& storage, const std::string& run_id,
                                const std::string& manifest_text) {
  const std::string key = manifest_key(run_id);
  auto outcome = storage::create_commit_point(
      storage, key, manifest_text,
      [&](const std::exception& error, const std::exception& read_error) {
        throw CommitUncertain(
            ErrorKind::storage_error,
            fmt::format("cannot tell whether run '{}' was committed: creating {} failed ({}) and "
                        "reading it back failed too ({}); its data is left in place: run "
                        "`pgexport verify --run-id {}`, and `pgexport cleanup` removes it if the "
                        "run has no manifest",
                        run_id, key, error.what(), read_error.what(), run_id));
      });
  return outcome == storage::ConditionalWrite::written ? ManifestOutcome::committed
                                                       : ManifestOutcome::already_exists;
}

std::string serialize_latest_pointer(const LatestPointer& pointer) {
  nlohmann::ordered_json json = {{"run_id", pointer.run_id},
                                 {"manifest", pointer.manifest_key},
                                 {"snapshot_at", pointer.snapshot_at},
                                 {"finished_at", pointer.finished_at}};
  return json.dump(2) + "\n";
}

LatestPointer parse_latest_pointer(const std::string& text) {
  try {
    auto json = nlohmann::json::parse(text);
    LatestPointer pointer;
    pointer.run_id = json.at("run_id").get<std::string>();
    pointer.manifest_key = json.at("manifest").get<std::string>();
    // Pointers written before runs were ordered by snapshot carry no snapshot_at: they sort
    // before every run that has one.
    pointer.snapshot_at = json.value("snapshot_at", std::string());
    pointer.finished_at = json.value("finished_at", std::string());
    return pointer;
  } catch (const nlohmann::json::exception& error) {
    fail(ErrorKind::storage_error, "{} is not a pgexport latest pointer: {}", kLatestKey,
         error.what());
  }
}

PointerOutcome move_latest_pointer(storage::Storage& storage, const LatestPointer& pointer) {
  const std::string key(kLatestKey);
  const std::string text = serialize_latest_pointer(pointer);
  for (int round = 0; round < kPointerRounds; ++round) {
    auto current = storage.read_versioned(key);
    if (!current) {
      if (storage.create_if_absent(key, text) == storage::ConditionalWrite::written) {
        return PointerOutcome::moved;
      }
      continue;  // another run created it first: compare with what it wrote
    }
    std::optional<LatestPointer> named;
    try {
      named = parse_latest_pointer(current->bytes);
    } catch (const Error& error) {
      log::warn("replacing an unreadable latest pointer", {{"error", error.what()}});
    }
    if (named && !is_newer(pointer, *named)) return PointerOutcome::newer_exists;
    if (storage.replace_if_unchanged(key, text, current->version) ==
        storage::ConditionalWrite::written) {
      return PointerOutcome::moved;
    }
  }
  fail(ErrorKind::storage_transient,
       "{} kept changing under concurrent runs; gave up after {} rounds", kLatestKey,
       kPointerRounds);
}

}  // namespace pgexport::exporter
