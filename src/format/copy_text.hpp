// A parser for one row of PostgreSQL's COPY TEXT format, as one CopyData message of
// COPY ... TO STDOUT carries it: fields separated by tabs, the row ended by '\n', "\N" for
// SQL NULL, and backslash escapes inside fields. Shared by the encoders that ask for
// WireFormat::text.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::format {

// One field of a parsed row: its unescaped bytes, or SQL NULL.
struct CopyTextField {
  std::string_view value;  // empty when is_null
  bool is_null = false;
};

// Splits COPY TEXT rows into fields without allocating per field: a field with no backslash
// (or whose only escape is a leading "\\", as every bytea has) is a view into the row itself,
// and only a field with other escapes is unescaped, into a scratch buffer the parser owns and
// reuses. The fields returned by parse() stay valid until
// the next parse() call on this parser, and only while the row's bytes live.
//
// The escapes are those of COPY FROM (CopyReadAttributesText): \b \f \n \r \t \v, \\, one to
// three octal digits (\ooo, taken modulo 256), \x with one or two hex digits, and a backslash
// before any other character stands for that character ("\N" is NULL only as a whole field).
class CopyTextParser {
 public:
  // Parses one row. The row may end in '\n' (as the server sends it) or not. Throws
  // pgexport::Error (data_error) on a row that COPY could not have produced: a backslash that
  // ends the row.
  std::span<const CopyTextField> parse(std::string_view row);

  // Bytes of scratch held between rows: at most kKeptScratchBytes once a row after a huge one
  // has been parsed (lets tests see that the memory of a huge row is given back).
  size_t scratch_bytes() const { return scratch_.size(); }

 private:
  // Unescapes one field starting at `begin`, whose first backslash is at `first_backslash`;
  // returns where the field ends (at the delimiting tab or the row's end).
  const char* parse_escaped(const char* begin, const char* first_backslash, const char* end);

  // A scratch buffer larger than this (grown for a huge row) is freed at the next row.
  static constexpr size_t kKeptScratchBytes = 4u << 20;

  std::vector<CopyTextField> fields_;
  std::string scratch_;      // room for the unescaped fields of the row being parsed
  size_t scratch_used_ = 0;  // bytes of scratch_ holding this row's unescaped fields
};

}  // namespace pgexport::format
