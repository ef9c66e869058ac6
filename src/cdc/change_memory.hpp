// How `pgexport cdc run` divides --memory-limit (docs/cdc.md, "Memory"). S3 part buffers are
// leased from a budget, but every open change file also holds an encoder, a compressor and, in a
// directory, a write buffer that no budget sees, and the process itself needs some memory. Both
// are taken off the limit before the part budget is sized, so the whole process stays under
// --memory-limit however many tables a transaction touches and however large it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace pgexport::cdc {

// The process with no change file open: code, libpq, libcurl, the threads, the replication
// stream's current message and one change row. Measured at 14 MiB (bench/memory.sh); a single
// row or value larger than the margin comes on top.
inline constexpr uint64_t kProcessBytes = 16ull << 20;

// One open change file besides its part buffers: a zstd level-1 stream context (1.3 MiB; gzip
// needs less), the compressor's 128 KiB output chunk, the encoder's 64 KiB buffer and the
// directory destination's 1 MiB write buffer.
inline constexpr uint64_t kOpenFileBytes = 3ull << 20;

struct ChangeMemoryPlan {
  uint64_t upload_bytes = 0;  // the budget every S3 part buffer is leased from
  size_t max_open_files = 0;  // change files a batch keeps open at once
};

// As many open files as fit, each with room for one part buffer, plus one part buffer more, so
// a full buffer can always go up while the other files wait (parts in flight are leased from
// the same budget). nullopt when not even one file fits.
std::optional<ChangeMemoryPlan> plan_change_memory(uint64_t memory_limit, uint64_t part_size);

// The smallest --memory-limit plan_change_memory accepts for `part_size`.
uint64_t minimum_change_memory(uint64_t part_size);

}  // namespace pgexport::cdc
