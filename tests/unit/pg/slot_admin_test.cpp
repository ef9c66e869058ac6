// Slot and publication administration against the real PostgreSQL: slot state and retained
// WAL, dropping (and refusing to drop a slot in use), publications of plain and partitioned
// tables with names that need quoting, replica identity checks and keys, heartbeats.
// Needs PGEXPORT_TEST_PG_CONNINFO (see replication_fixture.hpp).
#include "pg/replication/slot_admin.hpp"

#include "pg/replication/replication_connection.hpp"
#include "pg/server_version.hpp"
#include "replication_fixture.hpp"

namespace pgexport::pg::replication {
namespace {

class SlotAdminTest : public ReplicationFixture {
 protected:
  Lsn current_wal() {
    return Lsn::parse(exec("SELECT pg_catalog.pg_current_wal_lsn()").value(0, 0));
  }
};

TEST_F(SlotAdminTest, SlotInfoShowsStateAndRetainedWal) {
  EXPECT_FALSE(slot_info(*admin_, name_).has_value());
  create_slot(name_);
  std::optional<SlotInfo> info = slot_info(*admin_, name_);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->slot_type, "logical");
  EXPECT_EQ(info->plugin, "pgoutput");
  EXPECT_EQ(info->database, exec("SELECT pg_catalog.current_database()").text(0, 0));
  EXPECT_FALSE(info->active);
  EXPECT_FALSE(info->active_pid.has_value());
  ASSERT_TRUE(info->restart_lsn && info->confirmed_flush_lsn && info->retained_wal_bytes);
  EXPECT_LE(*info->restart_lsn, *info->confirmed_flush_lsn);
  if (major_version(admin_->server_version()) >= 13) {
    EXPECT_EQ(info->wal_status, "reserved");
  } else {
    EXPECT_FALSE(info->wal_status.has_value());
  }

  // WAL written since is kept for the slot, byte for byte.
  exec(fmt::format("CREATE TABLE {}.filler AS SELECT pg_catalog.generate_series(1, 10000) AS n",
                   name_));
  std::optional<SlotInfo> later = slot_info(*admin_, name_);
  ASSERT_TRUE(later && later->retained_wal_bytes);
  EXPECT_EQ(later->restart_lsn, info->restart_lsn);
  uint64_t written = current_wal().value() - info->restart_lsn->value();
  EXPECT_GT(*later->retained_wal_bytes, *info->retained_wal_bytes);
  // Between the two reads more WAL may appear (other sessions), never less.
  EXPECT_LE(*later->retained_wal_bytes, written);
  EXPECT_GT(*later->retained_wal_bytes, 10000u);  // 10000 rows are more than 10000 bytes
}

TEST_F(SlotAdminTest, DropSlotRefusesASlotInUseAndSaysWhenThereWasNone) {
  // The publication first: pgoutput looks it up as of the WAL it decodes.
  std::string pub = publication();
  create_publication(*admin_, pub, {});
  create_slot(name_);
  {
    ReplicationConnection stream = ReplicationConnection::open(conninfo_, "slot admin test");
    stream.start_replication(name_, Lsn(), {pub});
    Error error = error_of([&] { drop_slot(*admin_, name_); });
    EXPECT_EQ(error.kind(), ErrorKind::slot_busy);
    std::string message = error.what();
    EXPECT_NE(message.find(name_), std::string::npos) << message;
    EXPECT_NE(message.find(fmt::format("PID {}", stream.backend_pid())), std::string::npos)
        << message;
    ASSERT_TRUE(slot_info(*admin_, name_).has_value());
    stream.finish();
  }
  // The slot is released when the stream's server process has let go of it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (slot_info(*admin_, name_)->active && std::chrono::steady_clock::now() < deadline) {
    exec("SELECT pg_catalog.pg_sleep(0.05)");  // poll interval, not an ordering
  }
  EXPECT_TRUE(drop_slot(*admin_, name_));
  EXPECT_FALSE(slot_info(*admin_, name_).has_value());
  EXPECT_FALSE(drop_slot(*admin_, name_));
}

TEST_F(SlotAdminTest, PublicationsAreCreatedListedAndDropped) {
  const std::string& s = name_;
  exec(fmt::format("CREATE TABLE {}.\"Mixed Case\" (id int PRIMARY KEY)", s));
  exec(fmt::format("CREATE TABLE {}.\"with \"\"quote\"\"\" (id int PRIMARY KEY)", s));
  exec(
      fmt::format("CREATE TABLE {0}.parts (id int PRIMARY KEY) PARTITION BY RANGE (id); "
                  "CREATE TABLE {0}.parts_low PARTITION OF {0}.parts FOR VALUES FROM (0) TO (10)",
                  s));
  // An inheritance child is a table of its own: publishing the parent leaves it out.
  exec(
      fmt::format("CREATE TABLE {0}.parent (id int); CREATE TABLE {0}.child () INHERITS "
                  "({0}.parent)",
                  s));
  std::string pub = publication(" Odd");  // a publication name that needs quoting too
  EXPECT_FALSE(publication_tables(*admin_, pub).has_value());
  create_publication(*admin_, pub,
                     {{s, "Mixed Case"}, {s, "with \"quote\""}, {s, "parts"}, {s, "parent"}});
  std::optional<std::vector<TableName>> tables = publication_tables(*admin_, pub);
  ASSERT_TRUE(tables);
  // The partitioned table is listed itself (publish_via_partition_root), not its partition.
  EXPECT_EQ(*tables, (std::vector<TableName>{
                         {s, "Mixed Case"}, {s, "parent"}, {s, "parts"}, {s, "with \"quote\""}}));
  EXPECT_TRUE(exec(fmt::format("SELECT pubviaroot FROM pg_catalog.pg_publication WHERE pubname "
                               "= '{}'",
                               pub))
                  .boolean(0, 0));

  drop_publication(*admin_, pub);
  EXPECT_FALSE(publication_tables(*admin_, pub).has_value());
  EXPECT_NO_THROW(drop_publication(*admin_, pub));  // dropping what is gone is fine

  std::string empty = publication("_empty");
  create_publication(*admin_, empty, {});
  EXPECT_EQ(publication_tables(*admin_, empty), std::vector<TableName>{});
}

TEST_F(SlotAdminTest, TablesWithoutReplicaIdentityAreListedUntilSetFull) {
  const std::string& s = name_;
  exec(fmt::format("CREATE TABLE {}.keyed (id int PRIMARY KEY)", s));
  exec(
      fmt::format("CREATE TABLE {0}.keyless (id int, note text); "
                  "INSERT INTO {0}.keyless VALUES (1, 'a')",
                  s));
  exec(
      fmt::format("CREATE TABLE {0}.nothing (id int PRIMARY KEY); "
                  "ALTER TABLE {0}.nothing REPLICA IDENTITY NOTHING",
                  s));
  exec(
      fmt::format("CREATE TABLE {0}.full_rows (id int); "
                  "ALTER TABLE {0}.full_rows REPLICA IDENTITY FULL",
                  s));
  exec(
      fmt::format("CREATE TABLE {0}.by_index (code text NOT NULL, id int); "
                  "CREATE UNIQUE INDEX by_index_code ON {0}.by_index (code); "
                  "ALTER TABLE {0}.by_index REPLICA IDENTITY USING INDEX by_index_code",
                  s));
  // A partitioned table without a key: the server checks each partition, so they are listed.
  exec(
      fmt::format("CREATE TABLE {0}.parts (id int) PARTITION BY RANGE (id); "
                  "CREATE TABLE {0}.parts_a PARTITION OF {0}.parts FOR VALUES FROM (0) TO (10); "
                  "CREATE TABLE {0}.parts_b PARTITION OF {0}.parts FOR VALUES FROM (10) TO (20)",
                  s));
  std::vector<TableName> tables = {{s, "keyed"},     {s, "keyless"},  {s, "nothing"},
                                   {s, "full_rows"}, {s, "by_index"}, {s, "parts"}};
  auto listed = [&] {
    std::vector<std::string> names;
    for (const auto& missing : tables_without_replica_identity(*admin_, tables)) {
      names.push_back(missing.table.name + ": " + missing.reason);
    }
    return names;
  };
  EXPECT_EQ(listed(), (std::vector<std::string>{
                          "keyless: no primary key", "nothing: replica identity nothing",
                          "parts_a: no primary key", "parts_b: no primary key"}));

  // What listing prevents: once published, such a table refuses UPDATE.
  std::string pub = publication();
  create_publication(*admin_, pub, {{s, "keyless"}});
  EXPECT_FALSE(admin_->try_exec(fmt::format("UPDATE {}.keyless SET note = 'x'", s)).ok());

  set_replica_identity_full(*admin_, {s, "keyless"});
  set_replica_identity_full(*admin_, {s, "parts"});
  EXPECT_EQ(listed(), (std::vector<std::string>{"nothing: replica identity nothing"}));
  EXPECT_TRUE(admin_->try_exec(fmt::format("UPDATE {}.keyless SET note = 'x'", s)).ok());

  // An identity index that is dropped leaves the table without one.
  exec(
      fmt::format("ALTER TABLE {0}.by_index REPLICA IDENTITY DEFAULT; "
                  "ALTER TABLE {0}.by_index REPLICA IDENTITY USING INDEX by_index_code; "
                  "DROP INDEX {0}.by_index_code",
                  s));
  EXPECT_EQ(listed(), (std::vector<std::string>{"nothing: replica identity nothing",
                                                "by_index: its replica identity index is gone "
                                                "or invalid"}));

  Error error = error_of([&] { tables_without_replica_identity(*admin_, {{s, "no_such"}}); });
  EXPECT_EQ(error.kind(), ErrorKind::database_error);
  EXPECT_NE(std::string(error.what()).find(s + ".no_such"), std::string::npos) << error.what();
}

TEST_F(SlotAdminTest, HeartbeatsReturnIncreasingPositions) {
  Lsn before = current_wal();
  Lsn first = emit_heartbeat(*admin_, name_);
  Lsn second = emit_heartbeat(*admin_, name_);
  EXPECT_GE(first, before);
  EXPECT_GT(second, first);
}

}  // namespace
}  // namespace pgexport::pg::replication
