// TextRowWriter for the formats that take COPY TEXT or COPY CSV rows: the values are already
// PostgreSQL's texts, so a row is only their quoting or escaping, exactly as COPY ... TO writes
// it (CSV: quoted when needed, NULL an unquoted empty field and the empty string ""; TEXT: tab
// separated, backslash escapes, NULL as \N). Rows end in '\n', as a COPY row does.
#pragma once

#include <string>

#include "format/format.hpp"

namespace pgexport::format {

class CopyTextRowWriter final : public TextRowWriter {
 public:
  // `wire` is csv or text; binary is an internal error (that is Parquet's own writer).
  explicit CopyTextRowWriter(WireFormat wire);

  std::string_view build(std::span<const std::optional<std::string_view>> values) override;

 private:
  WireFormat wire_;
  std::string row_;
};

// Appends one field as COPY TO ... (FORMAT text) writes it (CopyAttributeOutText): the
// backslash and the control characters with a short escape are backslash-escaped, so a tab or
// newline inside a value cannot end the field or the row.
void append_copy_text_field(std::string& out, std::string_view value);

}  // namespace pgexport::format
