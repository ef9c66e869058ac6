#include "pg/replication/lsn.hpp"

#include <fmt/format.h>

#include <charconv>

#include "common/error.hpp"

namespace pgexport::pg::replication {

namespace {

// Each half is a uint32, so at most 8 hex digits (pg_lsn_in accepts the same).
constexpr size_t kMaxHalfDigits = 8;
// Longer input is cut in the error message: it may be anything a user pasted.
constexpr size_t kMaxQuotedLength = 40;

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool parse_half(std::string_view digits, uint32_t& out) {
  if (digits.empty() || digits.size() > kMaxHalfDigits) return false;
  for (char c : digits) {
    if (!is_hex_digit(c)) return false;
  }
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out, 16);
  return error == std::errc() && end == digits.data() + digits.size();
}

}  // namespace

Lsn Lsn::parse(std::string_view text) {
  auto slash = text.find('/');
  uint32_t high = 0, low = 0;
  if (slash == std::string_view::npos || !parse_half(text.substr(0, slash), high) ||
      !parse_half(text.substr(slash + 1), low)) {
    std::string quoted(text.substr(0, kMaxQuotedLength));
    if (text.size() > kMaxQuotedLength) quoted += "...";
    fail(ErrorKind::usage,
         "invalid LSN '{}': expected two hexadecimal numbers of 1 to 8 digits separated by '/', "
         "as PostgreSQL prints them (for example 0/16B3748)",
         quoted);
  }
  return Lsn((static_cast<uint64_t>(high) << 32) | low);
}

std::string Lsn::to_string() const {
  return fmt::format("{:X}/{:X}", static_cast<uint32_t>(value_ >> 32),
                     static_cast<uint32_t>(value_));
}

Lsn end_of_written_wal(Lsn insert_position, uint64_t wal_block_size) {
  // SizeOfXLogShortPHD and SizeOfXLogLongPHD on every platform PostgreSQL supports (MAXALIGN 8).
  constexpr uint64_t kShortPageHeader = 24;
  constexpr uint64_t kLongPageHeader = 40;
  if (wal_block_size == 0) return insert_position;
  const uint64_t offset = insert_position.value() % wal_block_size;
  if (offset == kShortPageHeader || offset == kLongPageHeader) {
    return Lsn(insert_position.value() - offset);
  }
  return insert_position;
}

}  // namespace pgexport::pg::replication
