// The columns of the classic (V1) checkpoints pgexport writes (PROTOCOL.md, "Checkpoint
// Schema"): one top-level optional struct per action kind, each row holding exactly one
// action. Shared by the writer and by the reader, which reads these columns from checkpoints
// of any writer.
#pragma once

#include <vector>

#include "format/parquet/nested_column_writer.hpp"

namespace pgexport::table::delta {

// txn, add, remove, metaData, protocol, in this order.
std::vector<format::parquet::NestedField> checkpoint_schema();

// The index of each top-level column in checkpoint_schema().
enum CheckpointColumn : size_t { kTxn = 0, kAdd, kRemove, kMetadata, kProtocol, kColumns };

}  // namespace pgexport::table::delta
