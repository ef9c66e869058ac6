#include "pg/types.hpp"

namespace pgexport::pg {

std::optional<int> TypeDesc::numeric_precision() const {
  if (oid != oid::kNumeric || typmod < 4) return std::nullopt;
  return ((typmod - 4) >> 16) & 0xffff;
}

std::optional<int> TypeDesc::numeric_scale() const {
  if (oid != oid::kNumeric || typmod < 4) return std::nullopt;
  // The scale is a signed 11-bit field since PostgreSQL 15 (negative scales are allowed).
  int raw = (typmod - 4) & 0x7ff;
  return raw >= 1024 ? raw - 2048 : raw;
}

std::string quote_identifier(const std::string& identifier) {
  std::string quoted = "\"";
  for (char c : identifier) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string TableSchema::qualified_sql() const {
  return quote_identifier(schema) + "." + quote_identifier(name);
}

std::string TableSchema::display_name() const {
  return schema + "." + name;
}

}  // namespace pgexport::pg
