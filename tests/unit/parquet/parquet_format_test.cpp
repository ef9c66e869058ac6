// ParquetFormat and ParquetEncoder: the COPY request, the schema and footer of written files,
// row group and page caps, dictionary fallback, statistics, and data errors. Values are read
// back by independent readers in node_readers_test.cpp; here the footer is decoded with the
// test's own small thrift reader.
#include "format/parquet/parquet_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "all_types.hpp"
#include "common/error.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

using namespace pqtest;
using pg::oid::kBytea;
using pg::oid::kFloat8;
using pg::oid::kInt4;
using pg::oid::kInt8;
using pg::oid::kNumeric;
using pg::oid::kText;

pg::TableSchema table_of(std::vector<pg::Column> columns) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = std::move(columns);
  return table;
}

// The bytes of the file write_file() wrote last.
std::string file_of_last_write_;

std::string write_file(const pg::TableSchema& table, const std::vector<std::string>& rows,
                       ParquetOptions options = {}) {
  ParquetEncoder encoder(table, options);
  StringSink sink;
  encoder.start(sink);
  for (const auto& row : rows) encoder.write_row(row);
  encoder.finish();
  EXPECT_EQ(encoder.bytes_written(), sink.data.size());
  EXPECT_EQ(encoder.rows_written(), rows.size());
  file_of_last_write_ = sink.data;
  return sink.data;
}

// The message of the pgexport::Error `action` throws, checking its kind.
std::string error_of(ErrorKind kind, auto&& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

const ThriftValue& first_chunk(const ThriftValue& footer, size_t row_group = 0, size_t column = 0) {
  return footer[fmd::kRowGroups].list().at(row_group)[rg::kColumns].list().at(column)[3];
}

std::vector<int64_t> ints(const ThriftValue& list) {
  std::vector<int64_t> values;
  for (const auto& v : list.list()) values.push_back(v.i());
  return values;
}

std::string le32(int32_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 4);
}
std::string le64(int64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 8);
}

TEST(ParquetFormat, CopySpecAsksForBinaryAndCastsOnlyTextColumns) {
  ParquetFormat format(exact_options());
  EXPECT_EQ(format.extension(), "parquet");
  EXPECT_TRUE(format.compresses_internally());
  auto spec = format.copy_spec(all_types_table());
  EXPECT_EQ(spec.wire, WireFormat::binary);
  std::vector<std::string> expected = {"\"b\"",
                                       "\"i2\"",
                                       "\"i4\"",
                                       "\"i8\"",
                                       "\"o\"",
                                       "\"f4\"",
                                       "\"f8\"",
                                       "\"n_small\"",
                                       "\"n_mid\"",
                                       "\"n_big\"",
                                       "\"n_any\"",
                                       "\"n_negscale\"",
                                       "\"u\"",
                                       "\"d\"",
                                       "\"t\"",
                                       "\"ts\"",
                                       "\"tstz\"",
                                       "\"by\"",
                                       "\"tx\"",
                                       "\"vc\"",
                                       "\"bp\"",
                                       "\"nm\"",
                                       "\"e\"",
                                       "\"j\"",
                                       "\"jb\"",
                                       "\"iv\"::pg_catalog.text",
                                       "\"ints\"",
                                       "\"texts\"",
                                       "\"ranges\"::pg_catalog.text[]",
                                       "\"nums\"",
                                       "\"stamps\""};
  EXPECT_EQ(spec.select_list, expected);
}

TEST(ParquetFormat, TextOptionsChangeTheRepresentation) {
  ParquetOptions options;
  options.numeric_as_text = true;
  options.arrays_as_text = true;
  ParquetFormat format(options);
  auto table = all_types_table();
  auto spec = format.copy_spec(table);
  EXPECT_EQ(spec.select_list[7], "\"n_small\"");  // still binary: decoded to exact text here
  EXPECT_EQ(spec.select_list[26], "\"ints\"::pg_catalog.text");
  EXPECT_EQ(format.describe_column(table.columns[7])["type"], "string");
  EXPECT_EQ(format.describe_column(table.columns[7])["exact_text"], true);
  EXPECT_EQ(format.describe_column(table.columns[26])["type"], "string");

  ParquetOptions timestamps;
  timestamps.timestamps_as_text = true;
  ParquetFormat text_timestamps(timestamps);
  auto select = text_timestamps.copy_spec(table).select_list;
  EXPECT_EQ(select[13], "\"d\"");  // every finite date fits: dates stay DATE
  EXPECT_EQ(select[15], "\"ts\"::pg_catalog.text");
  EXPECT_EQ(select[16], "\"tstz\"::pg_catalog.text");
  EXPECT_EQ(select[30], "\"stamps\"::pg_catalog.text[]");
  EXPECT_EQ(text_timestamps.describe_column(table.columns[16])["exact_text"], true);
}

TEST(ParquetFormat, DescribeColumn) {
  ParquetFormat format(exact_options());
  auto table = all_types_table();
  auto describe = [&](const std::string& name) {
    for (const auto& column : table.columns) {
      if (column.name == name) return format.describe_column(column);
    }
    ADD_FAILURE() << name;
    return nlohmann::json();
  };
  EXPECT_EQ(describe("n_big"), nlohmann::json::parse(R"json({"type": "decimal(38,10)",
      "parquet_physical_type": "FIXED_LEN_BYTE_ARRAY", "parquet_type_length": 16,
      "parquet_logical_type": "DECIMAL(38,10)", "exact_text": false})json"));
  EXPECT_EQ(describe("tstz"), nlohmann::json::parse(R"json({"type": "timestamptz",
      "parquet_physical_type": "INT64",
      "parquet_logical_type": "TIMESTAMP(MICROS,isAdjustedToUTC=true)", "exact_text": false,
      "infinity": {"-infinity": -9223372036854775807, "infinity": 9223372036854775807}})json"));
  EXPECT_EQ(describe("iv")["exact_text"], true);
  EXPECT_EQ(describe("iv")["parquet_logical_type"], "STRING");
  EXPECT_EQ(describe("d")["infinity"]["-infinity"], -2147483647);
  EXPECT_EQ(describe("u")["parquet_logical_type"], "UUID");
  EXPECT_EQ(describe("e")["parquet_logical_type"], "ENUM");
  EXPECT_EQ(describe("jb")["parquet_logical_type"], "JSON");
  EXPECT_EQ(describe("by")["parquet_logical_type"], nullptr);
  EXPECT_EQ(describe("o")["parquet_physical_type"], "INT64");
  auto ranges = describe("ranges");
  EXPECT_EQ(ranges["type"], "list");
  EXPECT_EQ(ranges["parquet_logical_type"], "LIST");
  EXPECT_EQ(ranges["element"]["exact_text"], true);
  EXPECT_EQ(describe("nums")["element"]["parquet_logical_type"], "DECIMAL(10,2)");
}

TEST(ParquetFormat, NumericTypmodsMapToDecimalsThatHoldEveryValue) {
  ParquetFormat format;
  auto logical = [&](int precision, int scale) {
    auto c = column("n", base_type(kNumeric, "numeric", numeric_typmod(precision, scale)));
    return format.describe_column(c)["parquet_logical_type"];
  };
  EXPECT_EQ(logical(9, 2), "DECIMAL(9,2)");
  EXPECT_EQ(logical(1, 0), "DECIMAL(1,0)");
  EXPECT_EQ(logical(5, -2), "DECIMAL(7,0)");  // PostgreSQL 15: rounds to hundreds
  EXPECT_EQ(logical(3, 5), "DECIMAL(5,5)");   // PostgreSQL 15: 0.00123
  EXPECT_EQ(logical(38, 38), "DECIMAL(38,38)");
  EXPECT_EQ(logical(39, 2), "STRING");  // beyond Parquet's 38 digits
  EXPECT_EQ(logical(37, -2), "STRING");
  EXPECT_EQ(format.describe_column(column("n", base_type(kNumeric, "numeric")))["type"], "string");
}

TEST(ParquetFormat, OptionsAreCheckedUpFront) {
  ParquetOptions bad_level;
  bad_level.compression = Compression::gzip;
  bad_level.compression_level = 42;
  EXPECT_EQ(error_of(ErrorKind::usage, [&] { ParquetFormat format(bad_level); }).empty(), false);
  ParquetOptions no_rows;
  no_rows.row_group_rows = 0;
  error_of(ErrorKind::usage, [&] { ParquetFormat format(no_rows); });
  ParquetOptions reserved;
  reserved.metadata = {{"pgexport.columns", "x"}};
  error_of(ErrorKind::usage, [&] { ParquetFormat format(reserved); });
}

TEST(ParquetEncoder, FooterDescribesAllTypes) {
  auto table = all_types_table();
  ParquetOptions options = exact_options();
  options.metadata = {{"pgexport.run_id", "run-1"}, {"pgexport.snapshot", "00000003-1"}};
  auto file = write_file(table, all_types_rows(), options);
  auto footer = read_footer(file);
  EXPECT_EQ(footer[1].i(), 1);  // version
  EXPECT_EQ(footer[fmd::kNumRows].i(), 3);
  EXPECT_EQ(footer[fmd::kCreatedBy].s().rfind("pgexport version ", 0), 0u);

  const auto& schema = footer[fmd::kSchema].list();
  // The root, 26 scalar columns, and 3 schema elements for each of the 5 list columns.
  ASSERT_EQ(schema.size(), 1u + 26u + 5u * 3u);
  EXPECT_EQ(schema[0][5].i(), 31);
  auto find = [&](const std::string& name) -> const ThriftValue& {
    for (const auto& element : schema) {
      if (element[4].s() == name) return element;
    }
    throw std::runtime_error("no schema element " + name);
  };
  EXPECT_EQ(find("i4")[3].i(), 0);           // REQUIRED: the column is NOT NULL
  EXPECT_EQ(find("i8")[3].i(), 1);           // OPTIONAL
  EXPECT_EQ(find("i2")[6].i(), 16);          // INT_16
  EXPECT_EQ(find("i2")[10][10][1].i(), 16);  // IntType bitWidth
  EXPECT_TRUE(find("i2")[10][10][2].b());    // IntType isSigned
  EXPECT_EQ(find("n_big")[1].i(), 7);        // FIXED_LEN_BYTE_ARRAY
  EXPECT_EQ(find("n_big")[2].i(), 16);
  EXPECT_EQ(find("n_big")[7].i(), 10);         // legacy scale
  EXPECT_EQ(find("n_big")[8].i(), 38);         // legacy precision
  EXPECT_TRUE(find("u")[10].has(14));          // UUID
  EXPECT_FALSE(find("u").has(6));              // which has no ConvertedType
  EXPECT_FALSE(find("ts")[10][8][1].b());      // TIMESTAMP isAdjustedToUTC=false
  EXPECT_TRUE(find("tstz")[10][8][1].b());     // TIMESTAMP isAdjustedToUTC=true
  EXPECT_TRUE(find("tstz")[10][8][2].has(2));  // unit MICROS
  EXPECT_EQ(find("tstz")[6].i(), 10);          // TIMESTAMP_MICROS
  EXPECT_EQ(find("t")[6].i(), 8);              // TIME_MICROS
  EXPECT_FALSE(find("by").has(10));            // bytea: no annotation
  EXPECT_EQ(find("e")[6].i(), 4);              // ENUM
  EXPECT_EQ(find("jb")[6].i(), 19);            // JSON
  EXPECT_EQ(find("ints")[6].i(), 3);           // LIST
  EXPECT_EQ(find("list")[3].i(), 2);           // REPEATED

  // 31 leaves, each with TYPE_ORDER.
  EXPECT_EQ(footer[fmd::kColumnOrders].list().size(), 31u);
  const auto& group = footer[fmd::kRowGroups].list().at(0);
  ASSERT_EQ(group[rg::kColumns].list().size(), 31u);
  EXPECT_EQ(group[rg::kNumRows].i(), 3);
  EXPECT_EQ(group[rg::kFileOffset].i(), 4);  // right after "PAR1"
  EXPECT_EQ(group[rg::kOrdinal].i(), 0);
  const auto& ints_leaf = first_chunk(footer, 0, 26);
  std::vector<std::string> path;
  for (const auto& part : ints_leaf[cmd::kPath].list()) path.push_back(part.s());
  EXPECT_EQ(path, (std::vector<std::string>{"ints", "list", "element"}));
  // ints: [1,-2,3], [], NULL -> 5 level slots, of which 2 hold no value.
  EXPECT_EQ(ints_leaf[cmd::kNumValues].i(), 5);
  EXPECT_EQ(ints_leaf[cmd::kStatistics][st::kNullCount].i(), 2);
  EXPECT_EQ(ints_leaf[cmd::kCodec].i(), 6);  // ZSTD, the default

  std::map<std::string, std::string> kv;
  for (const auto& entry : footer[fmd::kKeyValue].list()) kv[entry[1].s()] = entry[2].s();
  EXPECT_EQ(kv["pgexport.table"], "public.all_types");
  EXPECT_EQ(kv["pgexport.run_id"], "run-1");
  EXPECT_EQ(kv["pgexport.snapshot"], "00000003-1");
  auto columns = nlohmann::json::parse(kv["pgexport.columns"]);
  ASSERT_EQ(columns.size(), 31u);
  EXPECT_EQ(columns[25]["name"], "iv");
  EXPECT_EQ(columns[25]["postgres_type"], "interval");
  EXPECT_EQ(columns[25]["parquet"]["exact_text"], true);
}

TEST(ParquetEncoder, ColumnChunksAreWhereTheFooterSaysTheyAre) {
  auto file = write_file(all_types_table(), all_types_rows());
  auto footer = read_footer(file);
  int64_t expected_offset = 4;
  for (const auto& chunk : footer[fmd::kRowGroups].list()[0][rg::kColumns].list()) {
    const auto& meta = chunk[3];
    int64_t start = meta.has(cmd::kDictionaryPageOffset) ? meta[cmd::kDictionaryPageOffset].i()
                                                         : meta[cmd::kDataPageOffset].i();
    EXPECT_EQ(start, expected_offset);
    // A page header must start at the data page offset: type DATA_PAGE (field 1 = 0).
    ThriftReader header(std::string_view(file).substr(meta[cmd::kDataPageOffset].i()));
    ThriftValue page{header.read_struct()};
    EXPECT_EQ(page[1].i(), 0);
    expected_offset = start + meta[cmd::kCompressed].i();
  }
  EXPECT_EQ(
      static_cast<size_t>(expected_offset), file.size() - 8 - [&] {
        uint32_t length;
        std::memcpy(&length, file.data() + file.size() - 8, 4);
        return length;
      }());
}

TEST(ParquetEncoder, EmptyFileHasTheSchemaAndNoRowGroups) {
  auto file = write_file(all_types_table(), {});
  auto footer = read_footer(file);
  EXPECT_EQ(footer[fmd::kNumRows].i(), 0);
  EXPECT_TRUE(footer[fmd::kRowGroups].list().empty());
  EXPECT_EQ(footer[fmd::kSchema].list().size(), 42u);
}

TEST(ParquetEncoder, RowGroupsAreCappedByRows) {
  auto table = table_of({column("i", base_type(kInt8, "bigint"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(tuple({int8_value(i)}));
  ParquetOptions options;
  options.row_group_rows = 3;
  auto footer = read_footer(write_file(table, rows, options));
  const auto& groups = footer[fmd::kRowGroups].list();
  ASSERT_EQ(groups.size(), 4u);
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < groups.size(); ++i) {
    sizes.push_back(groups[i][rg::kNumRows].i());
    EXPECT_EQ(groups[i][rg::kOrdinal].i(), static_cast<int64_t>(i));
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 3, 1}));
  EXPECT_EQ(footer[fmd::kNumRows].i(), 10);
  // Statistics are per chunk: the last group holds only 9.
  const auto& stats = first_chunk(footer, 3)[cmd::kStatistics];
  EXPECT_EQ(stats[st::kMin].s(), le64(9));
  EXPECT_EQ(stats[st::kMax].s(), le64(9));
}

TEST(ParquetEncoder, RowGroupsAreCappedByBytes) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 100; ++i) rows.push_back(tuple({std::string(1000, 'a' + i % 26)}));
  ParquetOptions options;
  options.row_group_bytes = 10'000;
  options.dictionary_bytes = 0;  // PLAIN: each row buffers 1004 bytes
  auto footer = read_footer(write_file(table, rows, options));
  const auto& groups = footer[fmd::kRowGroups].list();
  ASSERT_EQ(groups.size(), 10u);
  for (const auto& group : groups) EXPECT_EQ(group[rg::kNumRows].i(), 10);
}

TEST(ParquetEncoder, PagesCloseAtTheByteLimit) {
  auto table = table_of({column("i", base_type(kInt4, "integer"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 10'000; ++i) rows.push_back(tuple({int4_value(i)}));
  ParquetOptions options;
  options.page_bytes = 4096;
  options.dictionary_bytes = 0;
  auto footer = read_footer(write_file(table, rows, options));
  const auto& stats = first_chunk(footer)[cmd::kEncodingStats].list();
  ASSERT_EQ(stats.size(), 1u);
  // 4 bytes of value and one definition level per row: 820 rows reach 4096 bytes.
  EXPECT_EQ(stats[0][3].i(), 13);
}

TEST(ParquetEncoder, DictionaryFallsBackToPlainWhenItGrowsTooLarge) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(tuple({"value-" + std::to_string(i)}));
  ParquetOptions options;
  options.dictionary_bytes = 256;
  // Small pages, so a dictionary-encoded page is written before the dictionary overflows (at
  // "value-22", the 23rd row): that page keeps its dictionary.
  options.page_bytes = 64;
  auto footer = read_footer(write_file(table, rows, options));
  const auto& meta = first_chunk(footer);
  EXPECT_TRUE(meta.has(cmd::kDictionaryPageOffset));
  EXPECT_EQ(ints(meta[cmd::kEncodings]), (std::vector<int64_t>{0, 3, 8}));  // PLAIN RLE RLE_DICT
  const auto& stats = meta[cmd::kEncodingStats].list();
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0][1].i(), 2);  // a DICTIONARY_PAGE ...
  EXPECT_EQ(stats[0][2].i(), 0);  // ... PLAIN-encoded
  EXPECT_EQ(stats[1][2].i(), 8);  // data pages with RLE_DICTIONARY
  EXPECT_EQ(stats[2][2].i(), 0);  // then PLAIN data pages
  EXPECT_EQ(meta[cmd::kStatistics][st::kMin].s(), "value-0");
  EXPECT_EQ(meta[cmd::kStatistics][st::kMax].s(), "value-99");
  // The dictionary page holds the entries added before the overflow, PLAIN-encoded.
  ThriftReader reader(
      std::string_view(file_of_last_write_).substr(meta[cmd::kDictionaryPageOffset].i()));
  ThriftValue header{reader.read_struct()};
  EXPECT_EQ(header[1].i(), 2);      // DICTIONARY_PAGE
  EXPECT_EQ(header[7][1].i(), 23);  // num_values: value-0 .. value-22
}

TEST(ParquetEncoder, AnOverflowInTheFirstPageDropsTheDictionary) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(tuple({"value-" + std::to_string(i)}));
  ParquetOptions options;
  options.dictionary_bytes = 256;
  auto footer = read_footer(write_file(table, rows, options));
  const auto& meta = first_chunk(footer);
  EXPECT_FALSE(meta.has(cmd::kDictionaryPageOffset));  // the page was rewritten as PLAIN
  EXPECT_EQ(ints(meta[cmd::kEncodings]), (std::vector<int64_t>{0, 3}));
}

TEST(ParquetEncoder, UniqueValuesGiveUpTheDictionaryEarly) {
  auto table = table_of({column("i", base_type(kInt8, "bigint"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 50'000; ++i) rows.push_back(tuple({int8_value(i * 7919LL)}));
  auto footer = read_footer(write_file(table, rows));
  const auto& meta = first_chunk(footer);
  EXPECT_FALSE(meta.has(cmd::kDictionaryPageOffset));
  EXPECT_EQ(ints(meta[cmd::kEncodings]), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(meta[cmd::kStatistics][st::kMax].s(), le64(49'999 * 7919LL));
}

TEST(ParquetEncoder, RepeatedValuesStayDictionaryEncoded) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  std::vector<std::string> rows;
  for (int i = 0; i < 5000; ++i) rows.push_back(tuple({std::string(i % 3 == 0 ? "x" : "y")}));
  auto footer = read_footer(write_file(table, rows));
  const auto& meta = first_chunk(footer);
  EXPECT_TRUE(meta.has(cmd::kDictionaryPageOffset));
  EXPECT_EQ(ints(meta[cmd::kEncodings]), (std::vector<int64_t>{0, 3, 8}));
  const auto& stats = meta[cmd::kEncodingStats].list();
  ASSERT_EQ(stats.size(), 2u);  // the dictionary page and RLE_DICTIONARY data pages only
  EXPECT_EQ(stats[1][2].i(), 8);

  ParquetOptions no_dictionary;
  no_dictionary.dictionary_bytes = 0;
  auto plain = first_chunk(read_footer(write_file(table, rows, no_dictionary)));
  EXPECT_FALSE(plain.has(cmd::kDictionaryPageOffset));
  EXPECT_EQ(ints(plain[cmd::kEncodings]), (std::vector<int64_t>{0, 3}));
}

TEST(ParquetEncoder, AllNullColumnHasNoDictionaryAndNoBounds) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  std::vector<std::string> rows(100, tuple({std::nullopt}));
  auto meta = first_chunk(read_footer(write_file(table, rows)));
  EXPECT_FALSE(meta.has(cmd::kDictionaryPageOffset));
  EXPECT_EQ(meta[cmd::kStatistics][st::kNullCount].i(), 100);
  EXPECT_FALSE(meta[cmd::kStatistics].has(st::kMin));
  EXPECT_FALSE(meta[cmd::kStatistics].has(st::kMax));
}

TEST(ParquetEncoder, StatisticsUseEachTypesOrder) {
  pg::TableSchema table = table_of({
      column("i", base_type(kInt4, "integer")),
      column("s", base_type(kText, "text")),
      column("big", base_type(kNumeric, "numeric(20,2)", numeric_typmod(20, 2))),
      column("u", base_type(pg::oid::kUuid, "uuid")),
      column("b", base_type(kBytea, "bytea")),
  });
  std::vector<std::string> rows = {
      tuple({int4_value(3), std::string("z"), numeric_value("3.00"),
             uuid_value("80000000000000000000000000000000"), std::string("\x7f")}),
      tuple({int4_value(-5), std::string("\xc3\xa9"), numeric_value("-5.00"),
             uuid_value("7fffffffffffffffffffffffffffffff"), std::string("\x80")}),
      tuple({std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}),
  };
  auto footer = read_footer(write_file(table, rows));
  auto stats = [&](size_t column) { return first_chunk(footer, 0, column)[cmd::kStatistics]; };
  // Signed integers.
  EXPECT_EQ(stats(0)[st::kMin].s(), le32(-5));
  EXPECT_EQ(stats(0)[st::kMax].s(), le32(3));
  EXPECT_EQ(stats(0)[st::kNullCount].i(), 1);
  EXPECT_TRUE(stats(0)[st::kMinExact].b());
  // Strings: unsigned bytes, so "é" (0xc3 0xa9) sorts after "z".
  EXPECT_EQ(stats(1)[st::kMin].s(), "z");
  EXPECT_EQ(stats(1)[st::kMax].s(), "\xc3\xa9");
  // DECIMAL in FIXED_LEN_BYTE_ARRAY(9): ordered as signed numbers, not as bytes.
  std::string minus_500(9, '\xff');
  minus_500[7] = '\xfe';
  minus_500[8] = '\x0c';
  std::string plus_300(9, '\0');
  plus_300[7] = '\x01';
  plus_300[8] = '\x2c';
  EXPECT_EQ(stats(2)[st::kMin].s(), minus_500);
  EXPECT_EQ(stats(2)[st::kMax].s(), plus_300);
  // UUID and raw bytes: unsigned bytes.
  EXPECT_EQ(stats(3)[st::kMin].s(), uuid_value("7fffffffffffffffffffffffffffffff"));
  EXPECT_EQ(stats(4)[st::kMin].s(), "\x7f");
  EXPECT_EQ(stats(4)[st::kMax].s(), "\x80");
}

TEST(ParquetEncoder, FloatStatisticsFollowTheNanAndZeroRules) {
  auto table = table_of({column("f", base_type(kFloat8, "double precision"))});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto stats_of = [&](std::vector<double> values) {
    std::vector<std::string> rows;
    for (double v : values) rows.push_back(tuple({float8_value(v)}));
    return first_chunk(read_footer(write_file(table, rows)))[cmd::kStatistics];
  };
  auto with_nan = stats_of({nan, 2.5, -1.0, nan});
  EXPECT_EQ(with_nan[st::kNanCount].i(), 2);
  EXPECT_EQ(with_nan[st::kMin].s(), le64(std::bit_cast<int64_t>(-1.0)));
  EXPECT_EQ(with_nan[st::kMax].s(), le64(std::bit_cast<int64_t>(2.5)));

  auto only_nan = stats_of({nan, nan});
  EXPECT_EQ(only_nan[st::kNanCount].i(), 2);
  EXPECT_FALSE(only_nan.has(st::kMin));  // all NaN: no bounds at all
  EXPECT_FALSE(only_nan.has(st::kMax));

  auto zeros = stats_of({0.0, 0.0});  // a zero minimum is written -0.0, a zero maximum +0.0
  EXPECT_EQ(zeros[st::kMin].s(), le64(std::bit_cast<int64_t>(-0.0)));
  EXPECT_EQ(zeros[st::kMax].s(), le64(std::bit_cast<int64_t>(0.0)));
  EXPECT_EQ(zeros[st::kNanCount].i(), 0);
}

TEST(ParquetEncoder, LongStringBoundsAreShortenedOrLeftOut) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  std::string long_min = "a" + std::string(300, 'b');
  // A long maximum made of two-byte characters, so a cut could split one.
  std::string long_max = "c";
  for (int i = 0; i < 200; ++i) long_max += "\xc3\xa9";
  auto stats = first_chunk(
      read_footer(write_file(table, {tuple({long_min}), tuple({long_max})})))[cmd::kStatistics];
  EXPECT_EQ(stats[st::kMin].s(), long_min.substr(0, 256));
  EXPECT_FALSE(stats[st::kMinExact].b());
  EXPECT_FALSE(stats.has(st::kMax));

  auto utf8 = first_chunk(read_footer(write_file(table, {tuple({long_max})})))[cmd::kStatistics];
  EXPECT_EQ(utf8[st::kMin].s().size(), 255u);  // 256 would split the 128th "é"
}

// Bounds of values too long to keep whole are decided from their first 257 bytes, so a huge
// value is never copied for its statistics; these orders need more than the prefix to be right.
TEST(ParquetEncoder, LongValueBoundsAreDecidedFromTheirPrefix) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  const std::string prefix(300, 'm');
  // Both long values share the kept prefix; "m...mz" is the larger, "m...ma" the smaller.
  const std::string low = prefix + "a", high = prefix + "z";
  auto shared = first_chunk(read_footer(write_file(
      table, {tuple({high}), tuple({low}), tuple({prefix.substr(0, 257)})})))[cmd::kStatistics];
  // The 257-byte value equals the kept prefix of both and so is below them: the exact minimum,
  // still cut to 256 bytes for the footer.
  EXPECT_EQ(shared[st::kMin].s(), prefix.substr(0, 256));
  EXPECT_FALSE(shared.has(st::kMax));  // the maximum is long: left out

  // A short value above a long maximum's prefix is the new, exact maximum; one below the long
  // minimum's prefix the new minimum.
  auto moved = first_chunk(read_footer(
      write_file(table, {tuple({high}), tuple({"n"}), tuple({"a"})})))[cmd::kStatistics];
  EXPECT_EQ(moved[st::kMax].s(), "n");
  EXPECT_TRUE(moved[st::kMaxExact].b());
  EXPECT_EQ(moved[st::kMin].s(), "a");
  EXPECT_TRUE(moved[st::kMinExact].b());

  // A short value below a long maximum does not replace it.
  auto kept =
      first_chunk(read_footer(write_file(table, {tuple({high}), tuple({"b"})})))[cmd::kStatistics];
  EXPECT_EQ(kept[st::kMin].s(), "b");
  EXPECT_FALSE(kept.has(st::kMax));
}

// A value larger than the dictionary's limit goes PLAIN at once, and the page after it is still
// written: the chunk reads back with every value.
TEST(ParquetEncoder, AValueLargerThanTheDictionaryLimitIsWrittenPlain) {
  auto table = table_of({column("s", base_type(kText, "text"))});
  ParquetOptions options;
  options.dictionary_bytes = 1024;
  const std::string huge(5u << 20, 'h');  // past the 4 MiB that buffers keep
  auto footer = read_footer(
      write_file(table, {tuple({"a"}), tuple({huge}), tuple({"a"}), tuple({"b"})}, options));
  const auto& meta = first_chunk(footer);
  EXPECT_FALSE(meta.has(cmd::kDictionaryPageOffset));
  EXPECT_EQ(ints(meta[cmd::kEncodings]), (std::vector<int64_t>{0, 3}));  // PLAIN, RLE levels
  EXPECT_EQ(meta[cmd::kNumValues].i(), 4);
  EXPECT_GT(meta[cmd::kUncompressed].i(), static_cast<int64_t>(huge.size()));
}

TEST(ParquetEncoder, EveryCodecIsRecordedInTheColumnMetadata) {
  for (auto [compression, id] : {std::pair{Compression::none, 0},
                                 {Compression::snappy, 1},
                                 {Compression::gzip, 2},
                                 {Compression::zstd, 6}}) {
    ParquetOptions options;
    options.compression = compression;
    auto footer = read_footer(write_file(all_types_table(), all_types_rows(), options));
    for (const auto& chunk : footer[fmd::kRowGroups].list()[0][rg::kColumns].list()) {
      EXPECT_EQ(chunk[3][cmd::kCodec].i(), id);
    }
  }
}

TEST(ParquetEncoder, OneEncoderWritesSeveralFiles) {
  auto table = table_of({column("i", base_type(kInt4, "integer"))});
  ParquetEncoder encoder(table, {});
  StringSink first, second;
  encoder.start(first);
  encoder.write_row(tuple({int4_value(1)}));
  encoder.write_row(tuple({int4_value(2)}));
  encoder.finish();
  encoder.start(second);
  encoder.write_row(tuple({int4_value(3)}));
  encoder.finish();
  EXPECT_EQ(encoder.rows_written(), 1u);
  EXPECT_EQ(encoder.bytes_written(), second.data.size());
  EXPECT_EQ(read_footer(first.data)[fmd::kNumRows].i(), 2);
  auto footer = read_footer(second.data);
  EXPECT_EQ(footer[fmd::kNumRows].i(), 1);
  EXPECT_EQ(first_chunk(footer)[cmd::kStatistics][st::kMin].s(), le32(3));
}

TEST(ParquetEncoder, NanInADecimalColumnIsADataErrorNamingTheColumn) {
  auto table =
      table_of({column("id", base_type(kInt4, "integer")),
                column("amount", base_type(kNumeric, "numeric(10,2)", numeric_typmod(10, 2)))});
  ParquetEncoder encoder(table, {});
  StringSink sink;
  encoder.start(sink);
  encoder.write_row(tuple({int4_value(1), numeric_value("1.50")}));
  auto message = error_of(ErrorKind::data_error, [&] {
    encoder.write_row(tuple({int4_value(2), numeric_value("NaN")}));
  });
  EXPECT_NE(message.find("table public.t, column amount (numeric(10,2)), row 2"), std::string::npos)
      << message;
  EXPECT_NE(message.find("NaN"), std::string::npos);
  EXPECT_NE(message.find("--parquet-numeric-as-text"), std::string::npos);

  // With numeric_as_text the same rows are kept exactly.
  ParquetOptions options;
  options.numeric_as_text = true;
  auto footer = read_footer(write_file(
      table,
      {tuple({int4_value(1), numeric_value("1.50")}), tuple({int4_value(2), numeric_value("NaN")})},
      options));
  EXPECT_EQ(first_chunk(footer, 0, 1)[cmd::kStatistics][st::kMax].s(), "NaN");
}

TEST(ParquetEncoder, ArraysThatLoseTheirShapeAreDataErrors) {
  auto table = table_of({column("a", array_of(base_type(kInt4, "integer"), 1007))});
  ParquetEncoder encoder(table, {});
  StringSink sink;
  encoder.start(sink);
  auto matrix = error_of(ErrorKind::data_error, [&] {
    encoder.write_row(tuple({array_value(23, {int4_value(1)}, 1, 2)}));
  });
  EXPECT_NE(matrix.find("2 dimension(s)"), std::string::npos) << matrix;
  EXPECT_NE(matrix.find("--parquet-arrays-as-text"), std::string::npos);
  auto shifted = error_of(ErrorKind::data_error,
                          [&] { encoder.write_row(tuple({array_value(23, {int4_value(1)}, 0)})); });
  EXPECT_NE(shifted.find("lower bound 0"), std::string::npos) << shifted;
  auto wrong_type = error_of(ErrorKind::data_error, [&] {
    encoder.write_row(tuple({array_value(25, {std::string("x")})}));
  });
  EXPECT_NE(wrong_type.find("type oid 25"), std::string::npos) << wrong_type;
}

TEST(ParquetEncoder, UnrepresentableValuesNameTheirColumnAndAShortReason) {
  auto table =
      table_of({column("id", base_type(kInt4, "integer")),
                column("amount", base_type(kNumeric, "numeric(10,2)", numeric_typmod(10, 2))),
                column("at", base_type(pg::oid::kTimestamptz, "timestamp with time zone")),
                column("a", array_of(base_type(kInt4, "integer"), 1007))});
  ParquetEncoder encoder(table, {});
  StringSink sink;
  encoder.start(sink);
  // What the caller needs to fall back: the column's index and a reason fit for the manifest.
  auto refusal = [&](const std::string& row) -> std::pair<size_t, std::string> {
    try {
      encoder.write_row(row);
    } catch (const UnrepresentableValue& error) {
      EXPECT_EQ(error.kind(), ErrorKind::data_error);
      return {error.column().value_or(99), error.reason()};
    }
    ADD_FAILURE() << "no UnrepresentableValue";
    return {99, ""};
  };
  const std::string ok_at = int8_value(0), ok_list = array_value(23, {int4_value(1)});
  EXPECT_EQ(refusal(tuple({int4_value(1), numeric_value("NaN"), ok_at, ok_list})),
            (std::pair<size_t, std::string>{1, "value 'NaN' has no decimal(10,2) form"}));
  EXPECT_EQ(refusal(tuple({int4_value(1), numeric_value("-Infinity"), ok_at, ok_list})),
            (std::pair<size_t, std::string>{1, "value '-Infinity' has no decimal(10,2) form"}));
  // 294276-12-31 23:59:59.999999, PostgreSQL's last timestamp, in its microseconds since 2000.
  const auto [at_column, at_reason] = refusal(
      tuple({int4_value(1), numeric_value("1.50"), int8_value(9223371331199999999), ok_list}));
  EXPECT_EQ(at_column, 2u);
  EXPECT_NE(at_reason.find("294276-12-31 23:59:59.999999"), std::string::npos) << at_reason;
  EXPECT_EQ(refusal(tuple({int4_value(1), numeric_value("1.50"), ok_at,
                           array_value(23, {int4_value(1)}, 1, 2)})),
            (std::pair<size_t, std::string>{
                3, "an array of 2 dimension(s) with lower bound 1 has no LIST form"}));
  // A damaged row is no reason to fall back: it stays an ordinary data_error.
  try {
    encoder.write_row(tuple({int4_value(1)}));
    ADD_FAILURE() << "no error";
  } catch (const UnrepresentableValue&) {
    ADD_FAILURE() << "a malformed row must not ask for a fallback";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
  }
}

TEST(ParquetEncoder, AColumnThatFellBackIsTheServersTextAndSaysWhy) {
  auto table =
      table_of({column("id", base_type(kInt4, "integer")),
                column("amount", base_type(kNumeric, "numeric(10,2)", numeric_typmod(10, 2)))});
  table.columns[1].text_fallback = "value 'NaN' has no decimal(10,2) form";
  ParquetFormat format;
  EXPECT_EQ(format.copy_spec(table).select_list,
            (std::vector<std::string>{"\"id\"", "\"amount\"::pg_catalog.text"}));
  const nlohmann::json described = format.describe_column(table.columns[1]);
  EXPECT_EQ(described["type"], "string");
  EXPECT_EQ(described["exact_text"], true);
  EXPECT_EQ(described["fallback"], "value 'NaN' has no decimal(10,2) form");
  EXPECT_FALSE(format.describe_column(table.columns[0]).contains("fallback"));

  // The server sends the text; the file holds it as STRING, and its metadata says why.
  auto footer = read_footer(write_file(table, {tuple({int4_value(1), std::string("NaN")}),
                                               tuple({int4_value(2), std::string("1.50")})}));
  EXPECT_EQ(first_chunk(footer, 0, 1)[cmd::kStatistics][st::kMax].s(), "NaN");
  std::map<std::string, std::string> kv;
  for (const auto& entry : footer[fmd::kKeyValue].list()) kv[entry[1].s()] = entry[2].s();
  auto columns = nlohmann::json::parse(kv["pgexport.columns"]);
  EXPECT_EQ(columns[1]["postgres_type"], "numeric(10,2)");
  EXPECT_EQ(columns[1]["parquet"], described);
  EXPECT_EQ(columns[0]["parquet"]["type"], "int32");
}

TEST(ParquetEncoder, ATableWithoutColumnsGetsOnePlaceholderColumn) {
  // DuckDB refuses a file without a leaf column; the placeholder keeps the rows readable.
  auto footer = read_footer(write_file(table_of({}), {tuple({}), tuple({}), tuple({})}));
  const auto& schema = footer[fmd::kSchema].list();
  ASSERT_EQ(schema.size(), 2u);
  // SchemaElement: 1 type, 3 repetition_type, 4 name.
  EXPECT_EQ(schema[1][4].s(), kNoColumnsPlaceholder);
  EXPECT_EQ(schema[1][1].i(), 0);  // BOOLEAN
  EXPECT_EQ(schema[1][3].i(), 1);  // OPTIONAL
  EXPECT_EQ(footer[fmd::kNumRows].i(), 3);
  EXPECT_EQ(first_chunk(footer)[cmd::kStatistics][st::kNullCount].i(), 3);
  std::map<std::string, std::string> kv;
  for (const auto& entry : footer[fmd::kKeyValue].list()) kv[entry[1].s()] = entry[2].s();
  EXPECT_EQ(kv["pgexport.columns"], "[]");
  // A row that is not empty is still refused.
  ParquetEncoder encoder(table_of({}), {});
  StringSink sink;
  encoder.start(sink);
  error_of(ErrorKind::data_error, [&] { encoder.write_row(tuple({int4_value(1)})); });
}

TEST(ParquetEncoder, MalformedRowsAreDataErrors) {
  auto table = table_of(
      {column("id", base_type(kInt4, "integer"), true), column("s", base_type(kText, "text"))});
  ParquetEncoder encoder(table, {});
  StringSink sink;
  encoder.start(sink);
  auto null = error_of(ErrorKind::data_error, [&] {
    encoder.write_row(tuple({std::nullopt, std::string("x")}));
  });
  EXPECT_NE(null.find("column id"), std::string::npos) << null;
  EXPECT_NE(null.find("NOT NULL"), std::string::npos) << null;
  auto count = error_of(ErrorKind::data_error, [&] { encoder.write_row(tuple({int4_value(1)})); });
  EXPECT_NE(count.find("1 fields where the table's column list has 2"), std::string::npos);
  auto width = error_of(ErrorKind::data_error, [&] {
    encoder.write_row(tuple({std::string("abc"), std::string("x")}));
  });
  EXPECT_NE(width.find("3 bytes where 4 were expected"), std::string::npos) << width;
  auto jsonb = table_of({column("j", base_type(pg::oid::kJsonb, "jsonb"))});
  ParquetEncoder json_encoder(jsonb, {});
  json_encoder.start(sink);
  error_of(ErrorKind::data_error, [&] { json_encoder.write_row(tuple({std::string("\x02{}")})); });
}

}  // namespace
}  // namespace pgexport::format::parquet
