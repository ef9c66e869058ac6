// The share of --memory-limit that writers of file contents lease their working memory from;
// upload buffers lease the rest (the plan in cli/destination.cpp divides the limit).
//
// A writer leases two kinds of memory:
// - a fixed lease for as long as a file is open: its compression context, page buffers and the
//   first MiB of a Parquet row group. The share keeps room for one per writer, so hold() waits
//   only when more writers are open than the share was planned for.
// - growth: a Parquet row group beyond its first MiB. try_grow() never waits: when the rest of
//   the share is held by other row groups, the row group is written out early instead (smaller
//   row groups, never more memory). So a wide table's row group may take what the other jobs'
//   row groups leave, and no row group can take the memory of another writer's fixed lease.
//
// The two shares are separate budgets on purpose: a writer that writes out a row group waits
// for upload buffers while it keeps its own leases, and uploads that could take the writers'
// share would leave row groups of a few rows.
#pragma once

#include <cstdint>

#include "common/memory_budget.hpp"

namespace pgexport {

// Row-group memory beyond a writer's fixed lease: bytes of the share, counted against the
// growth cap too. Returned when released or destroyed.
class GrowthLease {
 public:
  uint64_t bytes() const { return from_share_.bytes(); }
  void release() noexcept {
    from_share_.release();
    from_cap_.release();
  }

 private:
  friend class EncoderMemory;
  MemoryLease from_share_;
  MemoryLease from_cap_;
};

// Thread-safe; shared by every writer of an export. Must outlive the leases it hands out.
class EncoderMemory {
 public:
  // A share of `writers` × `fixed_per_writer` bytes for fixed leases and `growth_bytes` more
  // for row groups to grow into.
  EncoderMemory(int writers, uint64_t fixed_per_writer, uint64_t growth_bytes);

  // Waits until `bytes` are free, then holds them. Throws pgexport::Error (internal) for more
  // than fixed_per_writer(): the plan would no longer hold.
  MemoryLease hold(uint64_t bytes);
  // Adds `bytes` to `lease` if the growth room has them free now; false (and `lease`
  // unchanged) otherwise.
  bool try_grow(GrowthLease& lease, uint64_t bytes);

  uint64_t fixed_per_writer() const { return fixed_per_writer_; }
  // The whole share: fixed leases and growth together.
  const MemoryBudget& share() const { return share_; }

 private:
  const uint64_t fixed_per_writer_;
  MemoryBudget share_;
  MemoryBudget growth_;  // counts growth leases against their room; never waited on
};

}  // namespace pgexport
