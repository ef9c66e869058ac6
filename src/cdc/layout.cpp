#include "cdc/layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "export/layout.hpp"

namespace pgexport::cdc {

namespace {
// Decimal digits of UINT64_MAX (18446744073709551615): every sequence fits, so zero-padding
// to this width makes lexical order the numeric order.
constexpr size_t kSequenceDigits = 20;
constexpr std::string_view kLogSuffix = ".json";
// A change table's directory is its table's with this suffix (layout.hpp says why).
constexpr std::string_view kTablesPrefix = kDeltaTablesPrefix;
constexpr std::string_view kChangeTableSuffix = ".changes";

// A whole string of decimal digits as a number; nullopt when empty, not digits, or beyond
// UINT64_MAX.
std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;  // beyond UINT64_MAX
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

std::string change_table_prefix(std::string_view schema, std::string_view table) {
  return fmt::format("{}{}/", kChangesPrefix, exporter::table_directory(schema, table));
}

std::string change_file_key(std::string_view schema, std::string_view table, uint64_t sequence,
                            std::string_view attempt, int file, std::string_view extension) {
  return fmt::format("{}{:020}-{}-{:03}.{}", change_table_prefix(schema, table), sequence, attempt,
                     file, extension);
}

std::string delta_change_table_root(std::string_view schema, std::string_view table) {
  return fmt::format("{}{}{}/", kTablesPrefix, exporter::table_directory(schema, table),
                     kChangeTableSuffix);
}

std::string delta_change_file_key(std::string_view schema, std::string_view table,
                                  uint64_t sequence, std::string_view attempt, int file,
                                  std::string_view extension) {
  return fmt::format("{}{:020}-{}-{:03}.{}", delta_change_table_root(schema, table), sequence,
                     attempt, file, extension);
}

std::string log_entry_key(uint64_t sequence) {
  return fmt::format("{}{:020}{}", kLogPrefix, sequence, kLogSuffix);
}

std::optional<uint64_t> sequence_of_log_key(std::string_view key) {
  if (key.size() != kLogPrefix.size() + kSequenceDigits + kLogSuffix.size() ||
      !key.starts_with(kLogPrefix) || !key.ends_with(kLogSuffix)) {
    return std::nullopt;
  }
  return parse_decimal(key.substr(kLogPrefix.size(), kSequenceDigits));
}

std::optional<ChangeFileName> parse_change_file_key(std::string_view key) {
  const bool in_change_table = key.starts_with(kTablesPrefix);
  if (in_change_table) {
    key.remove_prefix(kTablesPrefix.size());
  } else if (key.starts_with(kChangesPrefix)) {
    key.remove_prefix(kChangesPrefix.size());
  } else {
    return std::nullopt;
  }
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view directory = key.substr(0, slash);
  if (in_change_table) {
    if (!directory.ends_with(kChangeTableSuffix)) return std::nullopt;
    directory.remove_suffix(kChangeTableSuffix.size());
  }
  const std::string_view name = key.substr(slash + 1);
  // A table directory is "<schema>.<table>" with exactly one '.' (names are encoded).
  if (std::count(directory.begin(), directory.end(), '.') != 1 ||
      name.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  // <20-digit sequence>-<attempt>-<file>.<ext>
  if (name.size() < kSequenceDigits + 1 || name[kSequenceDigits] != '-') return std::nullopt;
  auto sequence = parse_decimal(name.substr(0, kSequenceDigits));
  if (!sequence) return std::nullopt;
  std::string_view rest = name.substr(kSequenceDigits + 1);
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos) return std::nullopt;
  const std::string_view attempt = rest.substr(0, dash);
  if (!std::all_of(attempt.begin(), attempt.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  rest.remove_prefix(dash + 1);
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot < 3 || dot + 1 == rest.size() ||
      !parse_decimal(rest.substr(0, dot))) {
    return std::nullopt;
  }
  return ChangeFileName{std::string(directory), *sequence, std::string(attempt)};
}

}  // namespace pgexport::cdc
