// Spool mode: the export is written completely to a local directory (an EFS mount, typically)
// and only then uploaded. If the process dies during the upload, running the same command
// again with the same spool uploads what is missing, without reading the database again, and
// publishes the same run. The spool is emptied once the run is published. Each spooled file
// is uploaded as one object, so the export rolls its files at the destination's largest object
// (the spool reports it as its own), as it would writing to the destination directly.
#pragma once

#include <filesystem>

#include "export/exporter.hpp"

namespace pgexport::exporter {

ExportSummary run_spooled_export(const ExportConfig& config, const format::Format& format,
                                 const std::filesystem::path& spool_directory,
                                 storage::Storage& destination);

}  // namespace pgexport::exporter
