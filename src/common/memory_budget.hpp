// A process-wide byte budget (--memory-limit). Large buffers (S3 part buffers above all) are
// leased from one MemoryBudget, so all workers together stay under the limit: a worker that
// needs a buffer while the budget is spent blocks until another worker returns one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace pgexport {

class MemoryBudget;

// Bytes held from a MemoryBudget; returned when the lease is destroyed or released.
class MemoryLease {
 public:
  MemoryLease() = default;
  MemoryLease(MemoryLease&& other) noexcept;
  MemoryLease& operator=(MemoryLease&& other) noexcept;
  MemoryLease(const MemoryLease&) = delete;
  MemoryLease& operator=(const MemoryLease&) = delete;
  ~MemoryLease() { release(); }

  uint64_t bytes() const { return bytes_; }
  explicit operator bool() const { return budget_ != nullptr; }
  // Returns the bytes now; the lease becomes empty.
  void release() noexcept;
  // Takes over `more`'s bytes, so one lease can grow piece by piece. Both must come from the
  // same budget (or either be empty).
  void merge(MemoryLease&& more);

 private:
  friend class MemoryBudget;
  MemoryLease(MemoryBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}

  MemoryBudget* budget_ = nullptr;
  uint64_t bytes_ = 0;
};

// Thread-safe. Waiters are served first come, first served, so a request for a large buffer
// is not starved by a stream of small ones. A budget must outlive its leases.
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t total_bytes);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Blocks until `bytes` are free, then holds them. Throws pgexport::Error (usage) when
  // `bytes` exceeds the whole budget, since waiting could never succeed.
  MemoryLease acquire(uint64_t bytes);
  // Holds `bytes` if they are free right now and no one is queued before us.
  MemoryLease try_acquire(uint64_t bytes);

  uint64_t total() const { return total_; }
  uint64_t in_use() const;
  // The most bytes ever held at once: lets tests (and end-of-run stats) check the bound.
  uint64_t peak() const;
  // How many acquire() calls are queued right now: lets tests (and stall reports) see that a
  // writer is blocked on the budget without guessing with sleeps.
  uint64_t waiting() const;

 private:
  friend class MemoryLease;
  void release(uint64_t bytes) noexcept;

  const uint64_t total_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  // FIFO tickets: a waiter may proceed only when its ticket is the one being served.
  uint64_t next_ticket_ = 0;
  uint64_t serving_ticket_ = 0;
};

}  // namespace pgexport
