#include "common/memory_budget.hpp"

#include <algorithm>
#include <utility>

#include "common/error.hpp"

namespace pgexport {

MemoryLease::MemoryLease(MemoryLease&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

MemoryLease& MemoryLease::operator=(MemoryLease&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void MemoryLease::release() noexcept {
  if (budget_ != nullptr) budget_->release(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

void MemoryLease::merge(MemoryLease&& more) {
  if (!more) return;
  if (budget_ == nullptr) {
    *this = std::move(more);
    return;
  }
  if (more.budget_ != budget_) fail(ErrorKind::internal, "memory leases of two budgets merged");
  bytes_ += std::exchange(more.bytes_, 0);
  more.budget_ = nullptr;
}

MemoryBudget::MemoryBudget(uint64_t total_bytes) : total_(total_bytes) {}

MemoryLease MemoryBudget::acquire(uint64_t bytes) {
  if (bytes > total_) {
    fail(ErrorKind::usage,
         "a buffer of {} bytes does not fit in the memory limit of {} bytes: raise "
         "--memory-limit or lower --part-size",
         bytes, total_);
  }
  std::unique_lock lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  freed_.wait(lock, [&] { return serving_ticket_ == ticket && total_ - in_use_ >= bytes; });
  ++serving_ticket_;
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
  // The next waiter in line may also fit in what is left.
  freed_.notify_all();
  return MemoryLease(this, bytes);
}

MemoryLease MemoryBudget::try_acquire(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  if (serving_ticket_ != next_ticket_ || bytes > total_ - in_use_) return {};
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
  return MemoryLease(this, bytes);
}

uint64_t MemoryBudget::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

uint64_t MemoryBudget::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

uint64_t MemoryBudget::waiting() const {
  std::lock_guard lock(mutex_);
  return next_ticket_ - serving_ticket_;
}

void MemoryBudget::release(uint64_t bytes) noexcept {
  {
    std::lock_guard lock(mutex_);
    in_use_ -= std::min(bytes, in_use_);
  }
  freed_.notify_all();
}

}  // namespace pgexport
