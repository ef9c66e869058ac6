// What the replication session and slot administration tests share: the server they need,
// names no other test process uses, and removal of every slot, publication and schema they
// made.
//
// Needs PGEXPORT_TEST_PG_CONNINFO: a libpq connection string for a database on a server with
// wal_level=logical where the role may create schemas, publications and replication slots
// and open replication sessions (scripts/test.sh sets it; scripts/pg-local.sh starts such a
// server). Without it the tests fail: replication code never run against a server proves
// little.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "../common/error_of.hpp"
#include "common/error.hpp"
#include "pg/connection.hpp"

namespace pgexport::pg::replication {

class ReplicationFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
    ASSERT_NE(conninfo, nullptr)
        << "PGEXPORT_TEST_PG_CONNINFO is not set: set it to a libpq connection string for a "
           "database on a server with wal_level=logical where this test may create slots "
           "(scripts/test.sh sets it; scripts/pg-local.sh starts such a server)";
    conninfo_ = conninfo;
    admin_.emplace(Connection::open(conninfo_, "replication test"));
    exec("SET client_min_messages = warning");  // no NOTICEs from the cleanup on stderr
    // Each commit is written and flushed before the next statement (pg-local.sh turns
    // synchronous_commit off): a stream sends only flushed WAL, and pg_current_wal_lsn() is
    // the written position.
    exec("SET synchronous_commit = on");
    ASSERT_EQ(exec("SHOW wal_level").text(0, 0), "logical");
    // Unique names: other test processes may use the same database at the same time.
    std::random_device random;
    name_ = fmt::format("pgexport_repl_{}_{:08x}", getpid(), random());
    exec(fmt::format("CREATE SCHEMA {}", name_));
  }

  void TearDown() override {
    if (!admin_) return;
    try {
      // A replication session that has just closed releases its slot when its server
      // process exits, a moment later: wait for that (bounded), then drop.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (std::chrono::steady_clock::now() < deadline &&
             exec(fmt::format("SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE "
                              "slot_name LIKE '{}%' AND active",
                              name_))
                     .integer(0, 0) > 0) {
        exec("SELECT pg_catalog.pg_sleep(0.05)");  // poll interval, not an ordering
      }
      exec(
          fmt::format("SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM "
                      "pg_catalog.pg_replication_slots WHERE slot_name LIKE '{}%'",
                      name_));
      for (const std::string& publication : publications_) {
        exec(fmt::format("DROP PUBLICATION IF EXISTS \"{}\"", publication));
      }
      exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", name_));
    } catch (const Error& error) {
      ADD_FAILURE() << "cleanup failed: " << error.what();
    }
    EXPECT_EQ(exec(fmt::format("SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE "
                               "slot_name LIKE '{}%'",
                               name_))
                  .integer(0, 0),
              0);
  }

  Result exec(const std::string& sql) { return admin_->exec(sql); }

  // A pgoutput slot made with SQL, for the tests that need no exported snapshot. Create the
  // publications it will stream first: pgoutput looks them up as of the WAL it decodes, and
  // a change (any session's, in this database) decoded from before a publication existed
  // ends the stream with "publication ... does not exist".
  void create_slot(const std::string& slot) {
    exec(fmt::format("SELECT pg_catalog.pg_create_logical_replication_slot('{}', 'pgoutput')",
                     slot));
  }

  // A publication name this test owns (dropped at the end).
  std::string publication(const std::string& suffix = "") {
    publications_.push_back(name_ + suffix);
    return publications_.back();
  }

  std::string conninfo_;
  std::optional<Connection> admin_;
  std::string name_;  // of the schema, the slots (as a prefix) and the publications
  std::vector<std::string> publications_;
};

using test_support::error_of;

}  // namespace pgexport::pg::replication
