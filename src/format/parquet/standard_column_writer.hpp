// One leaf writer template for every physical type; a policy (value_policies.hpp) says how the
// physical type is stored and ordered and how a PostgreSQL binary value converts to it.
//
// Encoding: each chunk starts dictionary-encoded (RLE_DICTIONARY pages, one PLAIN dictionary
// page) and falls back to PLAIN for the rest of the chunk when the dictionary passes its byte
// limit, or early when a sample shows it would not be smaller than PLAIN (unique keys, times).
// On fallback the current page is rewritten as PLAIN; pages already written keep using the
// dictionary, which is still written first in the chunk, and if there are none it is dropped.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "format/parquet/column_writer.hpp"
#include "format/parquet/dictionary.hpp"
#include "format/parquet/rle_encoder.hpp"

namespace pgexport::format::parquet {

template <typename Policy>
class StandardColumnWriter final : public PrimitiveColumnWriter {
 public:
  using Value = typename Policy::Value;

  StandardColumnWriter(Policy policy, LeafSchema schema, const ColumnWriterSettings& settings)
      : PrimitiveColumnWriter(Policy::kPhysical, std::move(schema), settings),
        policy_(std::move(policy)),
        dictionary_(Policy::kPhysical == PhysicalType::byte_array) {
    reset_dictionary();
  }

  void write(std::optional<std::string_view> value, uint8_t repetition_level) override {
    start_slot(repetition_level);
    if (!value) {
      add_null(repetition_level);
      return;
    }
    const Value converted = policy_.convert(*value);
    update_statistics(converted);
    // A value that alone passes the dictionary's limit would make the dictionary fall back
    // anyway, after a copy of it the size of the value: go PLAIN first, so a 1 GB text is held
    // once (in the page), not twice.
    if (use_dictionary_ && Policy::plain_size(converted) > settings_.dictionary_bytes) fall_back();
    if (use_dictionary_) {
      append_index(converted);
    } else {
      append_plain(converted);
    }
    add_value_levels(repetition_level);
  }

 protected:
  Encoding append_page_values(std::string& page) override {
    if (!indices_.empty()) {
      // Dictionary indices: one byte of bit width, then the hybrid runs with no length prefix.
      int width = std::max(1, bit_width(dictionary_.size() - 1));
      page.push_back(static_cast<char>(width));
      append_rle_hybrid(page, indices_, width);
      indices_.clear();
      ++dictionary_encoded_pages_;
      return Encoding::rle_dictionary;
    }
    if constexpr (kIsBoolean) {
      append_bit_packed(page, booleans_, 1);
      booleans_.clear();
    } else {
      page += plain_values_;
      // A page that held a huge value gives its memory back before the page is compressed,
      // so the value is not held three times (values, page body, compressed page) at once.
      release_grown_buffer(plain_values_);
      plain_values_.clear();
    }
    return Encoding::plain;
  }

  std::optional<std::pair<std::string, int32_t>> take_dictionary() override {
    std::optional<std::pair<std::string, int32_t>> result;
    if (dictionary_encoded_pages_ > 0) {
      int32_t count = static_cast<int32_t>(dictionary_.size());
      result.emplace(dictionary_.take_plain(), count);
    }
    reset_dictionary();
    return result;
  }

  void take_value_statistics(Statistics& statistics) override {
    if constexpr (kIsFloating) statistics.nan_count = nan_count_;
    if (has_min_max_) {
      Stored min = min_, max = max_;
      if constexpr (kIsFloating) {
        // parquet.thrift, ColumnOrder: a zero minimum is written as -0.0 and a zero maximum as
        // +0.0, because readers cannot tell which zeros the chunk holds.
        if (min == 0) min = -static_cast<Stored>(0);
        if (max == 0) max = static_cast<Stored>(0);
      }
      std::string min_bytes = statistic_bytes(min), max_bytes = statistic_bytes(max);
      if constexpr (Policy::kPhysical == PhysicalType::byte_array) {
        if (max_truncated_) max_bytes.assign(kMaxStatisticBytes + 1, '\0');  // too long: omitted
        if (min_bytes.size() > kMaxStatisticBytes) {
          // A prefix is still a lower bound; a long maximum has no cheap exact upper bound.
          min_bytes.resize(utf8_boundary(min_bytes, kMaxStatisticBytes));
          statistics.is_min_value_exact = false;
        } else {
          statistics.is_min_value_exact = true;
        }
        statistics.min_value = std::move(min_bytes);
        if (max_bytes.size() <= kMaxStatisticBytes) {
          statistics.max_value = std::move(max_bytes);
          statistics.is_max_value_exact = true;
        }
      } else {
        statistics.min_value = std::move(min_bytes);
        statistics.max_value = std::move(max_bytes);
        statistics.is_min_value_exact = statistics.is_max_value_exact = true;
      }
    }
    has_min_max_ = false;
    min_truncated_ = max_truncated_ = false;
    min_ = max_ = Stored{};
    nan_count_ = 0;
  }

 private:
  static constexpr bool kIsBoolean = std::is_same_v<Value, bool>;
  static constexpr bool kIsFloating = std::is_floating_point_v<Value>;
  static constexpr bool kIsBytes = std::is_same_v<Value, std::string_view>;
  using Stored = std::conditional_t<kIsBytes, std::string, Value>;

  // Byte-array bounds longer than this are shortened (minimum) or left out (maximum), so
  // long text values do not bloat the footer.
  static constexpr size_t kMaxStatisticBytes = 256;
  // What a new dictionary entry costs beyond its PLAIN bytes: its offset, hash and two slots.
  static constexpr uint64_t kDictionaryEntryOverhead = 24;
  // After this many values a chunk checks that its dictionary pays for itself; unique keys and
  // timestamps do not, and would otherwise fill a dictionary before falling back anyway.
  static constexpr uint64_t kDictionaryProbeValues = 10'000;

  void reset_dictionary() {
    use_dictionary_ = Policy::kDictionary && settings_.dictionary_bytes > 0;
    dictionary_.clear();
    dictionary_encoded_pages_ = 0;
    dictionary_values_ = 0;
    dictionary_value_bytes_ = 0;
  }

  // The value's bytes as the dictionary keys them: its PLAIN encoding without a length prefix.
  static std::string_view key_bytes(const Value& value) {
    if constexpr (kIsBytes) {
      return value;
    } else {
      return std::string_view(reinterpret_cast<const char*>(&value), sizeof(Value));
    }
  }

  void append_index(const Value& value) {
    bool added = false;
    uint32_t index = dictionary_.index_of(key_bytes(value), added);
    indices_.push_back(index);
    count_buffered(sizeof(uint32_t));
    ++dictionary_values_;
    dictionary_value_bytes_ += Policy::plain_size(value);
    if (added) {
      count_chunk_memory(Policy::plain_size(value) + kDictionaryEntryOverhead);
      if (dictionary_.plain().size() > settings_.dictionary_bytes) return fall_back();
    }
    if (dictionary_values_ == kDictionaryProbeValues && !dictionary_pays()) fall_back();
  }

  // Whether dictionary encoding (entries plus bit-packed indices) has been smaller than PLAIN.
  bool dictionary_pays() const {
    uint64_t indices_bytes = dictionary_values_ * bit_width(dictionary_.size()) / 8;
    return dictionary_.plain().size() + indices_bytes < dictionary_value_bytes_;
  }

  // Switches the rest of the chunk to PLAIN, starting with the current page's values.
  void fall_back() {
    for (uint32_t index : indices_) plain_values_.append(dictionary_.plain_entry(index));
    count_buffered(plain_values_.size());
    indices_.clear();
    use_dictionary_ = false;
    if (dictionary_encoded_pages_ == 0) {
      dictionary_.clear();  // no page refers to it
    } else {
      dictionary_.drop_index();  // only the entries are needed, for the dictionary page
    }
  }

  void append_plain(const Value& value) {
    if constexpr (kIsBoolean) {
      booleans_.push_back(value ? 1 : 0);
      count_buffered(1);
    } else {
      Policy::append_plain(plain_values_, value);
      count_buffered(Policy::plain_size(value));
    }
  }

  void update_statistics(Value value) {
    if constexpr (kIsFloating) {
      if (std::isnan(value)) {  // NaN has no place in an order: counted, never a bound
        ++nan_count_;
        return;
      }
    }
    if constexpr (Policy::kPhysical == PhysicalType::byte_array) {
      if (value.size() > kMaxStatisticBytes || min_truncated_ || max_truncated_) {
        return update_long_statistics(value);
      }
    }
    if (!has_min_max_) {
      min_ = Stored(value);
      max_ = Stored(value);
      has_min_max_ = true;
    } else if (Policy::less(value, min_)) {
      min_ = Stored(value);
    } else if (Policy::less(max_, value)) {
      max_ = Stored(value);
    }
  }

  // Byte-array bounds when a value is longer than a statistic keeps: each bound is held as at
  // most kMaxStatisticBytes + 1 bytes, so a 1 GB value is never copied for its statistics.
  // A truncated minimum is a prefix of the true one, so still a lower bound (written as
  // inexact); a truncated maximum is never written, but its prefix still decides exactly
  // whether a later value is larger (one that does not start with the prefix compares within
  // it), and when it cannot (both start with it) the maximum stays too long to write.
  void update_long_statistics(std::string_view value) {
    const std::string_view kept = value.substr(0, kMaxStatisticBytes + 1);
    const bool truncated = kept.size() < value.size();
    if (!has_min_max_) {
      min_ = max_ = std::string(kept);
      min_truncated_ = max_truncated_ = truncated;
      has_min_max_ = true;
      return;
    }
    // The minimum: a value below the kept prefix, or equal to it while the prefix stands for a
    // longer value, is the new minimum.
    if (Policy::less(value, min_) || (min_truncated_ && value == std::string_view(min_))) {
      min_ = std::string(kept);
      min_truncated_ = truncated;
    }
    // The maximum.
    const std::string_view max = max_;
    if (max_truncated_ ? (!value.starts_with(max) && Policy::less(max, value))
                       : Policy::less(max, value)) {
      max_ = std::string(kept);
      max_truncated_ = truncated;
    }
  }

  static std::string statistic_bytes(const Stored& value) {
    // Statistics are PLAIN-encoded, except that byte arrays carry no length prefix.
    if constexpr (kIsBytes) {
      return value;
    } else {
      std::string bytes;
      Policy::append_plain(bytes, value);
      return bytes;
    }
  }

  // The longest prefix of at most `limit` bytes that does not split a UTF-8 sequence.
  static size_t utf8_boundary(const std::string& text, size_t limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return cut;
  }

  Policy policy_;
  bool use_dictionary_ = false;

  // The current page's values: dictionary indices, or PLAIN bytes (booleans: one per byte,
  // bit-packed when the page is closed).
  std::vector<uint32_t> indices_;
  std::string plain_values_;
  std::vector<uint8_t> booleans_;

  // The chunk's dictionary, how many pages used it, and what it has encoded so far.
  Dictionary dictionary_;
  int32_t dictionary_encoded_pages_ = 0;
  uint64_t dictionary_values_ = 0;
  uint64_t dictionary_value_bytes_ = 0;  // their PLAIN size

  // Chunk statistics.
  bool has_min_max_ = false;
  bool min_truncated_ = false;  // min_ is the prefix of a longer minimum (byte arrays)
  bool max_truncated_ = false;  // max_ is the prefix of a longer maximum (byte arrays)
  Stored min_{};
  Stored max_{};
  int64_t nan_count_ = 0;
};

}  // namespace pgexport::format::parquet
