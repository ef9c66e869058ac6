// The text-to-binary conversion against PostgreSQL itself: for every table of the type zoo
// (tests/sql/type_zoo.sql), each value's text as the type's output function prints it (what
// logical replication sends) is converted, and the row must be byte for byte the tuple that
// COPY (SELECT <ParquetFormat's select list>) TO STDOUT (FORMAT binary) sends for it, under the
// default mapping and under every text switch.
//
// Then the way back: the same texts, encoded into Parquet files (small row groups and pages,
// every codec) and read back with ParquetTextReader, must be the texts again, byte for byte.
//
// Needs PGEXPORT_TEST_PG_CONNINFO (a libpq connection string for a database where the test may
// create a schema); fails without it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/byte_sink.hpp"
#include "common/error.hpp"
#include "format/parquet/file_reader.hpp"
#include "format/parquet/footer_reader.hpp"
#include "format/parquet/parquet_format.hpp"
#include "format/parquet/pg_binary.hpp"
#include "format/parquet/text_to_binary.hpp"
#include "postgres_client.hpp"

namespace pgexport::format::parquet {
namespace {

namespace fs = std::filesystem;

// Its own schema, so it never races the round-trip test that loads the zoo as "zoo".
constexpr const char* kSchema = "zoo_text_to_binary";

std::string hex(std::string_view bytes, size_t limit = 80) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

class TextToBinaryPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
    ASSERT_NE(conninfo, nullptr) << "set PGEXPORT_TEST_PG_CONNINFO to run";
    connection_.reset(PQconnectdb(conninfo));
    ASSERT_EQ(PQstatus(connection_.get()), CONNECTION_OK) << PQerrorMessage(connection_.get());
    // The export session's settings: the texts logical replication sends under them.
    query(connection_.get(),
          "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
          "SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; "
          "SET bytea_output = 'hex'; SET client_min_messages = warning");
  }

  void TearDown() override {
    if (connection_)
      query(connection_.get(), std::string("DROP SCHEMA IF EXISTS ") + kSchema + " CASCADE");
  }

  void load_zoo() {
    std::ifstream file(fs::path(PGEXPORT_SOURCE_DIR) / "tests/sql/type_zoo.sql");
    ASSERT_TRUE(file) << "tests/sql/type_zoo.sql not found";
    std::string script, line;
    while (std::getline(file, line)) {
      if (!line.starts_with("\\")) script += line + "\n";
    }
    script = std::regex_replace(script, std::regex("\\bzoo\\b"), kSchema);
    query(connection_.get(), script);
    query(connection_.get(), "SET TimeZone = 'UTC'");
  }

  // Compares the converted rows of `table` with the server's binary tuples; returns how many
  // values were compared.
  size_t compare_table(const std::string& name, const MappingOptions& mapping) {
    PGconn* c = connection_.get();
    ParquetOptions options;
    options.numeric_as_text = mapping.numeric_as_text;
    options.arrays_as_text = mapping.arrays_as_text;
    options.timestamps_as_text = mapping.timestamps_as_text;
    ParquetFormat format(options);
    const pg::TableSchema table = table_of(c, name, kSchema);
    const CopySpec spec = format.copy_spec(table);
    std::string select, plain;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      select += (i ? ", " : "") + spec.select_list[i];
      plain += (i ? ", " : "") + pg::quote_identifier(table.columns[i].name);
    }
    const std::string order = " FROM " + table.qualified_sql() + " ORDER BY 1";
    const auto tuples =
        copy_binary(c, "COPY (SELECT " + select + order + ") TO STDOUT (FORMAT binary)");
    const Rows texts = query(c, "SELECT " + plain + order);
    EXPECT_EQ(tuples.size(), texts.size());
    auto writer = format.make_text_row_writer(table);
    size_t compared = 0;
    for (size_t r = 0; r < texts.size() && r < tuples.size(); ++r) {
      std::vector<std::optional<std::string_view>> values;
      for (const auto& value : texts[r]) {
        values.push_back(value ? std::optional<std::string_view>(*value) : std::nullopt);
      }
      std::string row;
      try {
        row = writer->build(values);
      } catch (const Error& error) {
        ADD_FAILURE() << name << " row " << r + 1 << ": " << error.what();
        for (size_t k = 0; k < values.size(); ++k) {
          std::string out;
          try {
            TextToBinary(table.columns[k], mapping).append(values[k].value_or(""), out);
          } catch (const Error&) {
            ADD_FAILURE() << "  column " << table.columns[k].name << " text "
                          << texts[r][k].value_or("NULL").substr(0, 200);
          }
        }
        continue;
      }
      compared += values.size();
      if (row == tuples[r]) continue;
      // Say which fields differ.
      pg_binary::TupleReader want(tuples[r], table.columns.size());
      pg_binary::TupleReader got(row, table.columns.size());
      for (size_t k = 0; k < table.columns.size(); ++k) {
        auto w = want.next();
        auto g = got.next();
        if (w != g) {
          ADD_FAILURE() << name << " row " << r + 1 << ", column " << table.columns[k].name << " ("
                        << table.columns[k].type.name << "), text "
                        << (texts[r][k] ? texts[r][k]->substr(0, 120) : "NULL") << "\n  server "
                        << (w ? hex(*w) : "NULL") << "\n  ours   " << (g ? hex(*g) : "NULL");
        }
      }
    }
    return compared;
  }

  std::unique_ptr<PGconn, ConnectionDeleter> connection_;
};

TEST_F(TextToBinaryPostgres, EveryZooValueConvertsToTheServersBinaryCopyField) {
  load_zoo();
  if (HasFatalFailure()) return;
  const Rows tables =
      query(connection_.get(), std::string("SELECT relname FROM pg_class WHERE "
                                           "relnamespace = '") +
                                   kSchema + "'::regnamespace AND relkind = 'r' ORDER BY 1");
  ASSERT_GE(tables.size(), 10u);
  const MappingOptions typed;  // the portable profile
  MappingOptions exact;
  exact.profile = ParquetProfile::exact;
  MappingOptions text;
  text.numeric_as_text = text.arrays_as_text = text.timestamps_as_text = true;
  size_t compared = 0;
  for (const auto& row : tables) {
    SCOPED_TRACE(*row[0]);
    compared += compare_table(*row[0], typed);
    compared += compare_table(*row[0], exact);
    compared += compare_table(*row[0], text);
  }
  EXPECT_GT(compared, 5000u);
  std::printf("compared %zu values\n", compared);
}

// Encodes `texts` (rows of `table`) into one Parquet file and reads it back as texts.
Rows parquet_round_trip(const pg::TableSchema& table, const Rows& texts, ParquetOptions options) {
  ParquetFormat format(options);
  auto writer = format.make_text_row_writer(table);
  auto encoder = format.make_encoder(table);
  StringSink file;
  encoder->start(file);
  for (const auto& row : texts) {
    std::vector<std::optional<std::string_view>> values;
    for (const auto& value : row) {
      values.push_back(value ? std::optional<std::string_view>(*value) : std::nullopt);
    }
    encoder->write_row(writer->build(values));
  }
  encoder->finish();
  const uint32_t length = footer_length(file.data);
  ParquetTextReader reader(
      std::string_view(file.data).substr(file.data.size() - kFooterTrailerBytes - length, length));
  EXPECT_EQ(reader.column_names().size(), table.columns.size());
  Rows back;
  RowGroupStream stream(
      reader, [&](ParquetTextReader::Row row) { back.emplace_back(row.begin(), row.end()); });
  // In pieces, as storage hands a file over.
  for (size_t at = 0; at < file.data.size(); at += 7777) {
    stream.write(std::string_view(file.data).substr(at, 7777));
  }
  stream.finish();
  return back;
}

// What the files must read back as: each value's text, except that inet values (and inet
// elements of LIST columns) are text(inet)'s, which the full export writes (docs/types.md).
Rows expected_texts(PGconn* connection, const pg::TableSchema& table, const ParquetOptions& options,
                    const std::string& where = "") {
  const CopySpec spec = ParquetFormat(options).copy_spec(table);
  std::string select;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const pg::TypeDesc& type = table.columns[i].type;
    const bool inet =
        type.oid == pg::oid::kInet || (type.element && type.element->oid == pg::oid::kInet &&
                                       spec.select_list[i].ends_with("::pg_catalog.text[]"));
    select += (i ? ", " : "") +
              (inet ? spec.select_list[i] : pg::quote_identifier(table.columns[i].name));
  }
  return query(connection,
               "SELECT " + select + " FROM " + table.qualified_sql() + " " + where + " ORDER BY 1");
}

TEST_F(TextToBinaryPostgres, TextToParquetToTextIsIdentityForTheZoo) {
  load_zoo();
  if (HasFatalFailure()) return;
  PGconn* c = connection_.get();
  const Rows tables = query(c, std::string("SELECT relname FROM pg_class WHERE relnamespace = '") +
                                   kSchema + "'::regnamespace AND relkind = 'r' ORDER BY 1");
  const Compression codecs[] = {Compression::zstd, Compression::snappy, Compression::gzip,
                                Compression::none};
  size_t compared = 0, files = 0;
  for (const auto& row : tables) {
    const std::string name = *row[0];
    SCOPED_TRACE(name);
    const pg::TableSchema table = table_of(c, name, kSchema);
    std::string plain;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      plain += (i ? ", " : "") + pg::quote_identifier(table.columns[i].name);
    }
    const Rows texts =
        query(c, "SELECT " + plain + " FROM " + table.qualified_sql() + " ORDER BY 1");
    for (bool as_text : {false, true}) {
      ParquetOptions options;
      options.numeric_as_text = options.arrays_as_text = options.timestamps_as_text = as_text;
      options.compression = codecs[files % 4];
      options.row_group_rows = 3;  // several row groups, and pages
      options.page_bytes = 512;    // that close mid row group
      Rows back;
      try {
        back = parquet_round_trip(table, texts, options);
      } catch (const Error& error) {
        // The typed mapping refuses 2-D arrays, NaN in numeric(p,s), timestamps after 294247, as
        // the full export does; the text switches keep them.
        EXPECT_FALSE(as_text) << error.what();
        EXPECT_EQ(error.kind(), ErrorKind::data_error) << error.what();
        continue;
      }
      ++files;
      const Rows want = expected_texts(c, table, options);
      ASSERT_EQ(back.size(), want.size());
      for (size_t r = 0; r < want.size(); ++r) {
        for (size_t k = 0; k < table.columns.size(); ++k) {
          ++compared;
          if (back[r][k] != want[r][k]) {
            ADD_FAILURE() << name << " row " << r + 1 << ", column " << table.columns[k].name
                          << " (" << table.columns[k].type.name << ")"
                          << (as_text ? " as text" : "") << "\n  want "
                          << want[r][k].value_or("NULL").substr(0, 200) << "\n  read "
                          << back[r][k].value_or("NULL").substr(0, 200);
          }
        }
      }
    }
  }
  EXPECT_GT(files, 20u);
  EXPECT_GT(compared, 5000u);
  std::printf("%zu files, %zu values read back\n", files, compared);
}

TEST_F(TextToBinaryPostgres, ValuesBeyondTheZoo) {
  PGconn* c = connection_.get();
  query(c, std::string("DROP SCHEMA IF EXISTS ") + kSchema + " CASCADE; CREATE SCHEMA " + kSchema);
  // Floats at every decimal exponent PostgreSQL switches notation at, numerics at digit-group
  // boundaries, BC and far-future times, inet with and without netmasks, int2vector, box[].
  query(c, std::string("SET search_path = ") + kSchema + R"sql(;
    CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
    CREATE TABLE extra (id serial PRIMARY KEY, f8 float8, f4 float4, n numeric, n2 numeric(20,4),
      n3 numeric(7,-2), d date, t time, ts timestamp, tz timestamptz, ip inet, ips inet[],
      net cidr, v int2vector, boxes box[], doms positive[], b bytea, u uuid, o oid);
    INSERT INTO extra (f8, f4, n, n2, n3, d, t, ts, tz, ip, ips, net, v, boxes, doms, b, u, o)
    SELECT 1.5 * 10.0::float8 ^ e, (1.5 * 10.0::float8 ^ e)::float4,
      (10::numeric ^ (e + 20)) / 7, round(10::numeric ^ (e % 16) / 3, 4), 123456700,
      DATE '2000-01-01' + e * 4000, TIME '00:00:00.000001' + e * INTERVAL '17 min 3.3 s',
      TIMESTAMP '2000-01-01' + e * INTERVAL '101 days 1.000123 s',
      TIMESTAMPTZ '2000-01-01 00:00:00+00' - e * INTERVAL '37 years 3 hours',
      ('192.168.1.' || (e + 100) || CASE WHEN e % 2 = 0 THEN '/24' ELSE '' END)::inet,
      ARRAY['::1'::inet, '10.0.0.1/8', 'fe80::1/64'], ('10.' || (e + 100) || '.0.0/16')::cidr,
      '1 2 3'::int2vector, '{(1,2),(0,0);(3,4),(1,1)}', ARRAY[1, e + 100]::positive[],
      decode(md5(e::text), 'hex'), md5(e::text)::uuid, (e + 100)::oid
    FROM generate_series(-30, 30) e;
    INSERT INTO extra (f8, f4, n, n2, d, ts, tz) VALUES
      ('-0', '-0', '0.000', '-0.0001', '4714-11-24 BC', '4713-01-01 00:00:00 BC',
       '294276-12-31 23:59:59.999999+00'),
      ('4.9e-324', '1.4e-45', '-1e-1000', '9999999999999999.9999', '5874897-12-31',
       '294276-12-31 23:59:59.999999', '4714-11-24 00:00:00+00 BC'),
      ('1e15', '1e6', '1e1000', '-0.5', 'infinity', 'infinity', '-infinity'),
      ('1e14', '999999', 'NaN', '0', '-infinity', '-infinity', 'infinity'),
      ('1e23', '16777217', '1', '1', NULL, NULL, NULL), ('9007199254740993', '3e38', '2', '2', NULL,
       NULL, NULL), ('5e-324', '1e-45', '3', '3', NULL, NULL, NULL);
    RESET search_path;
  )sql");
  const MappingOptions typed;
  MappingOptions exact;
  exact.profile = ParquetProfile::exact;
  MappingOptions text;
  text.numeric_as_text = text.arrays_as_text = text.timestamps_as_text = true;
  EXPECT_GT(compare_table("extra", typed), 1000u);
  EXPECT_GT(compare_table("extra", exact), 1000u);
  EXPECT_GT(compare_table("extra", text), 1000u);
  const pg::TableSchema table = table_of(c, "extra", kSchema);
  std::string plain;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    plain += (i ? ", " : "") + pg::quote_identifier(table.columns[i].name);
  }
  // int2vector has lower bound 0, which a LIST cannot keep: arrays as text. The two timestamps
  // in 294276 AD need timestamps as text.
  const std::string typed_rows =
      "WHERE ts IS DISTINCT FROM '294276-12-31 23:59:59.999999' AND "
      "tz IS DISTINCT FROM '294276-12-31 23:59:59.999999+00'";
  ParquetOptions typed_but_arrays;
  typed_but_arrays.arrays_as_text = true;
  ParquetOptions all_text;
  all_text.arrays_as_text = all_text.numeric_as_text = all_text.timestamps_as_text = true;
  for (const auto& [options, where] :
       {std::pair{typed_but_arrays, typed_rows}, std::pair{all_text, std::string()}}) {
    const Rows texts = query(
        c, "SELECT " + plain + " FROM " + table.qualified_sql() + " " + where + " ORDER BY 1");
    EXPECT_GE(texts.size(), 66u);
    EXPECT_EQ(parquet_round_trip(table, texts, options), expected_texts(c, table, options, where));
  }
}

TEST(TextToBinary, RefusesTextsTheTypeDoesNotPrint) {
  auto column = [](pg::Oid oid, std::string name) {
    pg::Column column;
    column.name = "c";
    column.type.oid = column.type.declared_oid = oid;
    column.type.name = column.type.base_name = std::move(name);
    return column;
  };
  const std::pair<pg::Column, std::vector<std::string>> cases[] = {
      {column(pg::oid::kBool, "boolean"), {"true", "yes", ""}},
      {column(pg::oid::kInt4, "integer"), {"2147483648", "+1", "1.0", " 1", ""}},
      {column(pg::oid::kFloat8, "double precision"), {"0.10", "1e20", "nan", "inf", "1E+20"}},
      {column(pg::oid::kNumeric, "numeric"), {"01", "1.", ".5", "-0", "1e5", "nan"}},
      {column(pg::oid::kDate, "date"), {"2024-02-30", "24-01-01", "0000-01-01", "2024-1-1"}},
      {column(pg::oid::kTime, "time without time zone"), {"24:00:01", "1:00:00", "12:00:00.50"}},
      {column(pg::oid::kTimestamptz, "timestamp with time zone"),
       {"2024-01-01 00:00:00", "2024-01-01T00:00:00+00", "2024-01-01 00:00:00+0"}},
      {column(pg::oid::kUuid, "uuid"), {"0011223344556677-8899-aabbccddeeff", "{00}"}},
      {column(pg::oid::kBytea, "bytea"), {"\\x0", "\\xzz", "\\000"}},
  };
  // The typed rules (time and uuid are typed under the exact profile only).
  const MappingOptions exact{.profile = ParquetProfile::exact};
  for (const auto& [c, texts] : cases) {
    const TextToBinary converter(c, exact);
    for (const std::string& text : texts) {
      std::string out;
      try {
        converter.append(text, out);
        ADD_FAILURE() << c.type.name << " accepted '" << text << "'";
      } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::data_error) << text;
        EXPECT_EQ(std::string(error.what()).find(text.empty() ? "\x01" : text), std::string::npos)
            << "the message quotes the value: " << error.what();
      }
    }
  }
}

}  // namespace
}  // namespace pgexport::format::parquet
