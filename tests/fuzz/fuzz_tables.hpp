// Table shapes for the format targets: one column of each type family the encoders map, so a
// fuzz input can aim at one value decoder, and all of them in one table, for whole rows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pg/types.hpp"

namespace pgexport::fuzz {

inline pg::TypeDesc type_of(pg::Oid oid, std::string name, int32_t typmod = -1,
                            pg::TypeKind kind = pg::TypeKind::base) {
  pg::TypeDesc type;
  type.oid = type.declared_oid = oid;
  type.name = type.base_name = std::move(name);
  type.typmod = typmod;
  type.kind = kind;
  return type;
}

inline pg::TypeDesc array_type(pg::TypeDesc element, pg::Oid array_oid) {
  pg::TypeDesc type = type_of(array_oid, element.name + "[]", element.typmod, pg::TypeKind::array);
  element.typmod = -1;
  type.element = std::make_shared<const pg::TypeDesc>(std::move(element));
  return type;
}

// numeric(p,s) as atttypmod holds it.
inline int32_t numeric_typmod(int precision, int scale) {
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

inline std::vector<pg::TypeDesc> fuzzed_types() {
  using namespace pg::oid;
  const pg::TypeDesc int4 = type_of(kInt4, "integer");
  const pg::TypeDesc text = type_of(kText, "text");
  const pg::TypeDesc decimal = type_of(kNumeric, "numeric(10,2)", numeric_typmod(10, 2));
  const pg::TypeDesc stamp = type_of(kTimestamptz, "timestamp with time zone");
  return {
      type_of(kBool, "boolean"),
      type_of(kInt2, "smallint"),
      int4,
      type_of(kInt8, "bigint"),
      type_of(kOid, "oid"),
      type_of(kFloat4, "real"),
      type_of(kFloat8, "double precision"),
      decimal,
      type_of(kNumeric, "numeric(38,10)", numeric_typmod(38, 10)),
      type_of(kNumeric, "numeric"),
      type_of(kNumeric, "numeric(5,-2)", numeric_typmod(5, -2)),
      type_of(kUuid, "uuid"),
      type_of(kDate, "date"),
      type_of(kTime, "time without time zone"),
      type_of(kTimestamp, "timestamp without time zone"),
      stamp,
      type_of(kBytea, "bytea"),
      text,
      type_of(kVarchar, "character varying(10)", 14),
      type_of(kBpchar, "character(5)", 9),
      type_of(kName, "name"),
      type_of(16390, "public.mood", -1, pg::TypeKind::enumeration),
      type_of(kJson, "json"),
      type_of(kJsonb, "jsonb"),
      type_of(kInterval, "interval"),
      type_of(3904, "int4range", -1, pg::TypeKind::range),
      array_type(int4, 1007),
      array_type(text, 1009),
      array_type(decimal, 1231),
      array_type(stamp, 1185),
  };
}

inline pg::TableSchema table_of(const std::vector<pg::TypeDesc>& types) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "fuzzed";
  for (size_t i = 0; i < types.size(); ++i) {
    pg::Column column;
    column.name = "c" + std::to_string(i);
    column.attnum = static_cast<int>(i) + 1;
    column.type = types[i];
    table.columns.push_back(std::move(column));
  }
  return table;
}

// The table an input aims at: its first byte picks one column type (or, past the last type,
// all of them in one table); the rest of the input is the row.
inline pg::TableSchema table_for(uint8_t selector) {
  const auto types = fuzzed_types();
  if (selector < types.size()) return table_of({types[selector]});
  return table_of(types);
}

}  // namespace pgexport::fuzz
