// What pgexport knows about a table's shape: plain data read from the catalog, with no
// connection attached, so encoders can depend on it without depending on libpq.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgexport::pg {

using Oid = uint32_t;

// Built-in type oids (pg_type.dat); stable across PostgreSQL versions.
namespace oid {
inline constexpr Oid kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21,
                     kInt4 = 23, kText = 25, kOid = 26, kJson = 114, kXml = 142, kFloat4 = 700,
                     kFloat8 = 701, kMoney = 790, kBpchar = 1042, kVarchar = 1043, kDate = 1082,
                     kTime = 1083, kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186,
                     kTimetz = 1266, kBit = 1560, kVarbit = 1562, kNumeric = 1700, kUuid = 2950,
                     kJsonb = 3802, kInet = 869, kCidr = 650, kMacaddr = 829;
}  // namespace oid

// pg_type.typtype, after domains are resolved to their base type.
enum class TypeKind { base, enumeration, composite, range, multirange, array, pseudo };

struct TypeDesc {
  Oid oid = 0;            // after domain resolution
  Oid declared_oid = 0;   // as the column declares it (a domain's own oid, for example)
  std::string name;       // format_type(declared, typmod): "numeric(12,2)", "public.mood"
  std::string base_name;  // format_type(oid, typmod) after domain resolution
  TypeKind kind = TypeKind::base;
  int32_t typmod = -1;  // of the base type; for numeric: ((precision << 16) | scale) + 4
  std::shared_ptr<const TypeDesc> element;  // arrays only: the element type, domains resolved

  // numeric(p,s) precision and scale, when the type declares them.
  std::optional<int> numeric_precision() const;
  std::optional<int> numeric_scale() const;
};

struct Column {
  std::string name;
  int attnum = 0;
  bool not_null = false;
  TypeDesc type;
  // Why the output writes this column as PostgreSQL's exact text rather than its typed form: a
  // value of the column that the typed form cannot hold ("value 'NaN' has no decimal(10,2)
  // form"). Empty for a column written as its type says. Set by the export once it meets such a
  // value, and read back from a base run's manifest, so every file of the table agrees.
  std::string text_fallback;
  // Personal data (--hash-columns): the column's values are replaced by their keyed hash before
  // they leave the process, so `type` is text (what the files hold) and this is the type the
  // database declares. Empty for every other column.
  std::optional<TypeDesc> hashed_from;
};

struct TableSchema {
  std::string schema;
  std::string name;
  std::vector<Column> columns;

  // "schema"."name", quoted for use in SQL.
  std::string qualified_sql() const;
  // schema.name, unquoted, for humans.
  std::string display_name() const;
};

// Quotes an identifier for SQL the way quote_ident() does, always adding quotes.
std::string quote_identifier(const std::string& identifier);

}  // namespace pgexport::pg
