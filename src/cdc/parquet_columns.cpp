#include "cdc/parquet_columns.hpp"

#include <charconv>
#include <memory>
#include <string>

namespace pgexport::cdc {

namespace {

namespace oid = pg::oid;

// Not in pg::oid: only the delimiter of its arrays matters (';').
constexpr pg::Oid kBoxOid = 603;

// The typmod PostgreSQL gives numeric(precision, scale): ((p << 16) | (s & 0x7ff)) + 4.
std::optional<int32_t> numeric_typmod(std::string_view arguments) {
  const size_t comma = arguments.find(',');
  int precision = 0, scale = 0;
  const std::string_view p = arguments.substr(0, comma);
  const std::string_view s = comma == std::string_view::npos ? "0" : arguments.substr(comma + 1);
  if (std::from_chars(p.data(), p.data() + p.size(), precision).ptr != p.data() + p.size() ||
      std::from_chars(s.data(), s.data() + s.size(), scale).ptr != s.data() + s.size() ||
      precision < 1 || precision > 1000) {
    return std::nullopt;
  }
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

// "timestamp(3) with time zone" -> "timestamp with time zone": the precision changes no plan.
std::string without_precision(std::string_view name) {
  const size_t open = name.find('(');
  const size_t close = name.find(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::string(name);
  }
  return std::string(name.substr(0, open)) + std::string(name.substr(close + 1));
}

pg::Oid builtin_oid(const std::string& name) {
  static const std::pair<std::string_view, pg::Oid> kNames[] = {
      {"boolean", oid::kBool},
      {"smallint", oid::kInt2},
      {"integer", oid::kInt4},
      {"bigint", oid::kInt8},
      {"oid", oid::kOid},
      {"real", oid::kFloat4},
      {"double precision", oid::kFloat8},
      {"numeric", oid::kNumeric},
      {"uuid", oid::kUuid},
      {"date", oid::kDate},
      {"time without time zone", oid::kTime},
      {"timestamp without time zone", oid::kTimestamp},
      {"timestamp with time zone", oid::kTimestamptz},
      {"bytea", oid::kBytea},
      {"text", oid::kText},
      {"character varying", oid::kVarchar},
      {"character", oid::kBpchar},
      {"name", oid::kName},
      {"json", oid::kJson},
      {"jsonb", oid::kJsonb},
      {"inet", oid::kInet},
      {"box", kBoxOid},
  };
  for (const auto& [known, value] : kNames) {
    if (name == known) return value;
  }
  return 0;
}

}  // namespace

pg::TypeDesc parquet_column_type(std::string_view name, const nlohmann::json& described) {
  pg::TypeDesc type;
  type.name = std::string(name);
  type.base_name = type.name;
  if (name.ends_with("[]")) {
    type.kind = pg::TypeKind::array;
    type.oid = type.declared_oid = 1;  // some array: only the element's type plans anything
    const nlohmann::json element_described = described.is_object() && described.contains("element")
                                                 ? described["element"]
                                                 : nlohmann::json();
    auto element = parquet_column_type(name.substr(0, name.size() - 2), element_described);
    type.element = std::make_shared<const pg::TypeDesc>(std::move(element));
    return type;
  }
  const std::string plain = without_precision(name);
  type.oid = builtin_oid(plain);
  if (type.oid == oid::kNumeric && plain != name) {
    const size_t open = name.find('('), close = name.find(')');
    if (auto typmod = numeric_typmod(name.substr(open + 1, close - open - 1)))
      type.typmod = *typmod;
  }
  if (type.oid == 0 && described.is_object() && described.value("type", "") == "enum") {
    type.kind = pg::TypeKind::enumeration;
  }
  type.declared_oid = type.oid;
  return type;
}

}  // namespace pgexport::cdc
