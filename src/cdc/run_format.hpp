// The Parquet format of files added to an existing run (change files, a materialized run): the
// run's page codec and type rules, as its manifest records them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "format/format.hpp"

namespace pgexport::cdc {

// The Parquet format of files added to a run whose manifest says `compression` and
// `format_options` (null: a manifest from before format_options, the default rules); `level`
// is the page codec's level (the export's fast default when absent). Throws usage naming
// `manifest_key` for options that do not parse or a codec Parquet pages are never written with.
std::unique_ptr<format::Format> make_parquet_format_like(
    const std::string& compression, const nlohmann::json& format_options, std::optional<int> level,
    uint64_t row_group_bytes, const std::string& manifest_key,
    std::vector<std::pair<std::string, std::string>> metadata);

}  // namespace pgexport::cdc
