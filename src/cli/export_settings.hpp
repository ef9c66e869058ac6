// What `export`, `lambda` and `cdc init` (which runs an export) share: the export's
// configuration read from its options, what it runs with, and the report of a committed run.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>

#include "cli/destination.hpp"
#include "cli/options.hpp"
#include "export/exporter.hpp"
#include "format/format.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

// The export options (export_options()) as an ExportConfig. Throws usage for combinations
// the table cannot express (snappy outside parquet).
exporter::ExportConfig make_export_config(const Settings& settings);

// Everything an export runs with, built from its options: the configuration, the memory
// budget, the format and the opened destination.
struct PreparedExport {
  exporter::ExportConfig config;
  MemoryPlan memory;
  std::unique_ptr<format::Format> format;
  std::unique_ptr<storage::Storage> storage;
};
PreparedExport prepare_export(const Settings& settings);

// The committed run as one JSON object (run_id, manifest, tables, files, rows, bytes_read,
// bytes_written, seconds, snapshot, destination): what `pgexport lambda` answers with.
nlohmann::json summary_document(const exporter::ExportSummary& summary,
                                const storage::Storage& storage);

// Logs the committed run and prints the one-paragraph summary on stdout.
void report_committed_export(const exporter::ExportSummary& summary,
                             const exporter::ExportConfig& config, const storage::Storage& storage);

}  // namespace pgexport::cli
