#include "format/copy_text_row_writer.hpp"

#include "common/error.hpp"
#include "format/csv/csv_format.hpp"

namespace pgexport::format {

CopyTextRowWriter::CopyTextRowWriter(WireFormat wire) : wire_(wire) {
  if (wire_ == WireFormat::binary) {
    fail(ErrorKind::internal, "COPY BINARY rows are not built from text by CopyTextRowWriter");
  }
}

std::string_view CopyTextRowWriter::build(std::span<const std::optional<std::string_view>> values) {
  row_.clear();
  const char separator = wire_ == WireFormat::csv ? ',' : '\t';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) row_ += separator;
    const auto& value = values[i];
    if (wire_ == WireFormat::csv) {
      if (value) row_ += csv_quote(*value);  // NULL: an unquoted empty field
    } else if (value) {
      append_copy_text_field(row_, *value);
    } else {
      row_ += "\\N";
    }
  }
  row_ += '\n';
  return row_;
}

void append_copy_text_field(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace pgexport::format
