// Reading a classic checkpoint into the state replay continues from: the columns pgexport needs
// of the V1 checkpoint schema (add path/size/partitionValues/modificationTime/dataChange/stats/
// tags, remove tombstones, txn appId/version, metaData, protocol), as pgexport and Spark write
// them. Other columns (stats_parsed, partitionValues_parsed, deletionVector, commitInfo, ...)
// are not read. A checkpoint Parquet reader cannot decode is refused with
// destination_unwritable naming it.
#pragma once

#include <cstdint>
#include <string>

#include "table/delta/delta_log.hpp"

namespace pgexport::table::delta {

// The state at `version` from the checkpoint file's bytes; `key` names it in errors.
LogState read_checkpoint(std::string file, int64_t version, const std::string& key);

}  // namespace pgexport::table::delta
