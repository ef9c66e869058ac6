#include "cdc/change_format.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::cdc {
namespace {

BaseRun base_of(std::string format, std::string compression) {
  BaseRun base;
  base.run_id = "base";
  base.manifest_key = "runs/base/_manifest.json";
  base.format = std::move(format);
  base.compression = std::move(compression);
  return base;
}

pg::Column numeric_column(std::string name) {
  pg::Column column;
  column.name = std::move(name);
  column.type.oid = column.type.declared_oid = pg::oid::kNumeric;
  column.type.name = column.type.base_name = "numeric(12,2)";
  column.type.typmod = ((12 << 16) | 2) + 4;
  return column;
}

ErrorKind kind_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.kind();
  }
  return ErrorKind::internal;  // stands for "no error"
}

TEST(ChangeFormat, ParquetFollowsTheBaseRunsTypeRulesAndPageCodec) {
  BaseRun base = base_of("parquet", "snappy");
  base.format_options = {
      {"numeric_as_text", true}, {"arrays_as_text", false}, {"timestamps_as_text", true}};
  auto format = make_change_format(base, {});
  EXPECT_EQ(format->extension(), "parquet");
  // The manifest names no profile (written before profiles): the exact profile's rules.
  nlohmann::json expected = base.format_options;
  expected["profile"] = "exact";
  EXPECT_EQ(format->describe_options(), expected);
  EXPECT_EQ(change_stream_codec(base), compress::StreamCodec::none);
  // numeric_as_text: a numeric(12,2) is exact text, not DECIMAL.
  EXPECT_EQ(format->describe_column(numeric_column("n"))["type"], "string");

  // A manifest from before format_options: the default rules.
  auto plain = make_change_format(base_of("parquet", "zstd"), {});
  EXPECT_EQ(plain->describe_column(numeric_column("n"))["type"], "decimal(12,2)");
}

TEST(ChangeFormat, WhatChangeFilesCannotBeWrittenInIsAUsageError) {
  BaseRun bad_options = base_of("parquet", "zstd");
  bad_options.format_options = {{"numeric_as_text", "yes"}};
  EXPECT_EQ(kind_of([&] { make_change_format(bad_options, {}); }), ErrorKind::usage);
  EXPECT_EQ(kind_of([&] { make_change_format(base_of("parquet", "lz4"), {}); }), ErrorKind::usage);
  EXPECT_EQ(kind_of([&] { make_change_format(base_of("avro", "none"), {}); }), ErrorKind::usage);
  EXPECT_EQ(kind_of([&] { change_stream_codec(base_of("csv", "snappy")); }), ErrorKind::usage);
  EXPECT_EQ(change_stream_codec(base_of("csv", "gzip")), compress::StreamCodec::gzip);
  EXPECT_EQ(make_change_format(base_of("jsonl", "none"), {})->extension(), "jsonl");
}

TEST(ChangeFormat, ColumnsMustBeWrittenAsTheBaseRunWroteThem) {
  BaseRun base = base_of("parquet", "zstd");
  BaseTable table;
  table.schema = "public";
  table.name = "orders";
  table.columns = {{"amount", "numeric(12,2)"}, {"other", "numeric(12,2)"}};
  format::parquet::ParquetOptions text;
  text.numeric_as_text = true;
  // The base wrote amount as exact text; its manifest has no description of `other`.
  table.column_outputs = {
      format::parquet::ParquetFormat(text).describe_column(numeric_column("amount")), nullptr};
  pg::TableSchema relation{"public", "orders", {numeric_column("amount"), numeric_column("other")}};

  auto typed = make_change_format(base, {});
  try {
    check_change_columns(base, table, relation, *typed);
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("table public.orders, column amount"),
              std::string::npos)
        << error.what();
  }
  base.format_options = format::parquet::ParquetFormat(text).describe_options();
  EXPECT_NO_THROW(check_change_columns(base, table, relation, *make_change_format(base, {})));
  // A column whose type changed since the base is a new column: nothing to compare.
  relation.columns[0].type.name = "numeric(14,2)";
  EXPECT_NO_THROW(check_change_columns(base, table, relation, *typed));
}

TEST(ChangeFormat, AColumnThatFellBackInTheBaseRunIsTextInChangeFiles) {
  BaseRun base = base_of("parquet", "zstd");
  format::parquet::ParquetOptions options;
  base.format_options = format::parquet::ParquetFormat(options).describe_options();
  auto format = make_change_format(base, {});
  BaseTable table;
  table.schema = "public";
  table.name = "orders";
  table.columns = {{"amount", "numeric(12,2)"}, {"other", "numeric(12,2)"}};
  // The base run met a NaN in amount, and wrote that column (only) as text.
  pg::Column fell_back = numeric_column("amount");
  fell_back.text_fallback = "value 'NaN' has no decimal(12,2) form";
  table.column_outputs = {format->describe_column(fell_back),
                          format->describe_column(numeric_column("other"))};
  pg::TableSchema relation{"public", "orders", {numeric_column("amount"), numeric_column("other")}};
  // As the stream describes the table, amount is typed, which the base files are not.
  EXPECT_THROW(check_change_columns(base, table, relation, *format), Error);
  apply_base_fallbacks(table, relation);
  EXPECT_EQ(relation.columns[0].text_fallback, "value 'NaN' has no decimal(12,2) form");
  EXPECT_EQ(relation.columns[1].text_fallback, "");
  EXPECT_NO_THROW(check_change_columns(base, table, relation, *format));
  EXPECT_EQ(format->copy_spec(relation).select_list[0], "\"amount\"::pg_catalog.text");
  EXPECT_EQ(format->describe_column(relation.columns[1])["type"], "decimal(12,2)");
}

pg::Column uuid_column() {
  pg::Column column;
  column.name = "id";
  column.type.oid = column.type.declared_oid = pg::oid::kUuid;
  column.type.name = column.type.base_name = "uuid";
  return column;
}

// Change files take the base run's reader profile from its manifest; a manifest from before
// profiles existed was written with what is now the exact profile.
TEST(ChangeFormat, ParquetFollowsTheBaseRunsProfile) {
  auto logical_type_of_uuid = [](const BaseRun& base) {
    return make_change_format(base, {})
        ->describe_column(uuid_column())
        .at("parquet_logical_type")
        .get<std::string>();
  };
  BaseRun base = base_of("parquet", "zstd");
  format::parquet::ParquetOptions options;
  base.format_options = format::parquet::ParquetFormat(options).describe_options();
  ASSERT_EQ(base.format_options.at("profile"), "portable");
  EXPECT_EQ(logical_type_of_uuid(base), "STRING");
  options.profile = format::parquet::ParquetProfile::exact;
  base.format_options = format::parquet::ParquetFormat(options).describe_options();
  EXPECT_EQ(logical_type_of_uuid(base), "UUID");
  base.format_options.erase("profile");  // written before profiles
  EXPECT_EQ(logical_type_of_uuid(base), "UUID");
  base.format_options = nullptr;  // written before format_options
  EXPECT_EQ(logical_type_of_uuid(base), "UUID");
  base.format_options = format::parquet::ParquetFormat().describe_options();
  base.format_options["profile"] = "spark";
  EXPECT_EQ(kind_of([&] { make_change_format(base, {}); }), ErrorKind::usage);
}

}  // namespace
}  // namespace pgexport::cdc
