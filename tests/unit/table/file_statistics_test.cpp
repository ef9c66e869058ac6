// The per-file statistics Delta's add actions carry, taken from the Parquet writer's column
// chunk statistics: bounds merged over row groups, null counts summed, and no bounds where an
// engine would read them differently.
#include "format/parquet/file_statistics.hpp"

#include <gtest/gtest.h>

#include "../parquet/test_support.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::format::parquet {
namespace {

using namespace pqtest;

TEST(FileStatistics, BoundsAndNullCountsOverEveryRowGroup) {
  using namespace pg::oid;
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = {column("id", base_type(kInt8, "bigint")),
                   column("name", base_type(kText, "text")),
                   column("day", base_type(kDate, "date")),
                   column("ratio", base_type(kFloat8, "double precision"))};
  ParquetOptions options;
  options.row_group_rows = 2;  // three row groups, so bounds must be merged across them
  ParquetEncoder encoder(table, options);
  StringSink sink;
  encoder.start(sink);
  // date_send counts days from 2000-01-01: 8766 is 2024-01-01.
  encoder.write_row(tuple({int8_value(7), std::string("m"), int4_value(8766), float8_value(1)}));
  encoder.write_row(tuple({int8_value(-3), std::nullopt, int4_value(8800), float8_value(2)}));
  encoder.write_row(tuple({int8_value(40), std::string("b"), std::nullopt, float8_value(3)}));
  encoder.write_row(tuple({std::nullopt, std::string("z"), int4_value(8700), std::nullopt}));
  encoder.write_row(tuple({int8_value(5), std::nullopt, int4_value(8766), float8_value(4)}));
  encoder.finish();
  ASSERT_EQ(encoder.row_groups_written(), 3u);

  auto statistics = encoder.file_statistics();
  ASSERT_EQ(statistics.size(), 4u);
  EXPECT_EQ(statistics[0].column, "id");
  EXPECT_EQ(statistics[0].min, -3);
  EXPECT_EQ(statistics[0].max, 40);
  EXPECT_EQ(statistics[0].null_count, 1u);
  EXPECT_EQ(statistics[1].min, "b");
  EXPECT_EQ(statistics[1].max, "z");
  EXPECT_EQ(statistics[1].null_count, 2u);
  EXPECT_EQ(statistics[2].min, "2023-10-27");
  EXPECT_EQ(statistics[2].max, "2024-02-04");
  EXPECT_EQ(statistics[2].null_count, 1u);
  EXPECT_TRUE(statistics[3].min.is_null());  // floats: NaN makes bounds engine-specific
  EXPECT_EQ(statistics[3].null_count, 1u);
}

TEST(FileStatistics, LongOrNonAsciiTextHasNoBounds) {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = {column("name", base_type(pg::oid::kText, "text"))};
  ParquetEncoder encoder(table, ParquetOptions{});
  StringSink sink;
  encoder.start(sink);
  encoder.write_row(tuple({std::string(kMaxStatisticsString + 1, 'a')}));
  encoder.write_row(tuple({std::string("b")}));
  encoder.finish();
  EXPECT_TRUE(encoder.file_statistics()[0].max.is_null());

  encoder.start(sink);
  encoder.write_row(tuple({std::string("caf\xc3\xa9")}));
  encoder.finish();
  EXPECT_TRUE(encoder.file_statistics()[0].min.is_null());
  EXPECT_EQ(encoder.file_statistics()[0].null_count, 0u);
}

}  // namespace
}  // namespace pgexport::format::parquet
