// The commit protocol of a run, on top of the storage seam's conditional writes:
//   1. the manifest is created only if absent, so exactly one attempt commits a run id;
//   2. latest.json only moves forward: to a run whose snapshot is newer than the one it names.
// Both hold among any number of concurrent processes on stores that enforce conditional
// writes (see Storage::supports_conditional_writes and docs/output.md).
#pragma once

#include <string>

#include "common/error.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

enum class ManifestOutcome {
  committed,       // this attempt's manifest is the run's manifest
  already_exists,  // another attempt committed the run id first; this one must withdraw
};

// Thrown (kind storage_error) when it is unknown whether the manifest was created: the
// caller must keep its data, since the run may be committed.
class CommitUncertain : public Error {
 public:
  using Error::Error;
};

// Creates runs/<run-id>/_manifest.json with `manifest_text`, only if absent. When the store
// fails in a way that may hide the outcome (a timeout after the request was sent), it reads
// the manifest back to learn which attempt won; if the manifest is absent the original error
// is rethrown, and if even the read fails it throws CommitUncertain.
ManifestOutcome create_manifest(storage::Storage& storage, const std::string& run_id,
                                const std::string& manifest_text);

// What latest.json says: enough to order runs without reading their manifests.
struct LatestPointer {
  std::string run_id;
  std::string manifest_key;
  std::string snapshot_at;  // when the run's snapshot was taken (UTC, ISO 8601): the order of runs
  std::string finished_at;
};

enum class PointerOutcome {
  moved,         // latest.json now names this run
  newer_exists,  // it names a run with a newer snapshot (or this one), and stays
};

// Points latest.json at `pointer` unless it names a run whose snapshot is newer, with
// compare-and-swap on the pointer object so a slower, older run never moves it backwards.
PointerOutcome move_latest_pointer(storage::Storage& storage, const LatestPointer& pointer);

std::string serialize_latest_pointer(const LatestPointer& pointer);
// Throws storage_error when the text is not a latest pointer.
LatestPointer parse_latest_pointer(const std::string& text);

}  // namespace pgexport::exporter
