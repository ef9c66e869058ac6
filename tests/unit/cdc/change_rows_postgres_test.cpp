// The strongest check of the change rows: PostgreSQL itself loads them. A table is created
// from change_table_schema(), the CSV change file goes in with COPY FROM (FORMAT csv, HEADER),
// the text rows with COPY FROM (FORMAT text) and Parquet's binary rows (each value in its
// type's send form) with COPY FROM (FORMAT binary), and every value the server then holds is
// compared with what the change carried.
//
// Needs PGEXPORT_TEST_PG_CONNINFO: a libpq connection string for a database where this test
// may create a schema (scripts/test.sh sets it). Without it the test fails.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "change_fixture.hpp"
#include "common/byte_sink.hpp"
#include "common/error.hpp"
#include "format/csv/csv_format.hpp"
#include "format/parquet/parquet_format.hpp"
#include "pg/connection.hpp"

namespace pgexport::cdc {
namespace {

using fixture::Field;
using fixture::Fields;

class ChangeRowsPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
    ASSERT_NE(conninfo, nullptr)
        << "PGEXPORT_TEST_PG_CONNINFO is not set: set it to a libpq connection string for a "
           "database where this test may create a schema (scripts/test.sh sets it)";
    connection_.emplace(pg::Connection::open(conninfo, "change rows test"));
    // The session settings of pgexport's own connections, so text output compares exactly.
    connection_->exec(
        "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_min_messages = warning");
    std::random_device random;
    schema_ = fmt::format("pgexport_change_rows_{}_{:08x}", getpid(), random());
    connection_->exec(fmt::format("CREATE SCHEMA {}", schema_));
  }

  void TearDown() override {
    if (!connection_) return;
    try {
      connection_->exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", schema_));
    } catch (const Error& error) {
      ADD_FAILURE() << "cleanup failed: " << error.what();
    }
  }

  // CREATE TABLE for a change table, every column with the type the schema records.
  void create_table(const std::string& name, const pg::TableSchema& table) {
    std::string columns;
    for (const pg::Column& column : table.columns) {
      if (!columns.empty()) columns += ", ";
      columns += pg::quote_identifier(column.name) + " " + column.type.name;
      if (column.not_null) columns += " NOT NULL";
    }
    connection_->exec(fmt::format("CREATE TABLE {}.{} ({})", schema_, name, columns));
  }

  // COPY ... FROM STDIN with `options`, sending `data` as it is.
  void copy_in(const std::string& name, const std::string& options, std::string_view data) {
    PGconn* conn = connection_->native();
    pg::Result start(
        PQexec(conn, fmt::format("COPY {}.{} FROM STDIN ({})", schema_, name, options).c_str()));
    ASSERT_EQ(PQresultStatus(start.native()), PGRES_COPY_IN) << PQerrorMessage(conn);
    ASSERT_EQ(PQputCopyData(conn, data.data(), static_cast<int>(data.size())), 1);
    ASSERT_EQ(PQputCopyEnd(conn, nullptr), 1);
    while (PGresult* raw = PQgetResult(conn)) {
      pg::Result result(raw);
      EXPECT_EQ(PQresultStatus(raw), PGRES_COMMAND_OK) << PQerrorMessage(conn);
    }
  }

  // Every row of a loaded table as the server prints each value, in _seq order.
  std::vector<Fields> rows_of(const std::string& name, const pg::TableSchema& table) {
    std::string select;
    for (const pg::Column& column : table.columns) {
      if (!select.empty()) select += ", ";
      select += pg::quote_identifier(column.name) + "::text";
    }
    pg::Result result =
        connection_->exec(fmt::format("SELECT {} FROM {}.{} ORDER BY _seq", select, schema_, name));
    std::vector<Fields> rows;
    for (int row = 0; row < result.rows(); ++row) {
      Fields fields;
      for (int column = 0; column < static_cast<int>(table.columns.size()); ++column) {
        fields.push_back(result.is_null(row, column) ? Field() : Field(result.text(row, column)));
      }
      rows.push_back(std::move(fields));
    }
    return rows;
  }

  // Compares one loaded row with the change's expected fields: jsonb as JSON values (the
  // server normalises their text), everything else byte for byte.
  static void expect_row(const Fields& loaded, const Fields& expected,
                         const pg::TableSchema& table) {
    ASSERT_EQ(loaded.size(), expected.size());
    for (size_t i = 0; i < loaded.size(); ++i) {
      SCOPED_TRACE(table.columns[i].name);
      if (table.columns[i].type.oid == pg::oid::kJsonb && loaded[i] && expected[i]) {
        EXPECT_EQ(nlohmann::json::parse(*loaded[i]), nlohmann::json::parse(*expected[i]));
      } else {
        EXPECT_EQ(loaded[i], expected[i]);
      }
    }
  }

  std::optional<pg::Connection> connection_;
  std::string schema_;
};

TEST_F(ChangeRowsPostgres, CopyLoadsCsvTextAndBinaryChangeRowsIntoTheChangeTable) {
  const auto cases = fixture::cases();
  const pg::TableSchema change_table = change_table_schema(fixture::orders());
  create_table("from_csv", change_table);
  create_table("from_text", change_table);
  create_table("from_binary", change_table);

  format::CsvFormat csv;
  auto encoder = csv.make_encoder(change_table);
  StringSink file;
  encoder->start(file);
  for (const std::string& row : fixture::build_rows(cases, format::WireFormat::csv)) {
    encoder->write_row(row);
  }
  encoder->finish();
  copy_in("from_csv", "FORMAT csv, HEADER", file.data);

  std::string text_rows;
  for (const std::string& row : fixture::build_rows(cases, format::WireFormat::text)) {
    text_rows += row;
  }
  copy_in("from_text", "FORMAT text", text_rows);

  // COPY BINARY: the signature, flags and header extension length, the tuples, the trailer.
  std::string binary("PGCOPY\n\377\r\n\0", 11);
  binary.append(8, '\0');
  for (const std::string& row : fixture::build_rows(cases, format::parquet::ParquetFormat())) {
    binary += row;
  }
  binary += "\xff\xff";
  copy_in("from_binary", "FORMAT binary", binary);

  for (const std::string table : {"from_csv", "from_text", "from_binary"}) {
    SCOPED_TRACE(table);
    const std::vector<Fields> loaded = rows_of(table, change_table);
    ASSERT_EQ(loaded.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      SCOPED_TRACE(cases[i].name);
      expect_row(loaded[i], cases[i].expected, change_table);
    }
    // The server reads _unchanged as the array of names and _old_key as the JSON object.
    pg::Result unchanged = connection_->exec(fmt::format(
        "SELECT array_length(_unchanged, 1), _unchanged[1], _unchanged[2], _unchanged[3] "
        "FROM {}.{} WHERE _seq = 2",
        schema_, table));
    EXPECT_EQ(unchanged.text(0, 0), "3");
    EXPECT_EQ(unchanged.text(0, 1), "big");
    EXPECT_EQ(unchanged.text(0, 2), "a\"b");
    EXPECT_EQ(unchanged.text(0, 3), "c,d");
    pg::Result old_key = connection_->exec(fmt::format(
        "SELECT _old_key->>'id', _old_key->>'note', _old_key ? 'a\"b', _old_key->>'a\"b' IS NULL, "
        "_commit_time = '2026-12-01 10:00:59.81234+00'::timestamptz, _xid "
        "FROM {}.{} WHERE _seq IN (3, 6) ORDER BY _seq",
        schema_, table));
    ASSERT_EQ(old_key.rows(), 2);
    EXPECT_EQ(old_key.text(0, 0), "1");
    EXPECT_TRUE(old_key.is_null(0, 1));  // a key change lists only the key
    EXPECT_EQ(old_key.text(1, 0), "3");
    EXPECT_EQ(old_key.text(1, 1), fixture::kTricky);
    EXPECT_EQ(old_key.text(1, 2), "t");  // a NULL old value is a JSON null, not left out
    EXPECT_EQ(old_key.text(1, 3), "t");
    EXPECT_EQ(old_key.text(1, 4), "t");
    EXPECT_EQ(old_key.text(1, 5), "4000000000");
  }
}

}  // namespace
}  // namespace pgexport::cdc
