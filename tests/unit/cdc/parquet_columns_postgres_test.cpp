// Materialize rebuilds a Parquet run's columns from their format_type() names (it has no
// database). Against PostgreSQL: for every column of the type zoo (tests/sql/type_zoo.sql), as
// the catalog describes it, the column rebuilt from its base type's name and its manifest
// description must be described (so planned, so encoded) exactly as the original, under the
// default mapping and under each text switch.
//
// Needs PGEXPORT_TEST_PG_CONNINFO; fails without it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "cdc/parquet_columns.hpp"
#include "format/parquet/parquet_format.hpp"
#include "pg/catalog.hpp"
#include "pg/connection.hpp"

namespace pgexport::cdc {
namespace {

constexpr const char* kSchema = "zoo_parquet_columns";

TEST(ParquetColumnsPostgres, EveryZooColumnIsRebuiltFromItsNameAsTheExportPlansIt) {
  const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
  ASSERT_NE(conninfo, nullptr) << "set PGEXPORT_TEST_PG_CONNINFO to run";
  auto connection = pg::Connection::open(conninfo, "parquet columns test");
  std::ifstream file(std::filesystem::path(PGEXPORT_SOURCE_DIR) / "tests/sql/type_zoo.sql");
  ASSERT_TRUE(file) << "tests/sql/type_zoo.sql not found";
  std::string script, line;
  while (std::getline(file, line)) {
    if (!line.starts_with("\\")) script += line + "\n";
  }
  connection.exec("SET client_min_messages = warning");
  connection.exec(std::regex_replace(script, std::regex("\\bzoo\\b"), kSchema));

  pg::TypeCatalog types(connection);
  pg::Result columns = connection.exec(fmt::format(
      "SELECT c.relname, a.attname, a.atttypid, a.atttypmod FROM pg_catalog.pg_attribute a "
      "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = '{}'::regnamespace "
      "AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, a.attnum",
      kSchema));
  ASSERT_GT(columns.rows(), 100);
  std::vector<format::parquet::ParquetOptions> options(4);
  options[1].numeric_as_text = true;
  options[2].arrays_as_text = true;
  options[3].timestamps_as_text = true;
  size_t checked = 0;
  for (int row = 0; row < columns.rows(); ++row) {
    pg::Column original;
    original.name = columns.text(row, 1);
    original.type = types.describe(static_cast<pg::Oid>(std::stoul(columns.text(row, 2))),
                                   static_cast<int32_t>(std::stol(columns.text(row, 3))));
    for (const auto& option : options) {
      const format::parquet::ParquetFormat format(option);
      const nlohmann::json described = format.describe_column(original);
      pg::Column rebuilt = original;
      rebuilt.type = parquet_column_type(original.type.base_name, described);
      EXPECT_EQ(format.describe_column(rebuilt), described)
          << columns.text(row, 0) << "." << original.name << " (" << original.type.name << ", "
          << original.type.base_name << ")";
      ++checked;
    }
  }
  connection.exec(fmt::format("DROP SCHEMA {} CASCADE", kSchema));
  EXPECT_GT(checked, 400u);
}

}  // namespace
}  // namespace pgexport::cdc
