// How pgexport reads libpq's report on a failed connection: the cause, and the line it shows.
// The messages are libpq 15's and PostgreSQL 15/16's wording.
#include <gtest/gtest.h>

#include "pg/connection_failure.hpp"

namespace pgexport::pg {
namespace {

TEST(ConnectionFailureLine, TlsFailureOnTheSecondAddressIsNotHiddenByARefusedFirstOne) {
  const std::string message =
      "connection to server at \"localhost\" (::1), port 5432 failed: Connection refused\n"
      "\tIs the server running on that host and accepting TCP/IP connections?\n"
      "connection to server at \"localhost\" (127.0.0.1), port 5432 failed: SSL error: "
      "certificate verify failed\n";
  EXPECT_EQ(connection_failure_line(message),
            "connection to server at \"localhost\" (127.0.0.1), port 5432 failed: SSL error: "
            "certificate verify failed");
}

TEST(ConnectionFailureLine, LoginFailureOnALaterHostIsShown) {
  const std::string message =
      "connection to server at \"a\" (10.0.0.1), port 5432 failed: timeout expired\n"
      "connection to server at \"b\" (10.0.0.2), port 5432 failed: FATAL:  password "
      "authentication failed for user \"app\"\n";
  EXPECT_EQ(connection_failure_line(message),
            "connection to server at \"b\" (10.0.0.2), port 5432 failed: FATAL:  password "
            "authentication failed for user \"app\"");
}

TEST(ConnectionFailureLine, WithoutAKnownCauseTheFirstAttemptIsShownWithoutItsHint) {
  const std::string message =
      "connection to server at \"localhost\" (::1), port 5999 failed: Connection refused\n"
      "\tIs the server running on that host and accepting TCP/IP connections?\n"
      "connection to server at \"localhost\" (127.0.0.1), port 5999 failed: Connection "
      "refused\n"
      "\tIs the server running on that host and accepting TCP/IP connections?\n";
  EXPECT_EQ(connection_failure_line(message),
            "connection to server at \"localhost\" (::1), port 5999 failed: Connection refused");
}

TEST(ConnectionFailureLine, ASingleLineIsKeptAsItIs) {
  EXPECT_EQ(connection_failure_line("invalid connection option \"bogus\"\n"),
            "invalid connection option \"bogus\"");
  EXPECT_EQ(connection_failure_line(""), "");
}

TEST(ConnectionFailureCauses, EachCauseIsRecognisedAndNotTakenForAnother) {
  const std::string missing_database =
      "connection to server at \"db\" (10.0.0.1), port 5432 failed: FATAL:  database "
      "\"sales\" does not exist";
  EXPECT_TRUE(is_missing_database(missing_database));
  EXPECT_FALSE(is_authentication_failure(missing_database));

  const std::string missing_role =
      "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: FATAL:  role \"app\" "
      "does not exist";
  EXPECT_TRUE(is_authentication_failure(missing_role));
  EXPECT_FALSE(is_missing_database(missing_role));

  EXPECT_TRUE(is_tls_failure(
      "connection to server at \"db\" (10.0.0.1), port 5432 failed: server certificate for "
      "\"other\" does not match host name \"db\""));
  EXPECT_TRUE(is_tls_failure(
      "connection to server at \"db\" (10.0.0.1), port 5432 failed: root certificate file "
      "\"/home/app/.postgresql/root.crt\" does not exist"));
  EXPECT_FALSE(is_tls_failure(
      "connection to server at \"db\" (10.0.0.1), port 5432 failed: Connection refused"));

  EXPECT_TRUE(is_missing_replication_privilege("FATAL:  permission denied to start WAL sender"));
  EXPECT_TRUE(is_missing_replication_privilege(
      "FATAL:  must be superuser or replication role to start walsender"));
  EXPECT_FALSE(is_missing_replication_privilege(missing_role));
}

}  // namespace
}  // namespace pgexport::pg
