#include "cdc/change_projection.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "export/personal_data.hpp"
#include "format/hashed_columns.hpp"

namespace pgexport::cdc {
namespace {

const std::string kKey = "change-projection-key-0123456789";

pg::Column column(std::string name, pg::Oid oid, std::string type) {
  pg::Column column;
  column.name = std::move(name);
  column.type.oid = column.type.declared_oid = oid;
  column.type.name = column.type.base_name = std::move(type);
  return column;
}

pg::TableSchema users() {
  return {"public",
          "users",
          {column("id", pg::oid::kInt4, "integer"), column("ssn", pg::oid::kText, "text"),
           column("email", pg::oid::kText, "text"), column("active", pg::oid::kBool, "boolean")}};
}

exporter::PersonalDataRules rules() {
  return {{exporter::parse_column_pattern("public.users.ssn", "--exclude-columns")},
          {exporter::parse_column_pattern("public.users.email", "--hash-columns"),
           exporter::parse_column_pattern("public.users.active", "--hash-columns")}};
}

std::vector<std::string> texts(std::span<const pg::ColumnValue> values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    out.push_back(value.kind == pg::ColumnValue::Kind::text   ? std::string(value.bytes)
                  : value.kind == pg::ColumnValue::Kind::null ? "NULL"
                                                              : "UNCHANGED");
  }
  return out;
}

TEST(ChangeProjection, DropsExcludedColumnsAndHashesAsTheFullExportDoes) {
  ChangeProjection projection(rules(), users(), kKey);
  ASSERT_EQ(projection.schema().columns.size(), 3u);
  EXPECT_EQ(projection.schema().columns[1].name, "email");
  EXPECT_EQ(projection.schema().columns[1].type.name, "text");
  EXPECT_EQ(projection.project_positions({0, 1, 2}), (std::vector<size_t>{0, 1}));

  const std::vector<pg::ColumnValue> row = {
      pg::ColumnValue::text("7"), pg::ColumnValue::text("123-45-6789"),
      pg::ColumnValue::text("bob@example.com"), pg::ColumnValue::text("t")};
  Change change{ChangeOp::insert, 1, row, nullptr};
  Change projected = projection.project(change);
  // A bool is hashed as its cast to text says it ("true"), as the full export selects it.
  EXPECT_EQ(texts(projected.values),
            (std::vector<std::string>{"7", format::hash_text(kKey, "bob@example.com"),
                                      format::hash_text(kKey, "true")}));
  EXPECT_EQ(projection.stored_text(2, "f"), format::hash_text(kKey, "false"));
  EXPECT_EQ(projection.stored_text(0, "5"), "5");
}

TEST(ChangeProjection, AnUpdatesOldKeyIsHashedTooSoItFindsTheHashedRow) {
  auto hashed_key = rules();
  hashed_key.hash.push_back(exporter::parse_column_pattern("public.users.id", "--hash-columns"));
  ChangeProjection projection(hashed_key, users(), kKey);
  pg::replication::OldTuple old{pg::replication::OldTuple::Kind::key,
                                {pg::ColumnValue::text("7"), pg::ColumnValue::null(),
                                 pg::ColumnValue::null(), pg::ColumnValue::null()}};
  const std::vector<pg::ColumnValue> row = {pg::ColumnValue::text("8"), pg::ColumnValue::text("x"),
                                            pg::ColumnValue::unchanged(), pg::ColumnValue::null()};
  Change projected = projection.project(Change{ChangeOp::update, 2, row, &old});
  EXPECT_EQ(texts(projected.values),
            (std::vector<std::string>{format::hash_text(kKey, "8"), "UNCHANGED", "NULL"}));
  ASSERT_NE(projected.old_tuple, nullptr);
  EXPECT_EQ(texts(projected.old_tuple->values),
            (std::vector<std::string>{format::hash_text(kKey, "7"), "NULL", "NULL"}));
}

TEST(ChangeProjection, WithoutRulesTheChangePassesAsItIs) {
  ChangeProjection projection({}, users(), "");
  const std::vector<pg::ColumnValue> row = {pg::ColumnValue::text("1")};
  Change projected = projection.project(Change{ChangeOp::insert, 1, row, nullptr});
  EXPECT_EQ(projected.values.data(), row.data());
}

TEST(CheckHashKey, RefusesAMissingOrDifferentKeyWhenTheBaseRunHashes) {
  BaseRun base;
  base.run_id = "20261201T000000Z";
  EXPECT_NO_THROW(check_hash_key(base, ""));
  base.personal_data.rules = rules();
  base.personal_data.key_check = exporter::hash_key_check(kKey);
  EXPECT_NO_THROW(check_hash_key(base, kKey));
  for (const std::string& key : {std::string(), kKey + "x"}) {
    try {
      check_hash_key(base, key);
      ADD_FAILURE() << "accepted a wrong key";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage);
      EXPECT_EQ(std::string(error.what()).find(kKey), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace pgexport::cdc
