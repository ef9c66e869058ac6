// What `export` and `cdc init` (which runs an export) share: the export's configuration read
// from its options, and the report of a committed run.
#pragma once

#include "cli/options.hpp"
#include "export/exporter.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

// The export options (export_options()) as an ExportConfig. Throws usage for combinations
// the table cannot express (snappy outside parquet).
exporter::ExportConfig make_export_config(const Settings& settings);

// Logs the committed run and prints the one-paragraph summary on stdout.
void report_committed_export(const exporter::ExportSummary& summary,
                             const exporter::ExportConfig& config, const storage::Storage& storage);

}  // namespace pgexport::cli
