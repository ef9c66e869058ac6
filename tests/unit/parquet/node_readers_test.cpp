// Files written by ParquetEncoder, read back by two independent readers: DuckDB and
// parquet-wasm (arrow-rs), through the scripts in tests/node/parquet/. The tests run only when
// PGEXPORT_NODE_DIR names a directory whose node_modules holds @duckdb/node-api,
// parquet-wasm and apache-arrow (tests/node after `npm ci`); otherwise they are skipped.
// Set PGEXPORT_KEEP_TEST_FILES=1 to keep the written files for inspection.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "all_types.hpp"
#include "common/digest.hpp"
#include "format/parquet/file_writer.hpp"
#include "format/parquet/nested_column_writer.hpp"
#include "format/parquet/parquet_format.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

namespace fs = std::filesystem;
using namespace pqtest;
using nlohmann::json;

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class NodeReaders : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* node_dir = std::getenv("PGEXPORT_NODE_DIR");
    if (node_dir == nullptr || *node_dir == '\0') return;
    // The scripts import their packages by name, which node resolves from the script's own
    // directory: run copies of them next to a link to the chosen node_modules.
    std::string pattern = (fs::temp_directory_path() / "pgexport-parquet-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_dir_ = pattern;
    fs::create_directory_symlink(fs::path(node_dir) / "node_modules", work_dir_ / "node_modules");
    for (const char* script : {"read_parquet.mjs", "read_parquet_wasm.mjs"}) {
      fs::copy_file(fs::path(PGEXPORT_SOURCE_DIR) / "tests/node/parquet" / script,
                    work_dir_ / script);
    }
  }

  static void TearDownTestSuite() {
    if (!work_dir_.empty() && std::getenv("PGEXPORT_KEEP_TEST_FILES") == nullptr) {
      fs::remove_all(work_dir_);
    }
    work_dir_.clear();
  }

  void SetUp() override {
    if (work_dir_.empty()) {
      GTEST_FAIL() << "set PGEXPORT_NODE_DIR to a directory with node_modules holding "
                      "@duckdb/node-api, parquet-wasm and apache-arrow to run these";
    }
  }

  // Writes `rows` as a Parquet file in the work directory and returns its path. The rows are
  // hand-built send forms, so the profile is exact unless `options` says otherwise (under
  // portable, uuid and time would arrive as the server's text).
  static std::string write(const std::string& name, const pg::TableSchema& table,
                           const std::vector<std::string>& rows,
                           ParquetOptions options = exact_options()) {
    ParquetEncoder encoder(table, options);
    StringSink sink;
    encoder.start(sink);
    for (const auto& row : rows) encoder.write_row(row);
    encoder.finish();
    std::string path = (work_dir_ / (name + ".parquet")).string();
    std::ofstream(path, std::ios::binary) << sink.data;
    return path;
  }

  static json run(const std::string& command) {
    std::string full = "cd " + shell_quote(work_dir_.string()) + " && node " + command;
    FILE* pipe = popen(full.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    std::string output;
    char buffer[1 << 16];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
    if (output.empty()) return json();
    return json::parse(output);
  }

  // DuckDB's view of the file: {"columns", "types", "rows", "schema", "kv"}. `query` reads
  // the file as the view t.
  static json duckdb(const std::string& path, const std::string& query = "",
                     bool with_schema = true) {
    std::string command = "read_parquet.mjs " + shell_quote(path);
    if (!query.empty()) command += " --query " + shell_quote(query);
    if (!with_schema) command += " --no-schema";
    return run(command);
  }

  // parquet-wasm's view: {"fields", "metadata", "num_rows", "rows"}.
  static json wasm(const std::string& path) {
    return run("read_parquet_wasm.mjs " + shell_quote(path));
  }

  static json rows(const std::string& path, const std::string& query) {
    return duckdb(path, query, false)["rows"];
  }

  static inline fs::path work_dir_;
};

// What DuckDB shows for all_types_rows(), each value cast to VARCHAR.
const char* kAllTypesDuckdb = R"json([
  ["true", "12345", "42", "9000000000", "123456", "1.5", "0.1", "1234567.89",
   "-12345678901234.5678", "1234567890123456789012345678.0123456789",
   "3.141592653589793238462643383279502884197", "12300",
   "00112233-4455-6677-8899-aabbccddeeff", "2024-02-29", "12:34:56.789012",
   "2024-02-29 12:34:56.789012", "2024-02-29 12:34:56.789012+00", "\\x00\\xFF\\x10",
   "héllo, wörld", "short", "ab   ", "pg_class", "happy", "{\"a\": [1, 2.50, \"x\"]}",
   "{\"a\": [1, 2.50, \"x\"]}", "1 year 2 mons 3 days 04:05:06.789", "[1, -2, 3]",
   "[a, '', ü]", "['[1,5)', empty]", "[-1.50, 99999999.99]",
   "['2000-01-01 00:00:00+00', infinity]"],
  ["false", "-32768", "-2147483648", "-9223372036854775808", "4294967295", "-0.0", "nan",
   "-9999999.99", "0.0001", "-0.0000000001", "NaN", "-9999900",
   "ffffffff-ffff-ffff-ffff-ffffffffffff", "-infinity", "24:00:00", "infinity", "-infinity",
   "", "", "0123456789", "     ", "", "sad", "null", "[]", "-00:00:00.000001", "[]",
   "[NULL, x, NULL]", "[NULL]", "[NULL]", "[-infinity]"],
  [null, null, "0", null, null, null, null, null, null, null, null, null, null, null, null,
   null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   null]
])json";

// What parquet-wasm shows for all_types_rows() (see read_parquet_wasm.mjs for the rendering).
const char* kAllTypesWasm = R"json([
  [true, 12345, 42, "9000000000", "123456", 1.5, 0.1, "1234567.89", "-12345678901234.5678",
   "1234567890123456789012345678.0123456789", "3.141592653589793238462643383279502884197",
   "12300", "00112233445566778899aabbccddeeff", 19782, "45296789012", "1709210096789012",
   "1709210096789012", "00ff10", "héllo, wörld", "short", "ab   ", "pg_class", "6861707079",
   "{\"a\": [1, 2.50, \"x\"]}", "{\"a\": [1, 2.50, \"x\"]}",
   "1 year 2 mons 3 days 04:05:06.789", [1, -2, 3], ["a", "", "ü"], ["[1,5)", "empty"],
   ["-1.50", "99999999.99"], ["946684800000000", "9223372036854775807"]],
  [false, -32768, -2147483648, "-9223372036854775808", "4294967295", "-0", "NaN",
   "-9999999.99", "0.0001", "-0.0000000001", "NaN", "-9999900",
   "ffffffffffffffffffffffffffffffff", -2147483647, "86400000000", "9223372036854775807",
   "-9223372036854775807", "", "", "0123456789", "     ", "", "736164", "null", "[]",
   "-00:00:00.000001", [], [null, "x", null], [null], [null], ["-9223372036854775807"]],
  [null, null, 0, null, null, null, null, null, null, null, null, null, null, null, null, null,
   null, null, null, null, null, null, null, null, null, null, null, null, null, null, null]
])json";

TEST_F(NodeReaders, DuckdbReadsEveryTypeExactly) {
  auto result = duckdb(write("all_types", all_types_table(), all_types_rows()));
  EXPECT_EQ(result["rows"], json::parse(kAllTypesDuckdb));
  EXPECT_EQ(result["types"], json::parse(R"json(["BOOLEAN", "SMALLINT", "INTEGER", "BIGINT",
      "BIGINT", "FLOAT", "DOUBLE", "DECIMAL(9,2)", "DECIMAL(18,4)", "DECIMAL(38,10)", "VARCHAR",
      "DECIMAL(7,0)", "UUID", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "BLOB",
      "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
      "INTEGER[]", "VARCHAR[]", "VARCHAR[]", "DECIMAL(10,2)[]",
      "TIMESTAMP WITH TIME ZONE[]"])json"));
  // parquet_schema(): the logical type DuckDB decoded for a few columns.
  std::map<std::string, json> schema;
  for (const auto& element : result["schema"]) schema[element["name"]] = element;
  EXPECT_EQ(schema["u"]["logical_type"], "UUIDType()");
  EXPECT_EQ(schema["e"]["logical_type"], "EnumType()");
  EXPECT_EQ(schema["jb"]["logical_type"], "JsonType()");
  EXPECT_EQ(schema["n_big"]["logical_type"], "DecimalType(scale=10, precision=38)");
  EXPECT_EQ(schema["tstz"]["converted_type"], "TIMESTAMP_MICROS");
  EXPECT_EQ(schema["i4"]["repetition_type"], "REQUIRED");
  auto columns = json::parse(result["kv"]["pgexport.columns"].get<std::string>());
  EXPECT_EQ(columns[11]["postgres_type"], "numeric(5,-2)");
}

TEST_F(NodeReaders, ParquetWasmReadsEveryTypeExactly) {
  auto result = wasm(write("all_types_wasm", all_types_table(), all_types_rows()));
  EXPECT_EQ(result["num_rows"], 3);
  EXPECT_EQ(result["rows"], json::parse(kAllTypesWasm));
  EXPECT_EQ(result["fields"][16]["type"], "Timestamp<MICROSECOND, UTC>");
  EXPECT_EQ(result["fields"][15]["type"], "Timestamp<MICROSECOND>");
  EXPECT_EQ(result["fields"][29]["type"], "List<Decimal[10e+2]>");
  EXPECT_TRUE(result["metadata"].contains("pgexport.columns"));
}

TEST_F(NodeReaders, EveryCodecReadsBack) {
  for (auto compression :
       {Compression::none, Compression::snappy, Compression::gzip, Compression::zstd}) {
    for (std::optional<int> level : {std::optional<int>{}, std::optional<int>{1}}) {
      if (level && (compression == Compression::none || compression == Compression::snappy)) {
        continue;
      }
      ParquetOptions options = exact_options();
      options.compression = compression;
      options.compression_level = level;
      std::string name = "codec_" + std::to_string(static_cast<int>(compression)) + "_" +
                         std::to_string(level.value_or(0));
      auto path = write(name, all_types_table(), all_types_rows(), options);
      EXPECT_EQ(duckdb(path, "", false)["rows"], json::parse(kAllTypesDuckdb)) << name;
      EXPECT_EQ(wasm(path)["rows"], json::parse(kAllTypesWasm)) << name;
    }
  }
}

TEST_F(NodeReaders, ManyRowGroupsPagesAndADictionaryFallback) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "big";
  table.columns = {
      column("i", base_type(pg::oid::kInt8, "bigint"), true),
      column("s", base_type(pg::oid::kText, "text")),
      column("n", base_type(pg::oid::kNumeric, "numeric(20,2)", numeric_typmod(20, 2))),
      column("l", array_of(base_type(pg::oid::kInt4, "integer"), 1007)),
  };
  std::vector<std::string> input;
  for (int i = 0; i < 10'000; ++i) {
    std::vector<std::optional<std::string>> list;
    for (int k = 0; k < i % 4; ++k) list.push_back(int4_value(k));
    input.push_back(tuple({int8_value(i), "v-" + std::to_string(i % 1000),
                           numeric_value(std::to_string(i - 5000) + ".25"),
                           i % 7 == 0 ? std::nullopt : std::optional(array_value(23, list))}));
  }
  ParquetOptions options = exact_options();
  options.row_group_rows = 1000;
  options.page_bytes = 2048;
  options.dictionary_bytes = 512;
  auto path = write("many_row_groups", table, input, options);

  EXPECT_EQ(rows(path,
                 "SELECT count(*), sum(i), count(DISTINCT s), min(s), max(s), sum(n), "
                 "sum(len(l)), count(l) FROM t"),
            json::parse(R"json([["10000", "49995000", "1000", "v-0", "v-999", "-5000.00",
                                 "12858", "8571"]])json"));
  EXPECT_EQ(rows(path, "SELECT count(*) FROM parquet_metadata('" + path +
                           "') WHERE path_in_schema = 'i'"),
            json::parse(R"([["10"]])"));
  // Filters that DuckDB answers with the help of min/max statistics.
  EXPECT_EQ(rows(path, "SELECT count(*) FROM t WHERE i BETWEEN 4500 AND 4599"),
            json::parse(R"([["100"]])"));
  EXPECT_EQ(rows(path, "SELECT count(*) FROM t WHERE n < -4990"), json::parse(R"([["11"]])"));
  EXPECT_EQ(rows(path, "SELECT i, s, n, l FROM t WHERE s = 'v-421' AND i > 9000"),
            json::parse(R"([["9421", "v-421", "4421.25", "[0]"]])"));

  auto result = wasm(path);
  EXPECT_EQ(result["num_rows"], 10'000);
  EXPECT_EQ(result["rows"][0], json::parse(R"(["0", "v-0", "-5000.25", null])"));
  EXPECT_EQ(result["rows"][9999], json::parse(R"(["9999", "v-999", "4999.25", [0, 1, 2]])"));
}

TEST_F(NodeReaders, EmptyFileHasColumnsAndNoRows) {
  auto path = write("empty", all_types_table(), {});
  auto result = duckdb(path, "SELECT * FROM t");
  EXPECT_TRUE(result["rows"].empty());
  EXPECT_EQ(result["columns"].size(), 31u);
  EXPECT_EQ(result["types"][29], "DECIMAL(10,2)[]");
  auto read = wasm(path);
  EXPECT_EQ(read["num_rows"], 0);
  EXPECT_EQ(read["fields"].size(), 31u);
}

TEST_F(NodeReaders, AllNullColumns) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "nulls";
  table.columns = {
      column("id", base_type(pg::oid::kInt4, "integer"), true),
      column("i", base_type(pg::oid::kInt8, "bigint")),
      column("s", base_type(pg::oid::kText, "text")),
      column("n", base_type(pg::oid::kNumeric, "numeric(30,5)", numeric_typmod(30, 5))),
      column("u", base_type(pg::oid::kUuid, "uuid")),
      column("b", base_type(pg::oid::kBool, "boolean")),
      column("l", array_of(base_type(pg::oid::kText, "text"), 1009)),
  };
  std::vector<std::string> input;
  for (int i = 0; i < 3000; ++i) {
    input.push_back(tuple({int4_value(i), std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                           std::nullopt, std::nullopt}));
  }
  auto path = write("all_null", table, input);
  EXPECT_EQ(rows(path,
                 "SELECT count(*), count(i), count(s), count(n), count(u), count(b), "
                 "count(l), sum(id) FROM t"),
            json::parse(R"([["3000", "0", "0", "0", "0", "0", "0", "4498500"]])"));
  auto result = wasm(path);
  EXPECT_EQ(result["rows"][2999], json::parse(R"([2999, null, null, null, null, null, null])"));
}

TEST_F(NodeReaders, AThousandColumns) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "wide";
  for (int c = 0; c < 1000; ++c) {
    table.columns.push_back(
        c % 2 == 0 ? column("c" + std::to_string(c), base_type(pg::oid::kInt4, "integer"))
                   : column("c" + std::to_string(c), base_type(pg::oid::kText, "text")));
  }
  std::vector<std::string> input;
  for (int r = 0; r < 50; ++r) {
    std::vector<std::optional<std::string>> fields;
    for (int c = 0; c < 1000; ++c) {
      fields.push_back(c % 2 == 0 ? int4_value(r * c)
                                  : "r" + std::to_string(r) + "c" + std::to_string(c));
    }
    input.push_back(tuple(fields));
  }
  auto path = write("wide", table, input);
  EXPECT_EQ(rows(path, "SELECT count(*), sum(c998), max(c999), min(c1) FROM t"),
            json::parse(R"([["50", "1222550", "r9c999", "r0c1"]])"));
  auto result = wasm(path);
  EXPECT_EQ(result["fields"].size(), 1000u);
  EXPECT_EQ(result["rows"][49][998], 49 * 998);
  EXPECT_EQ(result["rows"][49][999], "r49c999");
}

TEST_F(NodeReaders, AFiftyMegabyteValue) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "huge";
  table.columns = {column("id", base_type(pg::oid::kInt4, "integer")),
                   column("s", base_type(pg::oid::kText, "text"))};
  std::string huge(50u << 20, '\0');
  for (size_t i = 0; i < huge.size(); ++i)
    huge[i] = static_cast<char>('a' + (i * 7 + i / 4099) % 26);
  auto path = write("huge", table,
                    {tuple({int4_value(1), std::string("b")}), tuple({int4_value(2), huge}),
                     tuple({int4_value(3), std::nullopt})});
  EXPECT_EQ(rows(path, "SELECT id, length(s), md5(s) FROM t ORDER BY id"),
            json::parse("[[\"1\", \"1\", \"" + hex_encode(md5("b")) + "\"], [\"2\", \"" +
                        std::to_string(huge.size()) + "\", \"" + hex_encode(md5(huge)) +
                        "\"], [\"3\", null, null]]"));
  // The bounds were shortened for the long value: filters must still see every row.
  EXPECT_EQ(rows(path, "SELECT id FROM t WHERE s > 'aa' ORDER BY id"),
            json::parse(R"([["1"], ["2"]])"));
  EXPECT_EQ(rows(path, "SELECT id FROM t WHERE s = '" + huge.substr(0, 20) + "'"), json::array());
  auto result = wasm(path);
  EXPECT_EQ(result["rows"][1][1].get<std::string>().size(), huge.size());
  EXPECT_TRUE(result["rows"][1][1] == huge);
}

TEST_F(NodeReaders, FloatsComeBackBitForBit) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "floats";
  table.columns = {column("f4", base_type(pg::oid::kFloat4, "real")),
                   column("f8", base_type(pg::oid::kFloat8, "double precision"))};
  const float f_inf = std::numeric_limits<float>::infinity();
  const double d_inf = std::numeric_limits<double>::infinity();
  std::vector<std::pair<float, double>> values = {
      {-0.0f, -0.0},
      {f_inf, d_inf},
      {-f_inf, -d_inf},
      {std::numeric_limits<float>::denorm_min(), std::numeric_limits<double>::denorm_min()},
      {std::numeric_limits<float>::max(), std::numeric_limits<double>::max()},
      {0.1f, 0.30000000000000004},
  };
  std::vector<std::string> input;
  for (auto [f, d] : values) input.push_back(tuple({float4_value(f), float8_value(d)}));
  auto path = write("floats", table, input);
  // DuckDB prints the shortest text that round-trips, so equal text means equal bits.
  EXPECT_EQ(rows(path, "SELECT * FROM t"), json::parse(R"json([
      ["-0.0", "-0.0"], ["inf", "inf"], ["-inf", "-inf"], ["1e-45", "5e-324"],
      ["3.4028235e+38", "1.7976931348623157e+308"], ["0.1", "0.30000000000000004"]])json"));
  EXPECT_EQ(rows(path, "SELECT count(*) FROM t WHERE f8 > 1e308"), json::parse(R"([["2"]])"));
}

// A struct holding a number and a MAP<string,string>, and a LIST<string>, with NULL at every
// depth (the struct, its field, the map, a map value, the list, an element) and empty
// collections: DuckDB sees each exactly where it was written.
TEST_F(NodeReaders, DuckdbReadsNestedColumnsWithNullsAtEveryDepth) {
  using Value = NestedValue;
  FileWriterOptions options;
  options.codec = compress::BlockCodecKind::snappy;
  FileWriter writer(options);
  auto s = std::make_unique<NestedColumnWriter>(
      NestedField::group(
          "s", {NestedField::int64("a"),
                NestedField::map("m", NestedField::string("key"), NestedField::string("value"))}),
      writer.column_settings());
  auto l = std::make_unique<NestedColumnWriter>(
      NestedField::list("l", NestedField::string("element")), writer.column_settings());
  NestedColumnWriter* s_writer = s.get();
  NestedColumnWriter* l_writer = l.get();
  writer.add_column(std::move(s));
  writer.add_column(std::move(l));
  StringSink sink;
  writer.start(sink);
  const std::vector<std::pair<Value, Value>> input = {
      {Value(), Value()},
      {Value::group({Value(), Value()}), Value::list({})},
      {Value::group({Value::int64(5), Value::map({})}), Value::list({Value()})},
      {Value::group({Value::int64(-6), Value::map({{Value::string("k1"), Value::string("v1")},
                                                   {Value::string("k2"), Value()}})}),
       Value::list({Value::string("x"), Value::string("y")})},
  };
  for (const auto& [s_value, l_value] : input) {
    s_writer->write_value(s_value);
    l_writer->write_value(l_value);
    writer.end_row();
  }
  writer.finish();
  std::string path = (work_dir_ / "nested.parquet").string();
  std::ofstream(path, std::ios::binary) << sink.data;

  auto result = duckdb(path,
                       "SELECT s IS NULL, s.a, s.m IS NULL, map_keys(s.m), map_values(s.m), "
                       "l IS NULL, l FROM t");
  EXPECT_EQ(result["rows"], json::parse(R"json([
    ["true", null, "true", null, null, "true", null],
    ["false", null, "true", null, null, "false", "[]"],
    ["false", "5", "false", "[]", "[]", "false", "[NULL]"],
    ["false", "-6", "false", "[k1, k2]", "[v1, NULL]", "false", "[x, y]"]
  ])json"));
  auto types = duckdb(path)["types"];
  EXPECT_EQ(
      types,
      json::parse(R"json(["STRUCT(\"a\" BIGINT, \"m\" MAP(VARCHAR, VARCHAR))", "VARCHAR[]"])json"));
}

}  // namespace
}  // namespace pgexport::format::parquet
