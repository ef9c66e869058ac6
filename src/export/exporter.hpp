// A full export: one snapshot, N workers, every selected table written through the chosen
// format into the destination, and the manifest written last as the commit point.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "compress/stream_compressor.hpp"
#include "format/format.hpp"
#include "pg/catalog.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

struct ExportConfig {
  std::string source;  // libpq connection string or URI; empty = libpq environment
  std::string run_id;
  int jobs = 2;
  pg::TableFilter filter;
  uint64_t chunk_bytes = 256ull << 20;
  uint64_t max_file_bytes = 0;  // 0 = one file per task
  compress::StreamCodec codec = compress::StreamCodec::zstd;
  std::optional<int> compression_level;
  std::string format_name;       // for the manifest: "csv", "jsonl", "parquet"
  std::string compression_name;  // for the manifest: "zstd", ...
  std::chrono::seconds lock_timeout{60};
};

struct ExportSummary {
  std::string run_id;
  std::string manifest_key;
  size_t tables = 0;
  size_t files = 0;
  uint64_t rows = 0;
  uint64_t wire_bytes = 0;    // bytes received from PostgreSQL
  uint64_t stored_bytes = 0;  // bytes written to the destination
  double seconds = 0;
  std::string snapshot;
};

// Fails with run_exists when the destination already holds objects of `run_id`.
void check_run_is_new(storage::Storage& storage, const std::string& run_id);

// Runs the export. On any failure nothing is published: objects already written under the
// run's prefix are removed and the error is rethrown.
ExportSummary run_export(const ExportConfig& config, const format::Format& format,
                         storage::Storage& storage);

}  // namespace pgexport::exporter
