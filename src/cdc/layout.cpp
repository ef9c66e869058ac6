#include "cdc/layout.hpp"

#include <fmt/format.h>

#include "export/layout.hpp"

namespace pgexport::cdc {

namespace {
// Decimal digits of UINT64_MAX (18446744073709551615): every sequence fits, so zero-padding
// to this width makes lexical order the numeric order.
constexpr size_t kSequenceDigits = 20;
constexpr std::string_view kLogSuffix = ".json";
}  // namespace

std::string change_table_prefix(std::string_view schema, std::string_view table) {
  return fmt::format("{}{}/", kChangesPrefix, exporter::table_directory(schema, table));
}

std::string change_file_key(std::string_view schema, std::string_view table, uint64_t sequence,
                            std::string_view attempt, int file, std::string_view extension) {
  return fmt::format("{}{:020}-{}-{:03}.{}", change_table_prefix(schema, table), sequence, attempt,
                     file, extension);
}

std::string log_entry_key(uint64_t sequence) {
  return fmt::format("{}{:020}{}", kLogPrefix, sequence, kLogSuffix);
}

std::optional<uint64_t> sequence_of_log_key(std::string_view key) {
  if (key.size() != kLogPrefix.size() + kSequenceDigits + kLogSuffix.size() ||
      !key.starts_with(kLogPrefix) || !key.ends_with(kLogSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = key.substr(kLogPrefix.size(), kSequenceDigits);
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;  // beyond UINT64_MAX
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace pgexport::cdc
