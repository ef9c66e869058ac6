// The distinct values of one column chunk, kept PLAIN-encoded in first-seen order (which is
// exactly the dictionary page), with a flat open-addressing index from a value's bytes to its
// position. No allocation per entry: a column's dictionary is three growing arrays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::format::parquet {

class Dictionary {
 public:
  // `length_prefixed`: entries are BYTE_ARRAY, PLAIN-encoded with a 4-byte length before the
  // bytes; otherwise the PLAIN encoding is the bytes themselves (fixed-width types).
  explicit Dictionary(bool length_prefixed) : length_prefixed_(length_prefixed) {}

  // The index of the entry whose value bytes equal `key`, adding it if new (`added` says so).
  uint32_t index_of(std::string_view key, bool& added);
  // Entry `index` PLAIN-encoded, as a data page would hold it.
  std::string_view plain_entry(uint32_t index) const {
    return std::string_view(plain_).substr(offsets_[index], offsets_[index + 1] - offsets_[index]);
  }
  size_t size() const { return offsets_.size() - 1; }
  // The PLAIN-encoded entries: the dictionary page's content.
  const std::string& plain() const { return plain_; }
  // Bytes held besides plain(): the offsets, hashes and slots.
  size_t index_bytes() const {
    return offsets_.size() * sizeof(uint64_t) + hashes_.size() * sizeof(uint64_t) +
           slots_.size() * sizeof(uint32_t);
  }

  // Moves the entries out; the dictionary must be cleared before it is used again.
  std::string take_plain() { return std::move(plain_); }
  // Frees the index but keeps the entries (for a dictionary page); index_of() must not follow.
  void drop_index();
  // Empties the dictionary and frees its memory.
  void clear();

 private:
  static uint64_t hash(std::string_view key);
  std::string_view key_of(uint32_t index) const;
  void grow();

  bool length_prefixed_;
  std::string plain_;
  std::vector<uint64_t> offsets_ = {0};  // entry i is plain_[offsets_[i], offsets_[i + 1])
  std::vector<uint64_t> hashes_;         // per entry, to rebuild the slots when growing
  std::vector<uint32_t> slots_;          // entry index + 1, or 0 when empty; power-of-two size
};

}  // namespace pgexport::format::parquet
