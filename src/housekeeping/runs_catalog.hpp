// What a destination holds, as housekeeping sees it: the runs under runs/<id>/ (committed when
// runs/<id>/_manifest.json exists), their manifests, and the latest.json pointer. Only the keys
// a manifest lists are trusted as the run's data; nothing here assumes how keys below
// runs/<id>/ are shaped, so attempt sub-prefixes and future layouts read the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage.hpp"

namespace pgexport::housekeeping {

using storage::TimePoint;

// The part of the destination housekeeping may look at and change; everything else (such as
// changes/) is never touched.
inline constexpr std::string_view kRunsPrefix = "runs/";

struct ManifestFile {
  std::string key;  // relative to the destination root
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string sha256_hex;
};

struct ManifestTable {
  std::string schema;
  std::string name;
  uint64_t rows = 0;
  std::vector<ManifestFile> files;
  // With --table-format delta: the table's root and the Delta version the run committed.
  std::string delta_table;
  std::optional<int64_t> delta_version;
};

// The fields of a manifest that housekeeping relies on (see export/manifest.cpp).
struct Manifest {
  std::string run_id;
  std::string finished_at;
  TimePoint finished;
  std::string format;       // csv, jsonl, parquet
  std::string compression;  // zstd, gzip, snappy, none
  // CSV files start with a header row, unless format_options names a dialect without one
  // (--layout dms).
  bool csv_header = true;
  std::vector<ManifestTable> tables;
  std::string snapshot_at;  // empty when the manifest has none (older versions)
  // A run of change data capture (cdc init or materialize wrote it): its `cdc` section's slot
  // and consistent point, when both are there as text.
  std::optional<std::string> cdc_slot;
  std::optional<std::string> cdc_consistent_point;

  uint64_t rows() const;
  uint64_t bytes() const;
  size_t files() const;
};

// A manifest, or the reason the bytes are not one ("not valid JSON ...", "tables[2].files[0]
// has no sha256"). Exactly one of the two is set.
struct ManifestParse {
  std::optional<Manifest> manifest;
  std::string problem;
};
ManifestParse parse_manifest(std::string_view text);

struct LatestPointer {
  std::string run_id;
  std::string manifest_key;
  std::string finished_at;
};

// latest.json: absent (nothing committed yet), a pointer, or a problem when it cannot be read.
struct LatestParse {
  bool present = false;
  std::optional<LatestPointer> pointer;
  std::string problem;
};
LatestParse parse_latest(std::string_view text);
LatestParse read_latest(storage::Storage& storage);

// Everything under one runs/<id>/ prefix.
struct Run {
  std::string id;
  std::vector<storage::ObjectStat> objects;  // every committed object, the manifest included
  TimePoint newest_object{};                 // the most recent modified time among them
  bool committed = false;                    // runs/<id>/_manifest.json exists
  ManifestParse manifest;                    // read and parsed for committed runs only
};

struct DestinationState {
  std::vector<Run> runs;  // ordered by id
  LatestParse latest;
};

// One listing of runs/ (with times), latest.json, and every committed run's manifest.
DestinationState scan_destination(storage::Storage& storage);

// The committed runs whose manifests are valid, newest finished first (ties: larger id first).
std::vector<const Run*> committed_runs_newest_first(const DestinationState& state);

// The id of the run a key under runs/ belongs to: "runs/<id>/..." -> "<id>"; nullopt for keys
// outside runs/ or directly in it.
std::optional<std::string> run_id_of_key(std::string_view key);

}  // namespace pgexport::housekeeping
