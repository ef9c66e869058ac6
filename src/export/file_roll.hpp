// When a task closes its current data file and continues in the next one (part-<task>-<file>,
// file numbers counting up): at --max-file-size, and before the file could outgrow the largest
// object the destination can store, so a table larger than one object is split, never failed.
#pragma once

#include <cstdint>
#include <optional>

namespace pgexport::exporter {

// What a file may grow past the point where the roll is decided: the row being written (a COPY
// row is at most 1 GiB, PostgreSQL's largest allocation) and what the encoder still buffers
// (a Parquet row group, below the memory limit, and the footer), rounded up generously.
inline constexpr uint64_t kRollHeadroomBytes = uint64_t{2} << 30;

// The stored size at which a file is closed, checked at each row boundary; 0 means never.
// `max_file_bytes` is --max-file-size (0: no limit); `largest_object` what the destination can
// store as one object (nullopt: no limit). Below the largest object the roll comes
// kRollHeadroomBytes early, or at half of it for a destination too small for that headroom.
uint64_t file_roll_bytes(uint64_t max_file_bytes, std::optional<uint64_t> largest_object);

}  // namespace pgexport::exporter
