#include "format/parquet/dictionary.hpp"

#include <cstring>
#include <functional>

namespace pgexport::format::parquet {
namespace {

// The table doubles when half full: short probe sequences, and slots are only 4 bytes.
constexpr size_t kInitialSlots = 1024;
constexpr uint32_t kEmpty = 0;

// Murmur3's 64-bit finaliser: spreads integer keys (often small or sequential) over all bits.
uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

uint64_t Dictionary::hash(std::string_view key) {
  if (key.size() == 8) {
    uint64_t v;
    std::memcpy(&v, key.data(), 8);
    return mix(v);
  }
  if (key.size() == 4) {
    uint32_t v;
    std::memcpy(&v, key.data(), 4);
    return mix(v);
  }
  return std::hash<std::string_view>{}(key);
}

std::string_view Dictionary::key_of(uint32_t index) const {
  std::string_view entry = plain_entry(index);
  return length_prefixed_ ? entry.substr(4) : entry;
}

uint32_t Dictionary::index_of(std::string_view key, bool& added) {
  if (slots_.empty()) slots_.assign(kInitialSlots, kEmpty);
  const uint64_t h = hash(key);
  const size_t mask = slots_.size() - 1;
  size_t position = h & mask;
  while (slots_[position] != kEmpty) {
    uint32_t index = slots_[position] - 1;
    if (hashes_[index] == h && key_of(index) == key) {
      added = false;
      return index;
    }
    position = (position + 1) & mask;
  }
  uint32_t index = static_cast<uint32_t>(size());
  if (length_prefixed_) {
    uint32_t length = static_cast<uint32_t>(key.size());
    char bytes[4];
    std::memcpy(bytes, &length, 4);
    plain_.append(bytes, 4);
  }
  plain_.append(key);
  offsets_.push_back(plain_.size());
  hashes_.push_back(h);
  slots_[position] = index + 1;
  added = true;
  if (size() * 2 > slots_.size()) grow();
  return index;
}

void Dictionary::grow() {
  std::vector<uint32_t> slots(slots_.size() * 2, kEmpty);
  const size_t mask = slots.size() - 1;
  for (uint32_t index = 0; index < size(); ++index) {
    size_t position = hashes_[index] & mask;
    while (slots[position] != kEmpty) position = (position + 1) & mask;
    slots[position] = index + 1;
  }
  slots_.swap(slots);
}

void Dictionary::drop_index() {
  std::vector<uint64_t>().swap(hashes_);
  std::vector<uint32_t>().swap(slots_);
}

void Dictionary::clear() {
  std::string().swap(plain_);
  offsets_.assign(1, 0);
  offsets_.shrink_to_fit();
  drop_index();
}

}  // namespace pgexport::format::parquet
