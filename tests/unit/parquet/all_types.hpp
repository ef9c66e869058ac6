// A table with one column per PostgreSQL type family pgexport maps, and hand-built binary COPY
// rows for it (what PostgreSQL's send functions produce), shared by the tests that write
// Parquet files and read them back.
#pragma once

#include <cmath>
#include <limits>

#include "format/parquet/parquet_format.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet::pqtest {

namespace oids {
inline constexpr pg::Oid kInt4Array = 1007, kTextArray = 1009, kNumericArray = 1231,
                         kTimestamptzArray = 1185, kInt4range = 3904, kInt4rangeArray = 3905,
                         kMood = 16390;  // an enum's oid is assigned at CREATE TYPE
}

// The hand-built rows below are send forms of the exact profile (uuid and time typed); the
// portable profile asks the server for those two as text.
inline ParquetOptions exact_options() {
  ParquetOptions options;
  options.profile = ParquetProfile::exact;
  return options;
}

inline pg::TableSchema all_types_table() {
  using namespace pg::oid;
  pg::TableSchema table;
  table.schema = "public";
  table.name = "all_types";
  pg::TypeDesc mood = base_type(oids::kMood, "public.mood");
  mood.kind = pg::TypeKind::enumeration;
  pg::TypeDesc range = base_type(oids::kInt4range, "int4range");
  range.kind = pg::TypeKind::range;
  table.columns = {
      column("b", base_type(kBool, "boolean")),
      column("i2", base_type(kInt2, "smallint")),
      column("i4", base_type(kInt4, "integer"), true),
      column("i8", base_type(kInt8, "bigint")),
      column("o", base_type(kOid, "oid")),
      column("f4", base_type(kFloat4, "real")),
      column("f8", base_type(kFloat8, "double precision")),
      column("n_small", base_type(kNumeric, "numeric(9,2)", numeric_typmod(9, 2))),
      column("n_mid", base_type(kNumeric, "numeric(18,4)", numeric_typmod(18, 4))),
      column("n_big", base_type(kNumeric, "numeric(38,10)", numeric_typmod(38, 10))),
      column("n_any", base_type(kNumeric, "numeric")),
      column("n_negscale", base_type(kNumeric, "numeric(5,-2)", numeric_typmod(5, -2))),
      column("u", base_type(kUuid, "uuid")),
      column("d", base_type(kDate, "date")),
      column("t", base_type(kTime, "time without time zone")),
      column("ts", base_type(kTimestamp, "timestamp without time zone")),
      column("tstz", base_type(kTimestamptz, "timestamp with time zone")),
      column("by", base_type(kBytea, "bytea")),
      column("tx", base_type(kText, "text")),
      column("vc", base_type(kVarchar, "character varying(10)", 14)),
      column("bp", base_type(kBpchar, "character(5)", 9)),
      column("nm", base_type(kName, "name")),
      column("e", mood),
      column("j", base_type(kJson, "json")),
      column("jb", base_type(kJsonb, "jsonb")),
      column("iv", base_type(kInterval, "interval")),
      column("ints", array_of(base_type(kInt4, "integer"), oids::kInt4Array)),
      column("texts", array_of(base_type(kText, "text"), oids::kTextArray)),
      column("ranges", array_of(range, oids::kInt4rangeArray)),
      column("nums", array_of(base_type(kNumeric, "numeric(10,2)", numeric_typmod(10, 2)),
                              oids::kNumericArray)),
      column("stamps", array_of(base_type(kTimestamptz, "timestamp with time zone"),
                                oids::kTimestamptzArray)),
  };
  return table;
}

// Microseconds since 2000-01-01 of 2024-02-29 12:34:56.789012.
inline constexpr int64_t kLeapDayMicros = 762525296789012;

inline std::vector<std::string> all_types_rows() {
  using std::nullopt;
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> rows;
  rows.push_back(tuple({
      bool_value(true),
      int2_value(12345),
      int4_value(42),
      int8_value(9000000000LL),
      int4_value(123456),
      float4_value(1.5f),
      float8_value(0.1),
      numeric_value("1234567.89"),
      numeric_value("-12345678901234.5678"),
      numeric_value("1234567890123456789012345678.0123456789"),
      numeric_value("3.141592653589793238462643383279502884197"),
      numeric_value("12300"),
      uuid_value("00112233-4455-6677-8899-aabbccddeeff"),
      int4_value(8825) /* 2024-02-29 */,
      int8_value(45296789012) /* 12:34:56.789012 */,
      int8_value(kLeapDayMicros),
      int8_value(kLeapDayMicros),
      std::string("\x00\xff\x10", 3),
      std::string("héllo, wörld"),
      std::string("short"),
      std::string("ab   "),
      std::string("pg_class"),
      std::string("happy"),
      std::string(R"({"a": [1, 2.50, "x"]})"),
      jsonb_value(R"({"a": [1, 2.50, "x"]})"),
      std::string("1 year 2 mons 3 days 04:05:06.789"),
      array_value(23, {int4_value(1), int4_value(-2), int4_value(3)}),
      array_value(25, {std::string("a"), std::string(""), std::string("ü")}),
      array_value(25, {std::string("[1,5)"), std::string("empty")}),
      array_value(1700, {numeric_value("-1.50"), numeric_value("99999999.99")}),
      array_value(1184, {int8_value(0), int8_value(INT64_MAX)}),
  }));
  rows.push_back(tuple({
      bool_value(false),
      int2_value(-32768),
      int4_value(INT32_MIN),
      int8_value(INT64_MIN),
      int4_value(static_cast<int32_t>(4294967295u)),
      float4_value(-0.0f),
      float8_value(nan),
      numeric_value("-9999999.99"),
      numeric_value("0.0001"),
      numeric_value("-0.0000000001"),
      numeric_value("NaN"),
      numeric_value("-9999900"),
      uuid_value("ffffffff-ffff-ffff-ffff-ffffffffffff"),
      int4_value(INT32_MIN),
      int8_value(86400000000LL) /* 24:00:00 */,
      int8_value(INT64_MAX),
      int8_value(INT64_MIN),
      std::string(),
      std::string(),
      std::string("0123456789"),
      std::string("     "),
      std::string(),
      std::string("sad"),
      std::string("null"),
      jsonb_value("[]"),
      std::string("-00:00:00.000001"),
      array_value(23, {}),
      array_value(25, {nullopt, std::string("x"), nullopt}),
      array_value(25, {nullopt}),
      array_value(1700, {nullopt}),
      array_value(1184, {int8_value(INT64_MIN)}),
  }));
  std::vector<std::optional<std::string>> nulls(all_types_table().columns.size(), nullopt);
  nulls[2] = int4_value(0);  // i4 is NOT NULL
  rows.push_back(tuple(nulls));
  return rows;
}

}  // namespace pgexport::format::parquet::pqtest
