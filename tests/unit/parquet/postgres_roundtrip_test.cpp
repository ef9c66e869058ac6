// The whole path against a real PostgreSQL: the table's catalog entry, ParquetFormat's COPY
// request, binary COPY rows from the server fed to the encoder, and the file read back by DuckDB
// and compared with PostgreSQL's own rendering of every value.
//
// Runs only when PGEXPORT_TEST_PG_CONNINFO (a libpq connection string for a database the test
// may create tables in) and PGEXPORT_NODE_DIR (see node_readers_test.cpp) are set.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "common/error.hpp"
#include "format/parquet/parquet_format.hpp"
#include "postgres_client.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- the test ------------------------------------------------------------------------------

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class PostgresRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
    const char* node_dir = std::getenv("PGEXPORT_NODE_DIR");
    if (conninfo == nullptr || node_dir == nullptr) {
      GTEST_FAIL() << "set PGEXPORT_TEST_PG_CONNINFO and PGEXPORT_NODE_DIR to run";
    }
    connection_.reset(PQconnectdb(conninfo));
    ASSERT_EQ(PQstatus(connection_.get()), CONNECTION_OK) << PQerrorMessage(connection_.get());
    // The session settings pgexport's row source uses, so text renderings are stable.
    query(connection_.get(),
          "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
          "SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; "
          "SET client_min_messages = warning");
    std::string pattern = (fs::temp_directory_path() / "pgexport-pg-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_dir_ = pattern;
    fs::create_directory_symlink(fs::path(node_dir) / "node_modules", work_dir_ / "node_modules");
    fs::copy_file(fs::path(PGEXPORT_SOURCE_DIR) / "tests/node/parquet/read_parquet.mjs",
                  work_dir_ / "read_parquet.mjs");
  }

  void TearDown() override {
    if (!work_dir_.empty() && std::getenv("PGEXPORT_KEEP_TEST_FILES") == nullptr) {
      fs::remove_all(work_dir_);
    }
  }

  // Exports `table` through ParquetFormat and returns the file's path.
  std::string export_table(const std::string& name, ParquetOptions options = {},
                           const std::string& schema = "public") {
    ParquetFormat format(options);
    pg::TableSchema table = table_of(connection_.get(), name, schema);
    CopySpec spec = format.copy_spec(table);
    std::string select;
    for (const auto& expression : spec.select_list) {
      select += (select.empty() ? "" : ", ") + expression;
    }
    auto tuples =
        copy_binary(connection_.get(), "COPY (SELECT " + select + " FROM " + table.qualified_sql() +
                                           " ORDER BY 1) TO STDOUT (FORMAT binary)");
    auto encoder = format.make_encoder(table);
    StringSink sink;
    encoder->start(sink);
    for (const auto& tuple : tuples) encoder->write_row(tuple);
    encoder->finish();
    std::string file_name;
    for (char ch : schema + "." + name)
      file_name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    std::string path = (work_dir_ / (file_name + ".parquet")).string();
    std::ofstream(path, std::ios::binary) << sink.data;
    return path;
  }

  json duckdb(const std::string& path, const std::string& sql) {
    std::string command = "cd " + shell_quote(work_dir_.string()) + " && node read_parquet.mjs " +
                          shell_quote(path) + " --no-schema --query " + shell_quote(sql);
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[65536];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << sql;
    return output.empty() ? json() : json::parse(output)["rows"];
  }

  Connection connection_;
  fs::path work_dir_;
};

// One column's comparison: an expression over the PostgreSQL table and one over DuckDB's view
// of the file that must render the same text, or `floating` to compare parsed values bitwise.
struct Check {
  std::string column;
  std::string postgres;
  std::string duckdb;
  bool floating = false;
};

std::string pg_epoch(const std::string& c, const std::string& unit_scale) {
  return "CASE WHEN isfinite(" + c + ") THEN (extract(epoch FROM " + c + ") * " + unit_scale +
         ")::bigint::text ELSE " + c + "::text END";
}

std::string pg_list(const std::string& c) {
  // Elements by subscript: unnest() would expand a composite element into its fields.
  return "CASE WHEN " + c + " IS NULL THEN NULL ELSE coalesce((SELECT string_agg(coalesce((" + c +
         ")[i]::text, '<null>'), '|' ORDER BY i) FROM generate_subscripts(" + c +
         ", 1) AS i), '') || '#' || coalesce(cardinality(" + c + "), 0) END";
}

std::string duck_list(const std::string& c) {
  return "CASE WHEN " + c + " IS NULL THEN NULL ELSE array_to_string(list_transform(" + c +
         ", x -> coalesce(x::VARCHAR, '<null>')), '|') || '#' || len(" + c + ") END";
}

bool same_float(const std::string& a, const std::string& b) {
  auto parse = [](std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text == "infinity") text = "inf";
    if (text == "-infinity") text = "-inf";
    return std::strtod(text.c_str(), nullptr);
  };
  double x = parse(a), y = parse(b);
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y);
}

TEST_F(PostgresRoundTrip, EveryTypeComesBackAsPostgresRendersIt) {
  PGconn* c = connection_.get();
  query(c, R"sql(
    DROP TABLE IF EXISTS rt; DROP TYPE IF EXISTS rt_mood; DROP TYPE IF EXISTS rt_pair;
    DROP DOMAIN IF EXISTS rt_posint; DROP DOMAIN IF EXISTS rt_amount;
    CREATE TYPE rt_mood AS ENUM ('sad', 'happy', 'ünïcode');
    CREATE TYPE rt_pair AS (a int, b text);
    CREATE DOMAIN rt_posint AS integer CHECK (VALUE > 0);
    CREATE DOMAIN rt_amount AS numeric(12,2);
    CREATE TABLE rt (
      id int PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint, o oid,
      f4 real, f8 double precision,
      n_small numeric(9,2), n_mid numeric(18,4), n_big numeric(38,10), n_any numeric,
      n_neg numeric(5,-2), n_wide numeric(3,5), n_huge numeric(60,10),
      u uuid, d date, t time, ts timestamp, tstz timestamptz, ts3 timestamp(3),
      bin bytea, tx text, vc varchar(10), bp char(5), nm name, ch "char",
      e rt_mood, j json, jb jsonb,
      iv interval, r int4range, mr int4multirange, ip inet, net cidr, mac macaddr, m money,
      bits bit(5), vbits varbit, x xml, tv tsvector, pt point, tz timetz, comp rt_pair,
      dom rt_posint, amount rt_amount,
      ints int[], texts text[], ranges int4range[], nums numeric(10,2)[], stamps timestamptz[],
      moods rt_mood[], uuids uuid[], jbs jsonb[], bools boolean[], dates date[], anynums numeric[],
      amounts rt_amount[]);
    INSERT INTO rt VALUES
    (1, true, 12345, 42, 9000000000, 123456, 1.5, 0.1,
     1234567.89, -12345678901234.5678, 1234567890123456789012345678.0123456789,
     3.141592653589793238462643383279502884197, 12345, 0.00123, 12345678901234567890123456789012345678901234567890.0123456789,
     '00112233-4455-6677-8899-aabbccddeeff', '2024-02-29', '12:34:56.789012',
     '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+05:30', '2024-02-29 12:34:56.789',
     '\x00ff10', 'héllo, wörld', 'short', 'ab', 'pg_class', 'x',
     'happy', '{"a": [1, 2.50, "x"]}', '{"a": [1, 2.50, "x"], "b": null}',
     '1 year 2 mons 3 days 04:05:06.789', '[1,5)', '{[1,3), [7,9)}', '192.168.0.1/24', '10.0.0.0/8',
     '08:00:2b:01:02:03', 12.34, B'10101', B'1101', '<a>ü</a>', 'a fat cat', '(1.5,-2)',
     '12:34:56+05:30', ROW(1, 'x,"y"'), 7, 1234567890.12,
     '{1,-2,3}', '{a,"",ü,"with,comma"}', '{"[1,5)",empty}', '{-1.50,99999999.99}',
     '{"2000-01-01 00:00:00+00",infinity}', '{sad,ünïcode}', '{00112233-4455-6677-8899-aabbccddeeff}',
     ARRAY['{"k": 1}'::jsonb, '[]'], '{t,f,NULL}', '{2024-02-29,infinity}', '{NaN,-1.5e-10,Infinity}',
     '{1.00,NULL}'),
    (2, false, -32768, -2147483648, -9223372036854775808, 4294967295, '-0', 'NaN',
     -9999999.99, 0.0001, -0.0000000001, 'NaN', -9999900, -0.00999, -1e-10,
     'ffffffff-ffff-ffff-ffff-ffffffffffff', '-infinity', '24:00:00', 'infinity', '-infinity',
     '4713-01-01 00:00:00 BC', '\x', '', '0123456789', '     ', '', E'\\200',
     'ünïcode', 'null', '[]', '-00:00:00.000001', 'empty', '{}', '::1', '::/0', '00:00:00:00:00:00',
     -92233720368547758.08, B'00000', B'', '', '', '(0,0)', '00:00:00-15:59', ROW(NULL, NULL), 1, -0.01,
     '{}', '{NULL}', '{}', '{}', '{-infinity}', '{}', '{}', '{}', '{}', '{}', '{0}', '{}'),
    (3, NULL, NULL, NULL, NULL, NULL, 'Infinity', '-Infinity', NULL, NULL, NULL, '-Infinity',
     NULL, NULL, NULL, NULL, '4714-11-24 BC', '00:00:00', '1999-12-31 23:59:59.999999',
     '1970-01-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, NULL, NULL, NULL, NULL, NULL, 3.4028235e38, 4.9e-324, NULL, NULL, NULL, '0', NULL, NULL,
     NULL, NULL, '5874897-12-31', NULL, '294246-12-31 23:59:59.999999', '4714-11-24 00:00:00+00 BC',
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL);
  )sql");
  auto path = export_table("rt");

  std::vector<Check> checks;
  for (const char* name :
       {"b",     "i2",     "i4", "i8", "o",  "n_small", "n_mid", "n_big", "n_any",
        "n_neg", "n_huge", "u",  "t",  "tx", "vc",      "nm",    "ch",    "e",
        "j",     "jb",     "iv", "r",  "mr", "ip",      "net",   "mac",   "m",
        "bits",  "vbits",  "x",  "tv", "pt", "tz",      "comp",  "dom",   "amount"}) {
    checks.push_back({name, std::string(name) + "::text", name});
  }
  // char(n)::text trims the padding; concat() uses the output function, as COPY does.
  checks.push_back({"bp", "CASE WHEN bp IS NOT NULL THEN concat(bp) END", "bp"});
  // DuckDB prints DECIMAL(5,5) without the leading zero.
  checks.push_back(
      {"n_wide", "n_wide::text", R"(regexp_replace(n_wide::VARCHAR, '^(-?)\.', '\10.'))"});
  checks.push_back({"f4", "f4::text", "f4", true});
  checks.push_back({"f8", "f8::text", "f8", true});
  checks.push_back(
      {"d", "CASE WHEN isfinite(d) THEN (d - DATE '1970-01-01')::text ELSE d::text END",
       "CASE WHEN isfinite(d) THEN (d - DATE '1970-01-01')::VARCHAR ELSE d::VARCHAR END"});
  for (const char* name : {"ts", "tstz", "ts3"}) {
    checks.push_back({name, pg_epoch(name, "1000000"),
                      std::string("CASE WHEN isfinite(") + name + ") THEN epoch_us(" + name +
                          ")::VARCHAR ELSE " + name + "::VARCHAR END"});
  }
  checks.push_back({"bin", "upper(encode(bin, 'hex'))", "hex(bin)"});
  for (const char* name : {"ints", "texts", "ranges", "nums", "stamps", "moods", "uuids", "jbs",
                           "bools", "dates", "anynums", "amounts"}) {
    checks.push_back({name, pg_list(name), duck_list(name)});
  }

  std::string pg_select, duck_select;
  for (const auto& check : checks) {
    pg_select += ", " + check.postgres;
    duck_select += ", " + check.duckdb;
  }
  Rows expected = query(c, "SELECT id::text" + pg_select + " FROM rt ORDER BY id");
  json actual = duckdb(path, "SELECT id" + duck_select + " FROM t ORDER BY id");
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    for (size_t k = 0; k < checks.size(); ++k) {
      const auto& want = expected[r][k + 1];
      const auto& got = actual[r][k + 1];
      std::string where = "row " + *expected[r][0] + ", column " + checks[k].column;
      if (!want) {
        EXPECT_TRUE(got.is_null()) << where << ": got " << got;
      } else if (got.is_null()) {
        ADD_FAILURE() << where << ": got NULL, want " << *want;
      } else if (checks[k].floating) {
        EXPECT_TRUE(same_float(*want, got.get<std::string>()))
            << where << ": got " << got << ", want " << *want;
      } else {
        EXPECT_EQ(got.get<std::string>(), *want) << where;
      }
    }
  }
}

TEST_F(PostgresRoundTrip, ValuesThatDecimalOrListCannotHoldAreDataErrors) {
  PGconn* c = connection_.get();
  query(c, R"sql(
    DROP TABLE IF EXISTS rt_nan; DROP TABLE IF EXISTS rt_matrix; DROP TABLE IF EXISTS rt_bounds;
    CREATE TABLE rt_nan (id int, amount numeric(10,2));
    INSERT INTO rt_nan VALUES (1, 1.5), (2, 'NaN');
    CREATE TABLE rt_matrix (id int, m int[]);
    INSERT INTO rt_matrix VALUES (1, '{1}'), (2, '{{1,2},{3,4}}');
    CREATE TABLE rt_bounds (id int, m int[]);
    INSERT INTO rt_bounds VALUES (1, '[0:1]={1,2}');
  )sql");
  auto message = [&](const std::string& table, ParquetOptions options = {}) -> std::string {
    try {
      export_table(table, options);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::data_error);
      return error.what();
    }
    return "";
  };
  EXPECT_NE(message("rt_nan").find("public.rt_nan, column amount (numeric(10,2)), row 2"),
            std::string::npos);
  EXPECT_NE(message("rt_matrix").find("2 dimension(s)"), std::string::npos);
  EXPECT_NE(message("rt_bounds").find("lower bound 0"), std::string::npos);

  // The switches keep those values, as PostgreSQL's text.
  ParquetOptions text;
  text.numeric_as_text = true;
  text.arrays_as_text = true;
  EXPECT_EQ(duckdb(export_table("rt_nan", text), "SELECT amount FROM t ORDER BY id"),
            json::parse(R"([["1.50"], ["NaN"]])"));
  EXPECT_EQ(duckdb(export_table("rt_matrix", text), "SELECT m FROM t ORDER BY id"),
            json::parse(R"([["{1}"], ["{{1,2},{3,4}}"]])"));
  EXPECT_EQ(duckdb(export_table("rt_bounds", text), "SELECT m FROM t"),
            json::parse(R"([["[0:1]={1,2}"]])"));
}

// --- the type zoo ---------------------------------------------------------------------------

// How to compare one value generically, from the column's Parquet description: expressions
// over `pg` (a PostgreSQL value) and `duck` (DuckDB's) that render the same text.
struct Rendering {
  std::string postgres;
  std::string duckdb;
  bool floating = false;       // compare as parsed floats, bit for bit
  bool floating_list = false;  // a list rendering whose elements are floats
};

Rendering render(const json& parquet, const std::string& postgres_type, const std::string& pg,
                 const std::string& duck) {
  const std::string type = parquet["type"];
  if (type == "float" || type == "double") return {pg + "::text", duck + "::VARCHAR", true};
  if (type == "date") {
    return {"CASE WHEN isfinite(" + pg + ") THEN (" + pg + " - DATE '1970-01-01')::text ELSE " +
                pg + "::text END",
            "CASE WHEN isfinite(" + duck + ") THEN (" + duck +
                " - DATE '1970-01-01')::VARCHAR "
                "ELSE " +
                duck + "::VARCHAR END"};
  }
  if (type == "timestamp" || type == "timestamptz") {
    return {pg_epoch(pg, "1000000"), "CASE WHEN isfinite(" + duck + ") THEN epoch_us(" + duck +
                                         ")::VARCHAR ELSE " + duck + "::VARCHAR END"};
  }
  if (type == "binary") return {"upper(encode(" + pg + ", 'hex'))", "hex(" + duck + ")"};
  if (type.starts_with("decimal(")) {
    // DuckDB prints DECIMAL(p,p) without the leading zero.
    return {pg + "::text", "regexp_replace(" + duck + "::VARCHAR, '^(-?)\\.', '\\10.')"};
  }
  if (postgres_type.starts_with("character(") || postgres_type == "character" ||
      postgres_type == "bpchar") {
    // char(n)::text trims the padding; concat() uses the output function, as COPY does.
    return {"CASE WHEN " + pg + " IS NOT NULL THEN concat(" + pg + ") END", duck + "::VARCHAR"};
  }
  if (type == "list") {
    std::string element_type = postgres_type.ends_with("[]")
                                   ? postgres_type.substr(0, postgres_type.size() - 2)
                                   : postgres_type;
    // Elements by subscript: unnest() would expand a composite element into its fields.
    Rendering element = render(parquet["element"], element_type, "(" + pg + ")[i]", "x");
    Rendering list;
    list.postgres = "CASE WHEN " + pg +
                    " IS NULL THEN NULL ELSE coalesce((SELECT string_agg("
                    "coalesce(" +
                    element.postgres +
                    ", '<null>'), '|' ORDER BY i) FROM "
                    "generate_subscripts(" +
                    pg + ", 1) AS i), '') || '#' || cardinality(" + pg + ") END";
    list.duckdb = "CASE WHEN " + duck + " IS NULL THEN NULL ELSE array_to_string(list_transform(" +
                  duck + ", x -> coalesce(" + element.duckdb + ", '<null>')), '|') || '#' || len(" +
                  duck + ") END";
    list.floating_list = element.floating;
    return list;
  }
  return {pg + "::text", duck + "::VARCHAR"};
}

bool same_float_list(const std::string& a, const std::string& b) {
  auto split = [](const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == '|' || text[i] == '#') {
        parts.push_back(text.substr(start, i - start));
        start = i + 1;
      }
    }
    return parts;
  };
  auto x = split(a), y = split(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    bool literal = i + 1 == x.size() || x[i] == "<null>" || x[i].empty();
    if (literal ? x[i] != y[i] : !same_float(x[i], y[i])) return false;
  }
  return true;
}

std::string quote_duckdb(const std::string& name) {
  return pg::quote_identifier(name);
}

TEST_F(PostgresRoundTrip, TheTypeZooComesBackAsPostgresRendersIt) {
  PGconn* c = connection_.get();
  // Load tests/sql/type_zoo.sql (it drops and recreates schema zoo), without psql's
  // meta-commands.
  std::ifstream file(fs::path(PGEXPORT_SOURCE_DIR) / "tests/sql/type_zoo.sql");
  ASSERT_TRUE(file) << "tests/sql/type_zoo.sql not found";
  std::string script, line;
  while (std::getline(file, line)) {
    if (!line.starts_with("\\")) script += line + "\n";
  }
  query(c, script);
  query(c, "SET TimeZone = 'UTC'");

  auto tables = query(c,
                      "SELECT relname FROM pg_class WHERE relnamespace = 'zoo'::regnamespace "
                      "AND relkind = 'r' ORDER BY relname");
  ASSERT_GE(tables.size(), 10u);
  size_t compared = 0;
  // Both reader profiles: portable (uuid and time as the server's text) and exact.
  for (const ParquetProfile profile : {ParquetProfile::portable, ParquetProfile::exact}) {
    for (const auto& row : tables) {
      const std::string name = *row[0];
      SCOPED_TRACE("zoo." + name + ", profile " + std::string(profile_name(profile)));
      ParquetOptions text_options;
      text_options.profile = profile;
      text_options.numeric_as_text = text_options.arrays_as_text = text_options.timestamps_as_text =
          true;
      ParquetOptions options;
      options.profile = profile;
      std::string path;
      try {
        path = export_table(name, options, "zoo");
      } catch (const Error& error) {
        // Values the typed mapping cannot hold stop the export, naming the table; the text
        // switches then keep them.
        EXPECT_EQ(error.kind(), ErrorKind::data_error);
        EXPECT_NE(std::string(error.what()).find("zoo." + name), std::string::npos) << error.what();
        std::printf("zoo.%s: %s\n", name.c_str(), error.what());
        options = text_options;
        path = export_table(name, options, "zoo");
      }
      ParquetFormat format(options);
      pg::TableSchema table = table_of(c, name, "zoo");
      std::string pg_select = "id::text", duck_select = "id";
      std::vector<Rendering> renderings;
      for (const auto& column : table.columns) {
        std::string quoted = pg::quote_identifier(column.name);
        renderings.push_back(render(format.describe_column(column), column.type.name, quoted,
                                    quote_duckdb(column.name)));
        pg_select += ", " + renderings.back().postgres;
        duck_select += ", " + renderings.back().duckdb;
      }
      // Qualified: a bare "id" would sort by the output column id::text ("10" before "2").
      Rows expected = query(c, "SELECT " + pg_select + " FROM " + table.qualified_sql() +
                                   " AS source ORDER BY source.id");
      json actual = duckdb(path, "SELECT " + duck_select + " FROM t ORDER BY id");
      ASSERT_EQ(actual.size(), expected.size());
      for (size_t r = 0; r < expected.size(); ++r) {
        for (size_t k = 0; k < renderings.size(); ++k) {
          const auto& want = expected[r][k + 1];
          const auto& got = actual[r][k + 1];
          std::string where = "row id " + *expected[r][0] + ", column " + table.columns[k].name;
          ++compared;
          if (!want) {
            EXPECT_TRUE(got.is_null()) << where << ": got " << got;
          } else if (got.is_null()) {
            ADD_FAILURE() << where << ": got NULL, want " << want->substr(0, 200);
          } else if (renderings[k].floating) {
            EXPECT_TRUE(same_float(*want, got.get<std::string>()))
                << where << ": got " << got << ", want " << *want;
          } else if (renderings[k].floating_list) {
            EXPECT_TRUE(same_float_list(*want, got.get<std::string>()))
                << where << ": got " << got << ", want " << *want;
          } else if (got.get<std::string>() != *want) {
            ADD_FAILURE() << where << ": got " << got.get<std::string>().substr(0, 300) << "\nwant "
                          << want->substr(0, 300);
          }
        }
      }
    }
  }
  std::printf("compared %zu values\n", compared);
}

}  // namespace
}  // namespace pgexport::format::parquet
