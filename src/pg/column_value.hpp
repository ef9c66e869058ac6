// One column's value in a row as PostgreSQL hands it over: SQL NULL, a value in text or binary
// wire form, or (in a change) "unchanged": an out-of-line TOASTed value that the change did
// not touch and that logical decoding therefore does not send. Shared by everything that
// reads rows, so a full export's rows and a change stream's rows reach encoders in one shape.
#pragma once

#include <cstdint>
#include <string_view>

namespace pgexport::pg {

struct ColumnValue {
  enum class Kind : uint8_t {
    null,       // SQL NULL
    unchanged,  // TOASTed value not sent: the row keeps the value it had (changes only)
    text,       // bytes are the type's text output (typoutput)
    binary,     // bytes are the type's binary send form (typsend)
  };

  Kind kind = Kind::null;
  // The value's bytes for text and binary, empty otherwise. A view: it points into the buffer
  // the row was decoded from and is valid only while that buffer lives (see the decoder that
  // produced it).
  std::string_view bytes;

  static constexpr ColumnValue null() { return {}; }
  static constexpr ColumnValue unchanged() { return {Kind::unchanged, {}}; }
  static constexpr ColumnValue text(std::string_view value) { return {Kind::text, value}; }
  static constexpr ColumnValue binary(std::string_view value) { return {Kind::binary, value}; }

  constexpr bool is_null() const { return kind == Kind::null; }
  // True when the bytes carry the value (text or binary).
  constexpr bool has_bytes() const { return kind == Kind::text || kind == Kind::binary; }

  friend constexpr bool operator==(const ColumnValue&, const ColumnValue&) = default;
};

}  // namespace pgexport::pg
