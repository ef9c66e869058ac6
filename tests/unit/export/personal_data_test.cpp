#include "export/personal_data.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "format/hashed_columns.hpp"

namespace pgexport::exporter {
namespace {

std::string usage_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error was thrown";
  return "";
}

ColumnPattern pattern(std::string_view text) {
  return parse_column_pattern(text, "--hash-columns");
}

TEST(ColumnPattern, EachPartIsAGlobOverTheNameAsTheCatalogHoldsIt) {
  EXPECT_TRUE(pattern("*.*.email").matches("public", "users", "email"));
  EXPECT_TRUE(pattern("public.user?.e*").matches("public", "users", "email"));
  EXPECT_FALSE(pattern("public.user?.e*").matches("public", "user", "email"));
  EXPECT_FALSE(pattern("public.users.email").matches("public", "users", "Email"));
  EXPECT_FALSE(pattern("public.users.email").matches("audit", "users", "email"));
  EXPECT_TRUE(pattern("*.*.*").matches("s", "t", "c"));
}

TEST(ColumnPattern, AQuotedPartIsTakenLiterallyAndMayHoldDotsAndWildcards) {
  auto quoted = pattern("public.\"Weird.Name\".\"a*\"\"b\"");
  EXPECT_TRUE(quoted.matches("public", "Weird.Name", "a*\"b"));
  EXPECT_FALSE(quoted.matches("public", "Weird.Name", "aX\"b"));
  EXPECT_EQ(quoted.parts[1].text, "Weird.Name");
  EXPECT_TRUE(quoted.parts[1].literal);
  EXPECT_FALSE(quoted.parts[0].literal);
  EXPECT_EQ(quoted.text, "public.\"Weird.Name\".\"a*\"\"b\"");
}

TEST(ColumnPattern, AnythingButThreeNonEmptyPartsIsAUsageErrorNamingTheOption) {
  for (std::string_view bad : {"email", "users.email", "a.b.c.d", "a..c", ".b.c", "a.b.", "a.\"b.c",
                               "a.\"b\"x.c", "a.b\"x\".c", ""}) {
    std::string message = usage_message([&] { parse_column_pattern(bad, "--exclude-columns"); });
    EXPECT_NE(message.find("--exclude-columns"), std::string::npos) << message;
    EXPECT_NE(message.find("schema.table.column"), std::string::npos) << message;
  }
}

TEST(ColumnTreatment, ExcludeWinsOverHash) {
  PersonalDataRules rules{{pattern("public.users.ssn")},
                          {pattern("*.*.ssn"), pattern("*.*.email")}};
  EXPECT_EQ(column_treatment(rules, "public", "users", "ssn"), ColumnTreatment::exclude);
  EXPECT_EQ(column_treatment(rules, "public", "staff", "ssn"), ColumnTreatment::hash);
  EXPECT_EQ(column_treatment(rules, "public", "users", "email"), ColumnTreatment::hash);
  EXPECT_EQ(column_treatment(rules, "public", "users", "id"), ColumnTreatment::keep);
}

pg::Column column(std::string name, pg::Oid oid = pg::oid::kInt4, std::string type = "integer") {
  pg::Column column;
  column.name = std::move(name);
  column.type.oid = column.type.declared_oid = oid;
  column.type.name = column.type.base_name = std::move(type);
  return column;
}

pg::CatalogTable table(std::string name, std::vector<pg::Column> columns,
                       pg::TableKey key = {pg::TableKey::Kind::primary_key, {"id"}}) {
  pg::CatalogTable table;
  table.schema = {"public", std::move(name), std::move(columns)};
  table.key = std::move(key);
  return table;
}

std::vector<std::string> names(const pg::TableSchema& schema) {
  std::vector<std::string> names;
  for (const auto& column : schema.columns) names.push_back(column.name);
  return names;
}

TEST(ApplyPersonalData, DropsExcludedColumnsAndTurnsHashedOnesIntoText) {
  std::vector<pg::CatalogTable> tables = {
      table("users", {column("id"), column("ssn", pg::oid::kText, "text"),
                      column("email", pg::oid::kVarchar, "character varying(80)")}),
      table("orders", {column("id"), column("user_email", pg::oid::kText, "text")})};
  PersonalDataRules rules{{pattern("public.users.ssn")}, {pattern("*.*.*email")}};
  auto excluded = apply_personal_data(rules, tables, false);
  EXPECT_EQ(excluded, (std::vector<std::vector<std::string>>{{"ssn"}, {}}));
  EXPECT_EQ(names(tables[0].schema), (std::vector<std::string>{"id", "email"}));
  EXPECT_EQ(tables[0].schema.columns[1].type.name, "text");
  ASSERT_TRUE(tables[0].schema.columns[1].hashed_from);
  EXPECT_EQ(tables[0].schema.columns[1].hashed_from->name, "character varying(80)");
  EXPECT_FALSE(tables[0].schema.columns[0].hashed_from);
  EXPECT_EQ(format::hashed_column_positions(tables[1].schema), (std::vector<size_t>{1}));
}

TEST(ApplyPersonalData, APatternThatMatchesNoColumnIsAUsageError) {
  std::vector<pg::CatalogTable> tables = {table("users", {column("id"), column("email")})};
  PersonalDataRules rules{{}, {pattern("*.*.email"), pattern("public.users.e_mail")}};
  std::string message = usage_message([&] { apply_personal_data(rules, tables, false); });
  EXPECT_NE(message.find("--hash-columns pattern 'public.users.e_mail' matches no column"),
            std::string::npos)
      << message;
  EXPECT_EQ(tables[0].schema.columns[1].type.name, "integer") << "nothing applied";
}

TEST(ApplyPersonalData, ExcludingEveryColumnOfATableIsAUsageError) {
  std::vector<pg::CatalogTable> tables = {table("users", {column("id"), column("email")})};
  PersonalDataRules rules{{pattern("public.users.*")}, {}};
  std::string message = usage_message([&] { apply_personal_data(rules, tables, false); });
  EXPECT_NE(message.find("--exclude public.users"), std::string::npos) << message;
}

TEST(ApplyPersonalData, AnExcludedKeyColumnIsRefusedForChangeCaptureAndDropsTheKeyOtherwise) {
  PersonalDataRules rules{{pattern("public.users.id")}, {}};
  auto tables = std::vector<pg::CatalogTable>{table("users", {column("id"), column("email")})};
  std::string message = usage_message([&] { apply_personal_data(rules, tables, true); });
  EXPECT_NE(message.find("--hash-columns instead"), std::string::npos) << message;

  tables = {table("users", {column("id"), column("email")})};
  apply_personal_data(rules, tables, false);
  EXPECT_EQ(tables[0].key.kind, pg::TableKey::Kind::none);
  EXPECT_TRUE(tables[0].key.columns.empty());

  // A full-row key is every column: excluding any is refused for change capture.
  rules = {{pattern("public.users.email")}, {}};
  tables = {table("users", {column("id"), column("email")}, {pg::TableKey::Kind::full_row, {}})};
  usage_message([&] { apply_personal_data(rules, tables, true); });
  // Hashing a key column is fine: the hash is deterministic, so the key still matches.
  rules = {{}, {pattern("public.users.id")}};
  tables = {table("users", {column("id"), column("email")})};
  apply_personal_data(rules, tables, true);
  EXPECT_EQ(tables[0].key.columns, (std::vector<std::string>{"id"}));
}

TEST(PersonalDataSection, RecordsThePatternsAndAKeyCheckButNeverTheKey) {
  const std::string key = "the-key-is-long-enough-0123456789";
  PersonalDataRules rules{{pattern("public.users.ssn")}, {pattern("*.*.email")}};
  auto section = describe_personal_data(rules, key);
  EXPECT_EQ(section["exclude_columns"], nlohmann::ordered_json::array({"public.users.ssn"}));
  EXPECT_EQ(section["hash_columns"], nlohmann::ordered_json::array({"*.*.email"}));
  EXPECT_EQ(section["hash_method"], "hmac-sha256");
  EXPECT_EQ(section["hash_key_check"], hash_key_check(key));
  EXPECT_EQ(section.dump().find(key), std::string::npos);
  EXPECT_NE(hash_key_check(key), hash_key_check(key + "x"));

  auto recorded = parse_personal_data(nlohmann::json::parse(section.dump()));
  EXPECT_EQ(recorded.key_check, hash_key_check(key));
  ASSERT_EQ(recorded.rules.hash.size(), 1u);
  EXPECT_TRUE(recorded.rules.hash[0].matches("a", "b", "email"));
  ASSERT_EQ(recorded.rules.exclude.size(), 1u);
  EXPECT_EQ(recorded.rules.exclude[0].text, "public.users.ssn");

  // Excluding only: no method, no key check.
  section = describe_personal_data({{pattern("public.users.ssn")}, {}}, "");
  EXPECT_FALSE(section.contains("hash_key_check"));
  auto broken = nlohmann::json::parse(describe_personal_data(rules, key).dump());
  broken.erase("hash_key_check");
  usage_message([&] { parse_personal_data(broken); });
}

}  // namespace
}  // namespace pgexport::exporter
