// The format of a slot's change files: the base run's format with the base run's type rules
// (for Parquet its representation switches, from the manifest's format_options), and the
// whole-file codec (the base's compression; none for Parquet, which compresses its pages with
// it). docs/cdc.md, "Change files in Parquet".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cdc/base_run.hpp"
#include "compress/stream_compressor.hpp"
#include "format/format.hpp"
#include "pg/types.hpp"

namespace pgexport::cdc {

struct ChangeFormatSettings {
  std::optional<int> compression_level;  // the codec's fast default level when absent
  // Parquet: a change file's row group is written once its encoded data reaches this many
  // bytes, so each open change file holds at most this much besides its upload buffer.
  uint64_t parquet_row_group_bytes = 8ull << 20;
};

// Throws usage for a base run whose format or compression change files cannot take, or whose
// format_options do not parse, saying to run `pgexport cdc init` again.
std::unique_ptr<format::Format> make_change_format(const BaseRun& base,
                                                   const ChangeFormatSettings& settings);

// The compressor around each change file's bytes.
compress::StreamCodec change_stream_codec(const BaseRun& base);

// Gives each column of `relation` that the base run wrote as text because a value had no typed
// form (its manifest output's "fallback") the same fallback, so change files write it as the
// base run's files do.
void apply_base_fallbacks(const BaseTable& table, pg::TableSchema& relation);

// Checks that `format` writes each column of `relation` that `table` (the base run's) also has,
// with the same type, as the base run's manifest says its files do, so change files and base
// files of a table read alike. Throws usage naming the table and column otherwise (a base run
// written by another version of pgexport with other rules): run `pgexport cdc init` again.
void check_change_columns(const BaseRun& base, const BaseTable& table,
                          const pg::TableSchema& relation, const format::Format& format);

}  // namespace pgexport::cdc
