// Pure decisions behind the export's database session: supported versions, how a refused
// statement is reported, which relations a role cannot read completely, and whether the
// catalog changed between the table list and the snapshot.
#include <gtest/gtest.h>

#include "../common/error_of.hpp"
#include "common/error.hpp"
#include "pg/catalog.hpp"
#include "pg/connection.hpp"
#include "pg/locked_snapshot.hpp"
#include "pg/server_version.hpp"

namespace pgexport::pg {
namespace {

using test_support::error_of;

TEST(ServerVersion, OlderThan12IsAUsageError) {
  Error error = error_of([] { check_supported_server(110022); });
  EXPECT_EQ(error.kind(), ErrorKind::usage);
  EXPECT_STREQ(error.what(), "PostgreSQL 11 is not supported; pgexport supports 12 to 17");
  EXPECT_STREQ(error_of([] { check_supported_server(90624); }).what(),
               "PostgreSQL 9.6 is not supported; pgexport supports 12 to 17");
}

TEST(ServerVersion, TwelveToSeventeenAreAccepted) {
  for (int version : {120000, 130016, 140013, 150008, 160004, 170002}) {
    EXPECT_NO_THROW(check_supported_server(version)) << version;
  }
  // Newer than tested is read like 17 (with a warning), not refused.
  EXPECT_NO_THROW(check_supported_server(180001));
  EXPECT_NO_THROW(warn_if_newer_than_tested(180001));
}

TEST(ServerVersion, FeaturesFollowTheMajorVersion) {
  EXPECT_EQ(major_version(160004), 16);
  EXPECT_FALSE(supports_tid_range_scans(130016));
  EXPECT_TRUE(supports_tid_range_scans(140000));
  EXPECT_FALSE(has_idle_session_timeout(139999));
  EXPECT_TRUE(has_idle_session_timeout(140000));
}

TEST(FailStatement, RowSecurityIsInsufficientPrivilegeWithTheFix) {
  Error error = error_of([] {
    fail_statement("COPY", "worker 0", "42501",
                   "ERROR:  query would be affected by row-level security policy for table "
                   "\"secrets\"\nHINT: ...");
  });
  EXPECT_EQ(error.kind(), ErrorKind::insufficient_privilege);
  EXPECT_EQ(error.exit_code(), 15);
  std::string message = error.what();
  EXPECT_NE(message.find("\"secrets\""), std::string::npos) << message;
  EXPECT_NE(message.find("BYPASSRLS"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

TEST(FailStatement, PermissionDeniedAsksForTheGrant) {
  Error error = error_of(
      [] { fail_statement("COPY", "worker 1", "42501", "ERROR:  permission denied for table t"); });
  EXPECT_EQ(error.kind(), ErrorKind::insufficient_privilege);
  EXPECT_NE(std::string(error.what()).find("grant the role SELECT"), std::string::npos);
}

TEST(FailStatement, OtherFailuresAreDatabaseErrors) {
  Error error = error_of(
      [] { fail_statement("query", "coordinator", "57014", "ERROR:  canceling statement"); });
  EXPECT_EQ(error.kind(), ErrorKind::database_error);
  EXPECT_STREQ(error.what(),
               "query failed on the coordinator connection: ERROR:  canceling statement");
}

TEST(AccessProblems, NoneWhenEveryRelationIsReadable) {
  EXPECT_FALSE(describe_access_problems({{"public.a", "", true, false}}, "exporter"));
}

TEST(AccessProblems, NamesHiddenRowsAndMissingPrivilegesSeparately) {
  auto message = describe_access_problems({{"public.a", "", true, false},
                                           {"public.secrets", "", true, true},
                                           {"sales.m_2024", "sales.m", true, true},
                                           {"public.locked", "", false, false}},
                                          "exporter");
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("row-level security would hide rows of public.secrets, sales.m_2024 "
                          "(partition of sales.m) from role exporter (export as the table's "
                          "owner or a role with BYPASSRLS, or --exclude it)"),
            std::string::npos)
      << *message;
  EXPECT_NE(message->find("role exporter may not read public.locked"), std::string::npos)
      << *message;
  EXPECT_EQ(message->find("public.a"), std::string::npos) << *message;
}

TEST(AccessProblems, LongListsAreCounted) {
  std::vector<RelationAccess> access;
  for (int i = 0; i < 25; ++i) access.push_back({"public.t" + std::to_string(i), "", true, true});
  auto message = describe_access_problems(access, "exporter");
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("public.t9 and 15 more"), std::string::npos) << *message;
}

CatalogTable table(Oid oid, std::string schema, std::string name,
                   std::vector<std::pair<Oid, std::string>> partitions = {}) {
  CatalogTable result;
  result.oid = oid;
  result.schema.schema = std::move(schema);
  result.schema.name = std::move(name);
  if (partitions.empty()) {
    result.relations.push_back(
        {result.schema.qualified_sql(), result.schema.display_name(), 0, 0, oid});
  }
  for (auto& [leaf, display] : partitions) {
    result.partitioned = true;
    result.relations.push_back({"", display, 0, 0, leaf});
  }
  return result;
}

TEST(CatalogChange, SameTablesAndPartitionsAreNoChange) {
  std::vector<CatalogTable> locked = {table(10, "public", "a"),
                                      table(20, "public", "m", {{21, "public.m1"}})};
  EXPECT_FALSE(describe_catalog_change(locked, locked));
}

TEST(CatalogChange, AppearedVanishedAndRenamedAreNamed) {
  std::vector<CatalogTable> locked = {table(10, "public", "a"), table(11, "public", "b"),
                                      table(20, "public", "m", {{21, "public.m1"}})};
  std::vector<CatalogTable> in_snapshot = {
      table(10, "public", "a2"), table(12, "public", "c"),
      table(20, "public", "m", {{21, "public.m1"}, {22, "public.m2"}})};
  auto change = describe_catalog_change(locked, in_snapshot);
  ASSERT_TRUE(change);
  EXPECT_NE(change->find("public.a was renamed to public.a2"), std::string::npos) << *change;
  EXPECT_NE(change->find("public.c appeared"), std::string::npos) << *change;
  EXPECT_NE(change->find("public.m2 appeared"), std::string::npos) << *change;
  EXPECT_NE(change->find("public.b vanished"), std::string::npos) << *change;
}

TEST(CatalogChange, SameNameWithAnotherOidIsAChange) {
  // Dropped and created again between the list and the lock: LOCK by name locks the new one.
  auto change = describe_catalog_change({table(10, "public", "a")}, {table(99, "public", "a")});
  ASSERT_TRUE(change);
  EXPECT_NE(change->find("public.a appeared"), std::string::npos) << *change;
  EXPECT_NE(change->find("public.a vanished"), std::string::npos) << *change;
}

}  // namespace
}  // namespace pgexport::pg
