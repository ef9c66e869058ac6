#include "format/jsonl/json_text.hpp"

#include <array>
#include <cstdint>

namespace pgexport::format::jsonl {

namespace {

// For each byte: 0 when it is copied as is, else the character after the backslash in its
// JSON escape ('u' for the \u00XX form).
constexpr std::array<char, 256> make_escape_table() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}
constexpr std::array<char, 256> kEscape = make_escape_table();

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Hex digit value of each byte, or -1.
constexpr std::array<int8_t, 256> make_hex_table() {
  std::array<int8_t, 256> table{};
  for (auto& value : table) value = -1;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<int8_t>(c - 'A' + 10);
  return table;
}
constexpr std::array<int8_t, 256> kHexValue = make_hex_table();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Writes the four base64 characters of three bytes (a 24-bit group) at `to`.
inline char* put_group(char* to, uint32_t group) {
  to[0] = kBase64Alphabet[(group >> 18) & 0x3f];
  to[1] = kBase64Alphabet[(group >> 12) & 0x3f];
  to[2] = kBase64Alphabet[(group >> 6) & 0x3f];
  to[3] = kBase64Alphabet[group & 0x3f];
  return to + 4;
}

// Writes the padded tail for the last one or two bytes of the input.
inline char* put_tail(char* to, uint32_t group, size_t bytes) {
  to[0] = kBase64Alphabet[(group >> 18) & 0x3f];
  to[1] = kBase64Alphabet[(group >> 12) & 0x3f];
  to[2] = bytes == 2 ? kBase64Alphabet[(group >> 6) & 0x3f] : '=';
  to[3] = '=';
  return to + 4;
}

size_t base64_length(size_t bytes) {
  return (bytes + 2) / 3 * 4;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  append_json_string_content(out, text);
  out.push_back('"');
}

bool is_hex_bytes(std::string_view hex) {
  if (hex.size() % 2 != 0) return false;
  for (char c : hex) {
    if (kHexValue[static_cast<unsigned char>(c)] < 0) return false;
  }
  return true;
}

void append_json_string_content(std::string& out, std::string_view text) {
  const char* run = text.data();
  const char* const end = text.data() + text.size();
  for (const char* position = run; position != end; ++position) {
    char escape = kEscape[static_cast<unsigned char>(*position)];
    if (escape == 0) continue;
    out.append(run, position);
    if (escape == 'u') {
      unsigned char c = static_cast<unsigned char>(*position);
      const char unicode[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
      out.append(unicode, sizeof unicode);
    } else {
      const char pair[2] = {'\\', escape};
      out.append(pair, sizeof pair);
    }
    run = position + 1;
  }
  out.append(run, end);
}

bool is_json_number(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i == n) return false;
  if (text[i] == '0') {
    ++i;
  } else if (is_digit(text[i])) {
    while (i < n && is_digit(text[i])) ++i;
  } else {
    return false;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (i == n || !is_digit(text[i])) return false;
    while (i < n && is_digit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i == n || !is_digit(text[i])) return false;
    while (i < n && is_digit(text[i])) ++i;
  }
  return i == n;
}

void append_base64(std::string& out, std::string_view bytes) {
  const size_t old_size = out.size();
  out.resize(old_size + base64_length(bytes.size()));
  char* to = out.data() + old_size;
  const auto* from = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t remaining = bytes.size();
  for (; remaining >= 3; remaining -= 3, from += 3) {
    to = put_group(to, (uint32_t{from[0]} << 16) | (uint32_t{from[1]} << 8) | from[2]);
  }
  if (remaining == 2) {
    put_tail(to, (uint32_t{from[0]} << 16) | (uint32_t{from[1]} << 8), 2);
  } else if (remaining == 1) {
    put_tail(to, uint32_t{from[0]} << 16, 1);
  }
}

bool append_base64_from_hex(std::string& out, std::string_view hex) {
  if (hex.size() % 2 != 0) return false;
  const size_t old_size = out.size();
  out.resize(old_size + base64_length(hex.size() / 2));
  char* to = out.data() + old_size;
  const auto* from = reinterpret_cast<const unsigned char*>(hex.data());
  size_t remaining = hex.size() / 2;  // bytes still to encode
  // Six hex digits are three bytes are four base64 characters. Invalid digits are -1, so
  // OR-ing the values together finds any of them with one test per group.
  for (; remaining >= 3; remaining -= 3, from += 6) {
    int d0 = kHexValue[from[0]], d1 = kHexValue[from[1]], d2 = kHexValue[from[2]];
    int d3 = kHexValue[from[3]], d4 = kHexValue[from[4]], d5 = kHexValue[from[5]];
    if ((d0 | d1 | d2 | d3 | d4 | d5) < 0) {
      out.resize(old_size);
      return false;
    }
    to = put_group(to, (uint32_t(d0) << 20) | (uint32_t(d1) << 16) | (uint32_t(d2) << 12) |
                           (uint32_t(d3) << 8) | (uint32_t(d4) << 4) | uint32_t(d5));
  }
  if (remaining > 0) {
    uint32_t group = 0;
    for (size_t byte = 0; byte < remaining; ++byte) {
      int high = kHexValue[from[2 * byte]], low = kHexValue[from[2 * byte + 1]];
      if ((high | low) < 0) {
        out.resize(old_size);
        return false;
      }
      group |= uint32_t((high << 4) | low) << (16 - 8 * byte);
    }
    put_tail(to, group, remaining);
  }
  return true;
}

}  // namespace pgexport::format::jsonl
