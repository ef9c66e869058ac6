// What every connection pgexport opens looks like on a real server: keepalives that the
// user's connection string can override, an empty search_path, the export session settings,
// and an application_name that says what the connection is for.
// Needs PGEXPORT_TEST_PG_CONNINFO (scripts/test.sh sets it); fails without it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "pg/connection.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::pg {
namespace {

std::string test_conninfo() {
  const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
  if (conninfo == nullptr) {
    ADD_FAILURE() << "PGEXPORT_TEST_PG_CONNINFO is not set (scripts/test.sh starts PostgreSQL "
                     "and sets it)";
    return "";
  }
  return conninfo;
}

// The options libpq used for the connection, by keyword.
std::map<std::string, std::string> used_options(const Connection& connection) {
  std::map<std::string, std::string> options;
  PQconninfoOption* all = PQconninfo(connection.native());
  for (PQconninfoOption* option = all; option != nullptr && option->keyword != nullptr; ++option) {
    if (option->val != nullptr) options[option->keyword] = option->val;
  }
  PQconninfoFree(all);
  return options;
}

std::string show(Connection& connection, const std::string& setting) {
  return connection.exec("SHOW " + setting).text(0, 0);
}

TEST(Connection, KeepalivesAreOnAndTheConnectionStringWins) {
  std::string conninfo = test_conninfo();
  if (conninfo.empty()) return;
  auto defaults = used_options(Connection::open(conninfo, "unit"));
  EXPECT_EQ(defaults["keepalives"], "1");
  EXPECT_EQ(defaults["keepalives_idle"], "30");
  EXPECT_EQ(defaults["keepalives_interval"], "10");
  EXPECT_EQ(defaults["keepalives_count"], "3");
  EXPECT_EQ(defaults["tcp_user_timeout"], "60000");

  auto overridden =
      used_options(Connection::open(conninfo + " keepalives_idle=7 keepalives_count=9", "unit"));
  EXPECT_EQ(overridden["keepalives_idle"], "7");
  EXPECT_EQ(overridden["keepalives_count"], "9");
  EXPECT_EQ(overridden["keepalives_interval"], "10");
}

TEST(Connection, ApplicationNameSaysVersionAndPurpose) {
  std::string conninfo = test_conninfo();
  if (conninfo.empty()) return;
  // Even when the connection string names another application.
  auto connection = Connection::open(conninfo + " application_name=other", "worker 3");
  EXPECT_EQ(show(connection, "application_name"),
            std::string("pgexport ") + PGEXPORT_VERSION + " worker 3");
}

TEST(Connection, SearchPathIsEmptyWhateverTheRoleSets) {
  std::string conninfo = test_conninfo();
  if (conninfo.empty()) return;
  auto connection = Connection::open(conninfo + " options='-c search_path=public'", "unit");
  EXPECT_EQ(show(connection, "search_path"), "");
}

TEST(Connection, ExportSessionSettingsHardenTheSession) {
  std::string conninfo = test_conninfo();
  if (conninfo.empty()) return;
  auto connection = Connection::open(
      conninfo + " options='-c statement_timeout=5s -c idle_in_transaction_session_timeout=5s'",
      "unit");
  apply_export_session_settings(connection);
  EXPECT_EQ(show(connection, "row_security"), "off");
  EXPECT_EQ(show(connection, "statement_timeout"), "0");
  EXPECT_EQ(show(connection, "idle_in_transaction_session_timeout"), "0");
  if (connection.server_version() >= 140000) {
    EXPECT_EQ(show(connection, "idle_session_timeout"), "0");
  }
}

}  // namespace
}  // namespace pgexport::pg
