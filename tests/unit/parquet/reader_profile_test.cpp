// The reader profiles (--parquet-profile): every column the portable profile can write, over
// every type the mapping could ever name (each built-in type oid, every numeric typmod, enums,
// ranges, composites, arrays of all of them, with each representation switch), is read from the
// written file's footer and held to an explicit allowlist of (physical type, logical type,
// converted type) and to the standard three-level LIST shape. A new type mapping that emits any
// other pair fails here until the compatibility table in docs/types.md ("Which engines read
// what") has a row for it. The exact profile keeps UUID, TIME, ENUM and JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "format/parquet/parquet_format.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

using namespace pqtest;

// What every engine of docs/types.md, "Which engines read what", reads: Spark (through 4.0),
// Trino/Athena, Redshift Spectrum, Snowflake, DuckDB, pandas. Keep in step with that table.
// DECIMAL is listed once per physical type; its precision is checked below.
const std::set<std::string> kPortableLeaves = {
    "BOOLEAN",
    "INT32 INTEGER(16,signed) INT_16",
    "INT32 INTEGER(32,signed) INT_32",
    "INT64 INTEGER(64,signed) INT_64",
    "FLOAT",
    "DOUBLE",
    "INT32 DECIMAL DECIMAL",
    "INT64 DECIMAL DECIMAL",
    "FIXED_LEN_BYTE_ARRAY DECIMAL DECIMAL",
    "INT32 DATE DATE",
    "INT64 TIMESTAMP(MICROS,local) TIMESTAMP_MICROS",
    "INT64 TIMESTAMP(MICROS,UTC) TIMESTAMP_MICROS",
    "BYTE_ARRAY",
    "BYTE_ARRAY STRING UTF8",
};

// parquet.thrift numbering.
namespace element {
inline constexpr int16_t kType = 1, kTypeLength = 2, kRepetition = 3, kName = 4, kChildren = 5,
                         kConverted = 6, kScale = 7, kPrecision = 8, kLogical = 10;
}
constexpr int64_t kRequired = 0, kOptional = 1, kRepeated = 2;
constexpr int64_t kFixedLenByteArray = 7;
constexpr int64_t kConvertedList = 3;
constexpr int16_t kLogicalList = 3;

std::string physical_name(int64_t type) {
  static const char* const kNames[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                       "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  return type >= 0 && type < 8 ? kNames[type] : "physical " + std::to_string(type);
}

std::string converted_name(int64_t type) {
  static const char* const kNames[] = {"UTF8",
                                       "MAP",
                                       "MAP_KEY_VALUE",
                                       "LIST",
                                       "ENUM",
                                       "DECIMAL",
                                       "DATE",
                                       "TIME_MILLIS",
                                       "TIME_MICROS",
                                       "TIMESTAMP_MILLIS",
                                       "TIMESTAMP_MICROS",
                                       "UINT_8",
                                       "UINT_16",
                                       "UINT_32",
                                       "UINT_64",
                                       "INT_8",
                                       "INT_16",
                                       "INT_32",
                                       "INT_64",
                                       "JSON",
                                       "BSON",
                                       "INTERVAL"};
  return type >= 0 && type < 22 ? kNames[type] : "converted " + std::to_string(type);
}

std::string time_unit(const ThriftValue& unit) {
  if (unit.has(1)) return "MILLIS";
  if (unit.has(2)) return "MICROS";
  if (unit.has(3)) return "NANOS";
  return "unit?";
}

// The LogicalType union as written, with the parameters that matter to readers.
std::string logical_name(const ThriftValue& logical) {
  const auto& [field, value] = *logical.st().begin();
  switch (field) {
    case 1:
      return "STRING";
    case 3:
      return "LIST";
    case 4:
      return "ENUM";
    case 5:
      return "DECIMAL";
    case 6:
      return "DATE";
    case 7:
    case 8:
      return std::string(field == 7 ? "TIME(" : "TIMESTAMP(") + time_unit(value[2]) +
             (value[1].b() ? ",UTC)" : ",local)");
    case 10:
      return "INTEGER(" + std::to_string(value[1].i()) + (value[2].b() ? ",signed)" : ",unsigned)");
    case 12:
      return "JSON";
    case 13:
      return "BSON";
    case 14:
      return "UUID";
    default:
      return "logical " + std::to_string(field);
  }
}

std::string leaf_key(const ThriftValue& leaf) {
  std::string key = physical_name(leaf[element::kType].i());
  if (leaf.has(element::kLogical)) key += " " + logical_name(leaf[element::kLogical]);
  if (leaf.has(element::kConverted)) key += " " + converted_name(leaf[element::kConverted].i());
  return key;
}

// The fewest bytes of two's complement that hold every unscaled value of `precision` digits.
int32_t decimal_width(int precision) {
  int32_t bytes = 1;
  while (true) {
    // 2^(8*bytes-1) > 10^precision - 1  <=>  (8*bytes-1)*log10(2) >= precision
    if ((8.0 * bytes - 1) * 0.30102999566398120 >= precision) return bytes;
    ++bytes;
  }
}

struct Walk {
  std::map<std::string, std::string> leaves;  // leaf key -> the first column that emitted it
  std::vector<std::string> problems;
  size_t columns = 0;
};

// Checks the schema of one file written for `table` and records its leaves.
void check_file(const pg::TableSchema& table, const ParquetOptions& options, Walk& walk) {
  ParquetEncoder encoder(table, options);
  StringSink sink;
  encoder.start(sink);
  encoder.finish();
  const ThriftValue footer = read_footer(sink.data);
  const ThriftList& schema = footer[fmd::kSchema].list();
  size_t at = 1;
  for (const pg::Column& column : table.columns) {
    ++walk.columns;
    const std::string where = column.name + " (" + column.type.name + ")";
    ASSERT_LT(at, schema.size()) << where;
    const ThriftValue& top = schema[at];
    const bool nullable = !column.not_null;
    if (top[element::kRepetition].i() != (nullable ? kOptional : kRequired)) {
      walk.problems.push_back(where + ": wrong repetition");
    }
    const ThriftValue* leaf = &top;
    if (top.has(element::kChildren)) {
      // Only the standard three-level LIST: group (LIST) { repeated group list { optional
      // element } }, which Spark, Trino, Redshift Spectrum and Snowflake all read.
      const bool shaped =
          top[element::kChildren].i() == 1 && top.has(element::kConverted) &&
          top[element::kConverted].i() == kConvertedList && top.has(element::kLogical) &&
          top[element::kLogical].st().begin()->first == kLogicalList && at + 2 < schema.size() &&
          schema[at + 1][element::kName].s() == "list" &&
          schema[at + 1][element::kRepetition].i() == kRepeated &&
          schema[at + 1].has(element::kChildren) && schema[at + 1][element::kChildren].i() == 1 &&
          schema[at + 2][element::kName].s() == "element" &&
          schema[at + 2][element::kRepetition].i() == kOptional &&
          !schema[at + 2].has(element::kChildren);
      if (!shaped) {
        walk.problems.push_back(where + ": not a three-level LIST");
        return;
      }
      leaf = &schema[at + 2];
      at += 3;
    } else {
      at += 1;
    }
    const std::string key = leaf_key(*leaf);
    walk.leaves.emplace(key, where);
    if (key.find("DECIMAL") != std::string::npos) {
      const int64_t precision = (*leaf)[element::kPrecision].i();
      const int64_t scale = (*leaf)[element::kScale].i();
      const int64_t physical = (*leaf)[element::kType].i();
      const int64_t most = physical == 1 ? 9 : physical == 2 ? 18 : 38;
      if (precision < 1 || precision > most || scale < 0 || scale > precision) {
        walk.problems.push_back(where + ": DECIMAL(" + std::to_string(precision) + "," +
                                std::to_string(scale) + ") on " + physical_name(physical));
      }
      if (physical == kFixedLenByteArray &&
          (*leaf)[element::kTypeLength].i() != decimal_width(static_cast<int>(precision))) {
        walk.problems.push_back(where + ": DECIMAL in more bytes than its precision needs");
      }
    }
  }
  EXPECT_EQ(at, schema.size()) << "schema elements left over";
}

// Every type the mapping could be asked about, as columns of tables of at most 2,000 columns.
std::vector<pg::TableSchema> every_type() {
  std::vector<pg::Column> columns;
  auto add = [&](pg::TypeDesc type) {
    const std::string name = "c" + std::to_string(columns.size());
    // An array column of the same element type beside each scalar (the array type's own oid
    // does not matter to the mapping: only its element's).
    pg::TypeDesc array = array_of(type, 1);
    columns.push_back(column(name, type, columns.size() % 2 == 0));
    columns.push_back(column(name + "_list", array));
  };
  // Each built-in type oid (user-defined types start at FirstNormalObjectId, 16384).
  for (pg::Oid oid = 1; oid < 16384; ++oid) add(base_type(oid, "type " + std::to_string(oid)));
  // numeric with and without typmods, including PostgreSQL 15's negative and large scales.
  for (int precision = 1; precision <= 1000; ++precision) {
    for (int scale : {-3, 0, precision / 2, precision, precision + 2}) {
      if (scale < -1000 || scale > 1000) continue;
      add(base_type(pg::oid::kNumeric, "numeric", numeric_typmod(precision, scale)));
    }
  }
  // Kinds other than base types, named by an oid the switch knows, to show the kind decides.
  for (pg::TypeKind kind : {pg::TypeKind::enumeration, pg::TypeKind::range, pg::TypeKind::composite,
                            pg::TypeKind::multirange}) {
    for (pg::Oid oid : {pg::Oid{16390}, pg::oid::kUuid, pg::oid::kTime, pg::oid::kInt4}) {
      pg::TypeDesc type = base_type(oid, "user type");
      type.kind = kind;
      add(type);
    }
  }
  std::vector<pg::TableSchema> tables;
  for (size_t first = 0; first < columns.size(); first += 2000) {
    pg::TableSchema table;
    table.schema = "public";
    table.name = "t" + std::to_string(first);
    table.columns.assign(
        columns.begin() + static_cast<std::ptrdiff_t>(first),
        columns.begin() + static_cast<std::ptrdiff_t>(std::min(first + 2000, columns.size())));
    tables.push_back(std::move(table));
  }
  return tables;
}

Walk walk_profile(ParquetProfile profile) {
  Walk walk;
  const auto tables = every_type();
  for (int switches = 0; switches < 8; ++switches) {
    ParquetOptions options;
    options.profile = profile;
    options.numeric_as_text = (switches & 1) != 0;
    options.arrays_as_text = (switches & 2) != 0;
    options.timestamps_as_text = (switches & 4) != 0;
    for (const auto& table : tables) check_file(table, options, walk);
  }
  return walk;
}

TEST(ReaderProfile, PortableWritesOnlyWhatEveryEngineReads) {
  const Walk walk = walk_profile(ParquetProfile::portable);
  EXPECT_GT(walk.columns, 100000u);  // the walk really covered the type space
  for (const auto& problem : walk.problems) ADD_FAILURE() << problem;
  for (const auto& [key, where] : walk.leaves) {
    EXPECT_TRUE(kPortableLeaves.count(key))
        << key << " (first written for column " << where
        << ") is not in the portable allowlist: add its row to docs/types.md, \"Which engines "
           "read what\", before allowing it";
  }
  // And the allowlist holds nothing the writer no longer emits.
  for (const auto& allowed : kPortableLeaves) {
    EXPECT_TRUE(walk.leaves.count(allowed)) << allowed << " is never written any more";
  }
}

TEST(ReaderProfile, ExactKeepsTheRichTypes) {
  const Walk walk = walk_profile(ParquetProfile::exact);
  for (const auto& problem : walk.problems) ADD_FAILURE() << problem;
  for (const std::string& rich :
       {"FIXED_LEN_BYTE_ARRAY UUID", "INT64 TIME(MICROS,local) TIME_MICROS", "BYTE_ARRAY ENUM ENUM",
        "BYTE_ARRAY JSON JSON"}) {
    EXPECT_TRUE(walk.leaves.count(rich)) << "the exact profile no longer writes " << rich;
  }
}

pg::TableSchema uuid_time_table() {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  pg::TypeDesc mood = base_type(16390, "public.mood");
  mood.kind = pg::TypeKind::enumeration;
  table.columns = {column("u", base_type(pg::oid::kUuid, "uuid")),
                   column("t", base_type(pg::oid::kTime, "time without time zone")),
                   column("e", mood), column("j", base_type(pg::oid::kJsonb, "jsonb")),
                   column("us", array_of(base_type(pg::oid::kUuid, "uuid"), 2951))};
  return table;
}

TEST(ReaderProfile, PortableAsksTheServerForUuidAndTimeText) {
  ParquetOptions portable;
  const CopySpec spec = ParquetFormat(portable).copy_spec(uuid_time_table());
  EXPECT_EQ(spec.select_list,
            (std::vector<std::string>{"\"u\"::pg_catalog.text", "\"t\"::pg_catalog.text", "\"e\"",
                                      "\"j\"", "\"us\"::pg_catalog.text[]"}));
  ParquetOptions exact;
  exact.profile = ParquetProfile::exact;
  EXPECT_EQ(ParquetFormat(exact).copy_spec(uuid_time_table()).select_list,
            (std::vector<std::string>{"\"u\"", "\"t\"", "\"e\"", "\"j\"", "\"us\""}));
}

TEST(ReaderProfile, PortableIsTheDefaultAndIsRecorded) {
  const ParquetFormat format;
  EXPECT_EQ(format.describe_options().at("profile"), "portable");
  const nlohmann::json u = format.describe_column(uuid_time_table().columns[0]);
  EXPECT_EQ(u.at("parquet_logical_type"), "STRING");
  EXPECT_EQ(u.at("exact_text"), true);
  const nlohmann::json e = format.describe_column(uuid_time_table().columns[2]);
  EXPECT_EQ(e.at("type"), "enum");  // the PostgreSQL kind is kept for materialize
  EXPECT_EQ(e.at("parquet_logical_type"), "STRING");

  for (ParquetProfile profile : {ParquetProfile::portable, ParquetProfile::exact}) {
    ParquetOptions options;
    options.profile = profile;
    ParquetEncoder encoder(uuid_time_table(), options);
    StringSink sink;
    encoder.start(sink);
    encoder.finish();
    std::string recorded;
    const ThriftValue footer = read_footer(sink.data);
    for (const auto& entry : footer[fmd::kKeyValue].list()) {
      if (entry[1].s() == "pgexport.parquet_profile") recorded = entry[2].s();
    }
    EXPECT_EQ(recorded, profile_name(profile));
  }
  ParquetOptions reserved;
  reserved.metadata = {{"pgexport.parquet_profile", "exact"}};
  EXPECT_THROW(ParquetFormat{reserved}, Error);
}

TEST(ReaderProfile, DescriptionsReadBack) {
  nlohmann::json described = ParquetFormat().describe_options();
  EXPECT_EQ(mapping_from_description(described)->profile, ParquetProfile::portable);
  described["profile"] = "exact";
  EXPECT_EQ(mapping_from_description(described)->profile, ParquetProfile::exact);
  // Written before profiles existed: the mapping of today's exact profile.
  described.erase("profile");
  EXPECT_EQ(mapping_from_description(described)->profile, ParquetProfile::exact);
  described["profile"] = "spark";
  EXPECT_FALSE(mapping_from_description(described).has_value());
  described["profile"] = true;
  EXPECT_FALSE(mapping_from_description(described).has_value());
  EXPECT_EQ(parse_profile("portable"), ParquetProfile::portable);
  EXPECT_EQ(parse_profile("exact"), ParquetProfile::exact);
  EXPECT_FALSE(parse_profile("Exact").has_value());
}

}  // namespace
}  // namespace pgexport::format::parquet
