// The Delta schema of exported tables, against type strings taken from PROTOCOL.md's "Schema
// Serialization Format" (primitive names, decimal(p,s), array objects) and the portable Parquet
// mapping of docs/types.md.
#include "table/delta/delta_schema.hpp"

#include <gtest/gtest.h>

#include "../parquet/all_types.hpp"
#include "common/error.hpp"

namespace pgexport::table::delta {
namespace {

using namespace format::parquet::pqtest;
using format::parquet::MappingOptions;

std::string type_of(const pg::Column& column, MappingOptions mapping = {}) {
  return delta_type(format::parquet::plan_column(column, mapping)).dump();
}

TEST(DeltaSchema, PrimitiveTypesFollowTheParquetColumns) {
  using namespace pg::oid;
  EXPECT_EQ(type_of(column("b", base_type(kBool, "boolean"))), "\"boolean\"");
  EXPECT_EQ(type_of(column("i2", base_type(kInt2, "smallint"))), "\"short\"");
  EXPECT_EQ(type_of(column("i4", base_type(kInt4, "integer"))), "\"integer\"");
  EXPECT_EQ(type_of(column("i8", base_type(kInt8, "bigint"))), "\"long\"");
  EXPECT_EQ(type_of(column("o", base_type(kOid, "oid"))), "\"long\"");
  EXPECT_EQ(type_of(column("f4", base_type(kFloat4, "real"))), "\"float\"");
  EXPECT_EQ(type_of(column("f8", base_type(kFloat8, "double precision"))), "\"double\"");
  EXPECT_EQ(type_of(column("d", base_type(kDate, "date"))), "\"date\"");
  EXPECT_EQ(type_of(column("by", base_type(kBytea, "bytea"))), "\"binary\"");
  EXPECT_EQ(type_of(column("tx", base_type(kText, "text"))), "\"string\"");
  EXPECT_EQ(type_of(column("jb", base_type(kJsonb, "jsonb"))), "\"string\"");
}

TEST(DeltaSchema, TimestampsKeepWhetherTheyAreInstants) {
  using namespace pg::oid;
  EXPECT_EQ(type_of(column("tstz", base_type(kTimestamptz, "timestamp with time zone"))),
            "\"timestamp\"");
  EXPECT_EQ(type_of(column("ts", base_type(kTimestamp, "timestamp without time zone"))),
            "\"timestamp_ntz\"");
  // As text on request, they are strings, and need no table feature.
  MappingOptions as_text;
  as_text.timestamps_as_text = true;
  EXPECT_EQ(type_of(column("ts", base_type(kTimestamp, "timestamp without time zone")), as_text),
            "\"string\"");
}

TEST(DeltaSchema, NumericUpTo38DigitsIsDecimalAndBeyondIsString) {
  using namespace pg::oid;
  EXPECT_EQ(type_of(column("n", base_type(kNumeric, "numeric(12,2)", numeric_typmod(12, 2)))),
            "\"decimal(12,2)\"");
  EXPECT_EQ(type_of(column("n", base_type(kNumeric, "numeric(38,10)", numeric_typmod(38, 10)))),
            "\"decimal(38,10)\"");
  EXPECT_EQ(type_of(column("n", base_type(kNumeric, "numeric(39,2)", numeric_typmod(39, 2)))),
            "\"string\"");
  EXPECT_EQ(type_of(column("n", base_type(kNumeric, "numeric"))), "\"string\"");
}

TEST(DeltaSchema, TypesDeltaLacksAreStrings) {
  using namespace pg::oid;
  EXPECT_EQ(type_of(column("u", base_type(kUuid, "uuid"))), "\"string\"");
  EXPECT_EQ(type_of(column("t", base_type(kTime, "time without time zone"))), "\"string\"");
  EXPECT_EQ(type_of(column("iv", base_type(kInterval, "interval"))), "\"string\"");
}

TEST(DeltaSchema, ArraysAreArraysOfTheirElement) {
  using namespace pg::oid;
  EXPECT_EQ(type_of(column("ints", array_of(base_type(kInt4, "integer"), oids::kInt4Array))),
            R"({"type":"array","elementType":"integer","containsNull":true})");
  MappingOptions as_text;
  as_text.arrays_as_text = true;
  EXPECT_EQ(
      type_of(column("ints", array_of(base_type(kInt4, "integer"), oids::kInt4Array)), as_text),
      "\"string\"");
}

TEST(DeltaSchema, TheExactProfilesUuidIsRefused) {
  MappingOptions exact;
  exact.profile = format::parquet::ParquetProfile::exact;
  try {
    type_of(column("u", base_type(pg::oid::kUuid, "uuid")), exact);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("--parquet-profile"), std::string::npos);
  }
}

TEST(DeltaSchema, AStructOfNamedNullableFields) {
  using namespace pg::oid;
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = {column("id", base_type(kInt8, "bigint"), true),
                   column("at", base_type(kTimestamp, "timestamp without time zone"))};
  auto schema = delta_schema(table, {});
  EXPECT_EQ(schema.dump(),
            R"({"type":"struct","fields":[)"
            R"({"name":"id","type":"long","nullable":false,"metadata":{}},)"
            R"({"name":"at","type":"timestamp_ntz","nullable":true,"metadata":{}}]})");
  EXPECT_TRUE(uses_timestamp_ntz(schema));
  table.columns.pop_back();
  EXPECT_FALSE(uses_timestamp_ntz(delta_schema(table, {})));
  table.columns.push_back(
      column("stamps", array_of(base_type(kTimestamp, "timestamp without time zone"), 1115)));
  EXPECT_TRUE(uses_timestamp_ntz(delta_schema(table, {})));
}

}  // namespace
}  // namespace pgexport::table::delta
