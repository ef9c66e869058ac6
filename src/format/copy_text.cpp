#include "format/copy_text.hpp"

#include <cstring>

#include "common/error.hpp"

namespace pgexport::format {

namespace {

const char* find_char(const char* begin, const char* end, char wanted) {
  const void* found = std::memchr(begin, wanted, static_cast<size_t>(end - begin));
  return found ? static_cast<const char*>(found) : end;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

}  // namespace

std::span<const CopyTextField> CopyTextParser::parse(std::string_view row) {
  fields_.clear();
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  // A scratch buffer that grew for a huge row is given back, so one 1 GB value does not pin
  // 1 GB for the rest of the table.
  if (scratch_.size() > kKeptScratchBytes) std::string().swap(scratch_);
  scratch_used_ = 0;

  const char* position = row.data();
  const char* const end = row.data() + row.size();
  while (true) {
    const char* tab = find_char(position, end, '\t');
    const char* backslash = find_char(position, tab, '\\');
    const char* field_end = tab;
    if (backslash == tab) {
      fields_.push_back({std::string_view(position, static_cast<size_t>(tab - position)), false});
    } else if (tab - position == 2 && position[0] == '\\' && position[1] == 'N') {
      fields_.push_back({std::string_view(), true});
    } else if (backslash == position && tab - position >= 2 && position[1] == '\\' &&
               find_char(position + 2, tab, '\\') == tab) {
      // The field's only escape is a leading "\\": its value is the rest of it, a view with no
      // copy. Every bytea arrives so ("\\x" then hex digits), however large.
      fields_.push_back(
          {std::string_view(position + 1, static_cast<size_t>(tab - position - 1)), false});
    } else {
      field_end = parse_escaped(position, backslash, end);
    }
    if (field_end == end) break;
    position = field_end + 1;
  }
  return fields_;
}

const char* CopyTextParser::parse_escaped(const char* begin, const char* first_backslash,
                                          const char* end) {
  // Unescaping never lengthens a field, so room for the rest of the row holds every unescaped
  // field from here on. It is made at the row's first escaped field, before any view into the
  // scratch exists, so views stay valid; rows without escapes need none.
  if (scratch_used_ == 0 && scratch_.size() < static_cast<size_t>(end - begin)) {
    scratch_.resize(static_cast<size_t>(end - begin));
  }
  char* const out_begin = scratch_.data() + scratch_used_;
  char* out = out_begin;
  size_t prefix = static_cast<size_t>(first_backslash - begin);
  std::memcpy(out, begin, prefix);
  out += prefix;

  const char* position = first_backslash;
  while (position != end) {
    char c = *position;
    if (c == '\t') break;
    ++position;
    if (c != '\\') {
      *out++ = c;
      continue;
    }
    if (position == end) {
      fail(ErrorKind::data_error,
           "COPY text row ends in a lone backslash; the server sent a row that COPY cannot "
           "produce (is the connection's COPY format text?)");
    }
    c = *position++;
    switch (c) {
      case 'b':
        *out++ = '\b';
        break;
      case 'f':
        *out++ = '\f';
        break;
      case 'n':
        *out++ = '\n';
        break;
      case 'r':
        *out++ = '\r';
        break;
      case 't':
        *out++ = '\t';
        break;
      case 'v':
        *out++ = '\v';
        break;
      case 'x': {
        int high = position != end ? hex_value(*position) : -1;
        if (high < 0) {
          *out++ = 'x';  // "\x" without a hex digit is an escaped 'x'
          break;
        }
        ++position;
        int value = high;
        int low = position != end ? hex_value(*position) : -1;
        if (low >= 0) {
          value = (value << 4) | low;
          ++position;
        }
        *out++ = static_cast<char>(value);
        break;
      }
      default:
        if (is_octal(c)) {
          int value = c - '0';
          for (int digits = 1; digits < 3 && position != end && is_octal(*position); ++digits) {
            value = (value << 3) + (*position++ - '0');
          }
          *out++ = static_cast<char>(value & 0xff);
        } else {
          *out++ = c;  // \\ and any other escaped character stand for themselves
        }
    }
  }
  size_t length = static_cast<size_t>(out - out_begin);
  scratch_used_ += length;
  fields_.push_back({std::string_view(out_begin, length), false});
  return position;
}

}  // namespace pgexport::format
