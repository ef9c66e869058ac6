// A WAL position (PostgreSQL's XLogRecPtr / pg_lsn): a byte offset into the write-ahead log.
// Change data capture records and compares these to know what it has already written.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace pgexport::pg::replication {

class Lsn {
 public:
  constexpr Lsn() = default;
  constexpr explicit Lsn(uint64_t value) : value_(value) {}

  // Parses the text form PostgreSQL prints and accepts ("16/B374D848"): two hexadecimal
  // numbers of 1 to 8 digits each (either case), the high and low 32 bits, separated by '/'.
  // Anything else throws pgexport::Error (usage), saying what was expected.
  static Lsn parse(std::string_view text);

  // The text form as PostgreSQL prints it: upper-case hex, no leading zeros ("0/16B3748").
  std::string to_string() const;

  constexpr uint64_t value() const { return value_; }
  // 0 is InvalidXLogRecPtr: "no position" in the replication protocol.
  constexpr bool is_valid() const { return value_ != 0; }

  friend constexpr auto operator<=>(const Lsn&, const Lsn&) = default;

 private:
  uint64_t value_ = 0;
};

// The end of the WAL written so far, from pg_current_wal_insert_lsn(). That function returns
// where the next record will start, which is past the page header when the last record ended
// exactly at a page boundary (24 bytes on most pages, 40 on a segment's first). No record can
// end inside a header, and the walsender reports the boundary itself, so a position just past a
// header is taken back to its page's start; any other position is returned as it is.
// wal_block_size is the server's setting of that name (8192 unless it was built otherwise).
Lsn end_of_written_wal(Lsn insert_position, uint64_t wal_block_size);

}  // namespace pgexport::pg::replication
