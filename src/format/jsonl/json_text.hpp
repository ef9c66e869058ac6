// Low-level JSON text output: appending to a caller's buffer, so the JSON Lines encoder
// builds each line in one reusable std::string without allocating per value.
#pragma once

#include <string>
#include <string_view>

namespace pgexport::format::jsonl {

// Appends `text` as a JSON string, quotes included. Escapes '"', '\\' and every control
// character below 0x20 (the short forms \b \f \n \r \t where JSON has them, \u00XX
// otherwise). Bytes from 0x80 up pass through unchanged: the text is taken to be UTF-8.
void append_json_string(std::string& out, std::string_view text);

// Appends `text` escaped as inside a JSON string, without the quotes. Each byte is escaped on
// its own, so a long text may be appended in slices cut anywhere.
void append_json_string_content(std::string& out, std::string_view text);

// True when `hex` is an even number of hex digits (either case): what
// append_base64_from_hex() accepts.
bool is_hex_bytes(std::string_view hex);

// True when `text` is a JSON number exactly as RFC 8259 spells one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view text);

// Appends the standard base64 (RFC 4648 section 4, padded) encoding of `bytes`, unquoted.
void append_base64(std::string& out, std::string_view bytes);

// Appends the base64 encoding of the bytes that the hex digits `hex` spell (two digits per
// byte, either case), unquoted. Returns false, leaving `out` as it was, when `hex` has an odd
// length or a non-hex character.
bool append_base64_from_hex(std::string& out, std::string_view hex);

}  // namespace pgexport::format::jsonl
