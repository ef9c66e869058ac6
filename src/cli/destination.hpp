// Builds the format and the destination storage that the options name.
#pragma once

#include <memory>

#include "cli/options.hpp"
#include "export/exporter.hpp"
#include "format/format.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

std::unique_ptr<format::Format> make_format(const Settings& settings,
                                            const exporter::ExportConfig& config);

std::unique_ptr<storage::Storage> make_storage(const Settings& settings);

}  // namespace pgexport::cli
