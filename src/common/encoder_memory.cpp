#include "common/encoder_memory.hpp"

#include <utility>

#include "common/error.hpp"

namespace pgexport {

EncoderMemory::EncoderMemory(int writers, uint64_t fixed_per_writer, uint64_t growth_bytes)
    : fixed_per_writer_(fixed_per_writer),
      share_(static_cast<uint64_t>(writers) * fixed_per_writer + growth_bytes),
      growth_(growth_bytes) {}

MemoryLease EncoderMemory::hold(uint64_t bytes) {
  if (bytes > fixed_per_writer_) {
    fail(ErrorKind::internal,
         "a writer asked for {} bytes of working memory where the memory plan set aside {}", bytes,
         fixed_per_writer_);
  }
  return share_.acquire(bytes);
}

bool EncoderMemory::try_grow(GrowthLease& lease, uint64_t bytes) {
  MemoryLease from_cap = growth_.try_acquire(bytes);
  if (!from_cap) return false;
  // Growth never exceeds its room, so the share has these bytes unless a hold() is queued
  // (more writers open than planned); then the row group gives way.
  MemoryLease from_share = share_.try_acquire(bytes);
  if (!from_share) return false;  // from_cap returns its bytes on the way out
  lease.from_cap_.merge(std::move(from_cap));
  lease.from_share_.merge(std::move(from_share));
  return true;
}

}  // namespace pgexport
