// The Parquet writer's options as the command line sets them, for the format and for the
// memory plan, which sizes the writers' leases from them.
#pragma once

#include "cli/options.hpp"
#include "export/exporter.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::cli {

// Everything but what the memory plan decides (row_group_bytes, memory).
format::parquet::ParquetOptions parquet_options(const Settings& settings,
                                                const exporter::ExportConfig& config);

}  // namespace pgexport::cli
