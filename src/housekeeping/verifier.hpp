// `verify`: re-reads every object a committed run's manifest lists and checks its size, its
// SHA-256 and its row count (CSV records less the header, JSON lines, or the Parquet footer's
// num_rows), streaming, one object at a time. Everything wrong with the run is collected, one
// problem per object, so a single pass reports all of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "housekeeping/runs_catalog.hpp"
#include "storage/storage.hpp"

namespace pgexport::housekeeping {

struct VerifyProblem {
  std::string object;  // the key it concerns (an object, or the manifest)
  std::string what;    // what differs, e.g. "size is 10 bytes, the manifest says 12"
  std::string line() const { return object + ": " + what; }
};

struct VerifyReport {
  std::string run_id;
  std::string manifest_key;
  size_t objects_checked = 0;
  uint64_t bytes = 0;  // as read
  uint64_t rows = 0;   // as counted
  std::vector<VerifyProblem> problems;
  bool passed() const { return problems.empty(); }
};

// The run latest.json names. Throws Error(verification_failed) when latest.json is absent or
// cannot be read, since then there is nothing that says which run to verify.
LatestPointer run_named_by_latest(storage::Storage& storage);

// Verifies one run through its manifest (`manifest_key`, by default runs/<id>/_manifest.json).
// A missing or invalid manifest, a missing object, or any difference is a problem in the
// report; only failures of the storage itself throw.
VerifyReport verify_run(storage::Storage& storage, const std::string& run_id,
                        std::optional<std::string> manifest_key = std::nullopt);

// Parquet footers larger than this are not read (the object is then reported as unreadable):
// it bounds verify's memory per object (about twice this). A footer grows with columns x row
// groups at roughly 100 bytes each, so this allows e.g. 160 columns in 1,000 row groups of
// pgexport's default size, a 64 GB file.
inline constexpr size_t kMaxParquetFooterBytes = 16u << 20;

}  // namespace pgexport::housekeeping
