// The replication session against the real PostgreSQL: a slot created with an exported
// snapshot meets its stream with no gap and no overlap (what `cdc init` relies on), status
// updates move the slot, a busy or missing slot has its own error, receive() keeps its
// timeout, heartbeats arrive as messages. The SQL builders are checked for every server
// syntax without a server. Needs PGEXPORT_TEST_PG_CONNINFO (see replication_fixture.hpp).
#include "pg/replication/replication_connection.hpp"

#include <map>
#include <set>

#include "pg/replication/pgoutput.hpp"
#include "pg/replication/replication_messages.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/server_version.hpp"
#include "replication_fixture.hpp"

namespace pgexport::pg::replication {
namespace {

using namespace std::chrono_literals;

TEST(ReplicationCommands, CreateSlotUsesTheServersSyntax) {
  EXPECT_EQ(create_logical_slot_sql("cdc_slot", 150008),
            "CREATE_REPLICATION_SLOT \"cdc_slot\" LOGICAL pgoutput (SNAPSHOT 'export')");
  EXPECT_EQ(create_logical_slot_sql("cdc_slot", 170002),
            "CREATE_REPLICATION_SLOT \"cdc_slot\" LOGICAL pgoutput (SNAPSHOT 'export')");
  EXPECT_EQ(create_logical_slot_sql("cdc_slot", 140013),
            "CREATE_REPLICATION_SLOT \"cdc_slot\" LOGICAL pgoutput EXPORT_SNAPSHOT");
  EXPECT_EQ(create_logical_slot_sql("cdc_slot", 120000),
            "CREATE_REPLICATION_SLOT \"cdc_slot\" LOGICAL pgoutput EXPORT_SNAPSHOT");
}

TEST(ReplicationCommands, StartReplicationQuotesPublicationsAndAsksForMessagesFrom14) {
  std::vector<std::string> publications = {"cdc", "Odd \"name\", 'x'"};
  // Each name a quoted identifier, the list one string literal with its quotes doubled.
  EXPECT_EQ(start_replication_sql("slot_1", Lsn(0x16B3748), publications, 1, 150008),
            "START_REPLICATION SLOT \"slot_1\" LOGICAL 0/16B3748 (proto_version '1', "
            "publication_names '\"cdc\",\"Odd \"\"name\"\", ''x''\"', messages 'true')");
  EXPECT_EQ(start_replication_sql("slot_1", Lsn(0x100000000), {"cdc"}, 1, 140000),
            "START_REPLICATION SLOT \"slot_1\" LOGICAL 1/0 (proto_version '1', "
            "publication_names '\"cdc\"', messages 'true')");
  // 12 and 13 refuse the messages option.
  EXPECT_EQ(start_replication_sql("slot_1", Lsn(), {"cdc"}, 1, 130016),
            "START_REPLICATION SLOT \"slot_1\" LOGICAL 0/0 (proto_version '1', "
            "publication_names '\"cdc\"')");
}

TEST(ReplicationCommands, SlotNamesFollowTheServersRule) {
  EXPECT_NO_THROW(check_slot_name("pgexport"));
  EXPECT_NO_THROW(check_slot_name(std::string(63, 'a')));
  EXPECT_NO_THROW(check_slot_name("cdc_2_orders"));
  for (std::string bad :
       {std::string(), std::string(64, 'a'), std::string("Upper"), std::string("with-dash"),
        std::string("with space"), std::string("quote\"d")}) {
    Error error = error_of([&] { create_logical_slot_sql(bad, 150000); });
    EXPECT_EQ(error.kind(), ErrorKind::usage) << bad;
    EXPECT_NE(std::string(error.what()).find("lower-case letters, digits and underscores"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(error_of([] { start_replication_sql("Bad", Lsn(), {}, 1, 150000); }).kind(),
            ErrorKind::usage);
}

// One decoded pgoutput message, with what the tests look at copied out of the payload.
struct Event {
  std::string type;                 // message_type_name
  std::string relation;             // Insert/Update/Delete: the relation's name (from its Relation)
  std::vector<std::string> values;  // Insert/Update: the new tuple in text, "NULL" for null
  LogicalMessage message;           // Message (prefix and content not kept: see below)
  std::string prefix;               // Message: the prefix
  Commit commit;                    // Commit
};

// Reads the stream, decodes it and answers keepalives that ask for it, until `done` holds for
// an event; fails the test after `limit`. Returns the events, the last one included.
class StreamReader {
 public:
  explicit StreamReader(ReplicationConnection& stream) : stream_(stream) {}

  std::vector<Event> read_until(const std::function<bool(const Event&)>& done,
                                std::chrono::seconds limit = 60s) {
    std::vector<Event> events;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      std::optional<std::string> payload = stream_.receive(100ms);
      if (!payload) continue;
      ReplicationMessage message = decode_replication_message(*payload);
      if (auto* keepalive = std::get_if<PrimaryKeepalive>(&message)) {
        // Written up to the end of WAL; nothing flushed (0/0 leaves the slot where it is).
        if (keepalive->reply_requested)
          stream_.send_status(keepalive->wal_end, Lsn(), Lsn(), false);
        continue;
      }
      Event event = decode(std::get<XLogData>(message).data);
      events.push_back(event);
      if (done(event)) return events;
    }
    ADD_FAILURE() << "the awaited change did not arrive within " << limit.count() << " s";
    return events;
  }

 private:
  Event decode(std::string_view data) {
    PgOutputMessage message = decode_pgoutput(data);
    Event event;
    event.type = std::string(message_type_name(message));
    auto values = [](const TupleData& tuple) {
      std::vector<std::string> texts;
      for (const ColumnValue& value : tuple) {
        texts.push_back(value.is_null() ? "NULL" : std::string(value.bytes));
      }
      return texts;
    };
    if (auto* relation = std::get_if<Relation>(&message)) {
      relations_[relation->relation_oid] = relation->name;
      event.relation = relation->name;
    } else if (auto* insert = std::get_if<Insert>(&message)) {
      event.relation = relations_[insert->relation_oid];
      event.values = values(insert->new_tuple);
    } else if (auto* update = std::get_if<Update>(&message)) {
      event.relation = relations_[update->relation_oid];
      event.values = values(update->new_tuple);
    } else if (auto* logical = std::get_if<LogicalMessage>(&message)) {
      event.message = *logical;
      event.message.prefix = event.message.content = {};  // views into the payload
      event.prefix = std::string(logical->prefix);
    } else if (auto* commit = std::get_if<Commit>(&message)) {
      event.commit = *commit;
    }
    return event;
  }

  ReplicationConnection& stream_;
  std::map<Oid, std::string> relations_;
};

// "relation op values...", for the row changes among `events`.
std::vector<std::string> row_changes(const std::vector<Event>& events) {
  std::vector<std::string> changes;
  for (const Event& event : events) {
    if (event.type != "Insert" && event.type != "Update") continue;
    std::string change = event.relation + " " + event.type;
    for (const std::string& value : event.values) change += " " + value;
    changes.push_back(change);
  }
  return changes;
}

class ReplicationConnectionTest : public ReplicationFixture {
 protected:
  ReplicationConnection open_stream() {
    return ReplicationConnection::open(conninfo_, "replication test stream");
  }
};

TEST_F(ReplicationConnectionTest, IdentifySystemNamesTheClusterAndDatabase) {
  ReplicationConnection stream = open_stream();
  Lsn before = Lsn::parse(exec("SELECT pg_catalog.pg_current_wal_flush_lsn()").value(0, 0));
  SystemIdentity identity = stream.identify_system();
  EXPECT_EQ(identity.systemid,
            exec("SELECT system_identifier::text FROM pg_catalog.pg_control_system()").text(0, 0));
  EXPECT_EQ(identity.dbname, exec("SELECT pg_catalog.current_database()").text(0, 0));
  EXPECT_GE(identity.timeline, 1);
  EXPECT_GE(identity.xlogpos, before);
  // The session is named like every pgexport session, and its search_path is empty.
  EXPECT_EQ(stream.connection().exec("SHOW search_path").text(0, 0), "");
  EXPECT_EQ(stream.connection().exec("SHOW application_name").text(0, 0),
            fmt::format("pgexport {} replication test stream", PGEXPORT_VERSION));
}

// The no-gap, no-overlap property `cdc init` is built on: the rows committed before the slot
// are in its exported snapshot and not in its stream; those committed after are in the stream
// and not in the snapshot.
TEST_F(ReplicationConnectionTest, ExportedSnapshotAndStreamMeetWithoutGapOrOverlap) {
  const std::string& s = name_;
  exec(fmt::format("CREATE TABLE {0}.items (id int PRIMARY KEY, label text)", s));
  exec(fmt::format(
      "CREATE TABLE {0}.parts (id int PRIMARY KEY, label text) PARTITION BY RANGE (id); "
      "CREATE TABLE {0}.parts_low PARTITION OF {0}.parts FOR VALUES FROM (0) TO (1000)",
      s));
  exec(
      fmt::format("INSERT INTO {0}.items VALUES (1, 'before'), (2, 'before'); "
                  "INSERT INTO {0}.parts VALUES (1, 'before')",
                  s));
  std::string pub = publication();
  create_publication(*admin_, pub, {{s, "items"}, {s, "parts"}});

  ReplicationConnection stream = open_stream();
  CreatedSlot slot = stream.create_logical_slot(name_);
  EXPECT_EQ(slot.slot_name, name_);
  EXPECT_EQ(slot.output_plugin, "pgoutput");
  ASSERT_FALSE(slot.snapshot_name.empty());
  EXPECT_TRUE(slot.consistent_point.is_valid());

  // Committed after the slot, before anyone reads.
  exec(fmt::format("INSERT INTO {0}.items VALUES (3, 'after')", s));
  exec(fmt::format("INSERT INTO {0}.parts VALUES (2, 'after')", s));
  exec(fmt::format("UPDATE {0}.items SET label = 'after' WHERE id = 1", s));

  // While the replication session is idle, another session reads in the exported snapshot.
  std::string import = fmt::format("SET TRANSACTION SNAPSHOT '{}'", slot.snapshot_name);
  Connection reader = Connection::open(conninfo_, "replication test snapshot reader");
  reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  reader.exec(import);
  auto rows = [&](const std::string& table) {
    Result result =
        reader.exec(fmt::format("SELECT id || ' ' || label FROM {}.{} ORDER BY id", s, table));
    std::vector<std::string> texts;
    for (int row = 0; row < result.rows(); ++row) texts.push_back(result.text(row, 0));
    return texts;
  };
  EXPECT_EQ(rows("items"), (std::vector<std::string>{"1 before", "2 before"}));
  EXPECT_EQ(rows("parts"), (std::vector<std::string>{"1 before"}));
  reader.exec("COMMIT");

  exec(fmt::format("INSERT INTO {0}.items VALUES (4, 'last')", s));
  stream.start_replication(name_, slot.consistent_point, {pub});
  EXPECT_TRUE(stream.streaming());

  // The next command on the replication session released the snapshot.
  Connection late = Connection::open(conninfo_, "replication test late reader");
  late.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  EXPECT_FALSE(late.try_exec(import).ok()) << "the snapshot outlived START_REPLICATION";
  late.exec("ROLLBACK");

  StreamReader reader_of_stream(stream);
  std::vector<Event> events = reader_of_stream.read_until(
      [](const Event& event) { return event.type == "Insert" && event.values[0] == "4"; });
  // Exactly what was committed after the slot, in commit order; the partition's change
  // arrives under its partitioned table's name.
  EXPECT_EQ(row_changes(events),
            (std::vector<std::string>{"items Insert 3 after", "parts Insert 2 after",
                                      "items Update 1 after", "items Insert 4 last"}));
  stream.finish();
  EXPECT_FALSE(stream.streaming());
}

TEST_F(ReplicationConnectionTest, StatusUpdateMovesTheSlotsConfirmedFlush) {
  exec(fmt::format("CREATE TABLE {}.items (id int PRIMARY KEY)", name_));
  std::string pub = publication();
  create_publication(*admin_, pub, {{name_, "items"}});
  create_slot(name_);
  exec(fmt::format("INSERT INTO {}.items VALUES (1)", name_));

  ReplicationConnection stream = open_stream();
  // 0/0: from wherever the slot's confirmed position is.
  stream.start_replication(name_, Lsn(), {pub});
  std::optional<SlotInfo> streaming = slot_info(*admin_, name_);
  ASSERT_TRUE(streaming);
  EXPECT_TRUE(streaming->active);
  EXPECT_EQ(streaming->active_pid, stream.backend_pid());

  StreamReader reader(stream);
  std::vector<Event> events =
      reader.read_until([](const Event& event) { return event.type == "Commit"; });
  ASSERT_FALSE(events.empty());
  Lsn end = events.back().commit.end_lsn;
  ASSERT_LT(*streaming->confirmed_flush_lsn, end);

  // The server applies a status update when it reads it: wait (bounded) until it shows.
  stream.send_status(end, end, end, true);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::optional<Lsn> confirmed;
  while (std::chrono::steady_clock::now() < deadline) {
    confirmed = slot_info(*admin_, name_)->confirmed_flush_lsn;
    if (confirmed == end) break;
    stream.receive(50ms);  // keepalives and the answer to reply_requested; nothing else comes
  }
  EXPECT_EQ(confirmed, end);

  // After a clean end of the stream the session takes commands again.
  stream.finish();
  EXPECT_FALSE(stream.streaming());
  EXPECT_TRUE(stream.identify_system().xlogpos.is_valid());
}

TEST_F(ReplicationConnectionTest, ASecondStreamOnTheSameSlotIsSlotBusy) {
  std::string pub = publication();
  create_publication(*admin_, pub, {});
  create_slot(name_);
  ReplicationConnection first = open_stream();
  first.start_replication(name_, Lsn(), {pub});
  ReplicationConnection second = open_stream();
  Error error = error_of([&] { second.start_replication(name_, Lsn(), {pub}); });
  EXPECT_EQ(error.kind(), ErrorKind::slot_busy);
  EXPECT_EQ(error.exit_code(), 17);
  EXPECT_TRUE(error.retryable());
  std::string message = error.what();
  EXPECT_NE(message.find(name_), std::string::npos) << message;
  EXPECT_NE(message.find(fmt::format("active for PID {}", first.backend_pid())), std::string::npos)
      << message;
  EXPECT_NE(message.find("another `pgexport cdc run`"), std::string::npos) << message;
  EXPECT_FALSE(second.streaming());
  // The first stream is untouched.
  EXPECT_EQ(slot_info(*admin_, name_)->active_pid, first.backend_pid());
}

TEST_F(ReplicationConnectionTest, AMissingSlotIsSlotLost) {
  std::string pub = publication();
  create_publication(*admin_, pub, {});
  std::string missing = name_ + "_missing";
  ReplicationConnection stream = open_stream();
  Error error = error_of([&] { stream.start_replication(missing, Lsn(), {pub}); });
  EXPECT_EQ(error.kind(), ErrorKind::slot_lost);
  EXPECT_EQ(error.exit_code(), 16);
  EXPECT_FALSE(error.retryable());
  std::string message = error.what();
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  EXPECT_NE(message.find("pgexport cdc init"), std::string::npos) << message;
  // The session survives a refused command.
  EXPECT_TRUE(stream.identify_system().xlogpos.is_valid());
}

TEST_F(ReplicationConnectionTest, ASlotOfTheSameNameIsRefusedWithWhatToDo) {
  create_slot(name_);
  ReplicationConnection stream = open_stream();
  Error error = error_of([&] { stream.create_logical_slot(name_); });
  EXPECT_EQ(error.kind(), ErrorKind::database_error);
  EXPECT_NE(std::string(error.what()).find("cdc drop"), std::string::npos) << error.what();
}

TEST_F(ReplicationConnectionTest, ReceiveReturnsNothingAtItsTimeout) {
  exec(fmt::format("CREATE TABLE {}.idle (id int PRIMARY KEY)", name_));
  std::string pub = publication();
  create_publication(*admin_, pub, {{name_, "idle"}});
  create_slot(name_);
  ReplicationConnection stream = open_stream();
  stream.start_replication(name_, Lsn(), {pub});
  // Nothing changes in the published table, but the server may send a keepalive (or, for
  // other sessions' transactions, nothing the publication holds): read until a receive
  // comes back empty, which must take the timeout and not much more.
  constexpr auto timeout = 200ms;
  bool timed_out = false;
  std::map<std::string, int> received;  // what came instead, for the failure message
  auto give_up = std::chrono::steady_clock::now() + 30s;
  while (!timed_out && std::chrono::steady_clock::now() < give_up) {
    auto started = std::chrono::steady_clock::now();
    std::optional<std::string> payload = stream.receive(timeout);
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (payload) {
      EXPECT_LE(elapsed, timeout + 5s);
      ReplicationMessage message = decode_replication_message(*payload);
      if (auto* keepalive = std::get_if<PrimaryKeepalive>(&message)) {
        received[keepalive->reply_requested ? "keepalive (reply requested)" : "keepalive"]++;
        // Received up to the end of WAL: the server then has nothing to prompt us about.
        stream.send_status(keepalive->wal_end, Lsn(), Lsn(), false);
      } else {
        received[std::string(
            message_type_name(decode_pgoutput(std::get<XLogData>(message).data)))]++;
      }
      continue;
    }
    timed_out = true;
    EXPECT_GE(elapsed, timeout);
    // Generous for a loaded 2-core machine; a receive that waited for data would take
    // wal_sender_timeout / 2 (30 s) or forever.
    EXPECT_LT(elapsed, timeout + 5s);
  }
  std::string summary;
  for (const auto& [type, count] : received) summary += fmt::format(" {} {};", type, count);
  EXPECT_TRUE(timed_out) << "every receive returned data on an idle publication:" << summary;
  EXPECT_TRUE(stream.streaming());
}

TEST_F(ReplicationConnectionTest, HeartbeatArrivesAsANonTransactionalMessage) {
  ASSERT_GE(major_version(admin_->server_version()), 14)
      << "pgoutput streams logical messages from PostgreSQL 14 on";
  std::string pub = publication();
  create_publication(*admin_, pub, {});
  create_slot(name_);
  ReplicationConnection stream = open_stream();
  stream.start_replication(name_, Lsn(), {pub});
  Lsn heartbeat = emit_heartbeat(*admin_, name_);
  EXPECT_TRUE(heartbeat.is_valid());

  StreamReader reader(stream);
  std::vector<Event> events = reader.read_until(
      [&](const Event& event) { return event.type == "Message" && event.prefix == name_; });
  ASSERT_FALSE(events.empty());
  EXPECT_FALSE(events.back().message.transactional);
  EXPECT_EQ(events.back().message.lsn, heartbeat);
}

TEST_F(ReplicationConnectionTest, ARoleWithoutReplicationIsToldWhatToGrant) {
  std::string role = name_ + "_role";
  exec(fmt::format("CREATE ROLE {} LOGIN NOREPLICATION", role));
  Error error = error_of(
      [&] { ReplicationConnection::open(conninfo_ + " user=" + role, "replication test"); });
  exec(fmt::format("DROP ROLE {}", role));
  EXPECT_EQ(error.kind(), ErrorKind::insufficient_privilege) << error.what();
  EXPECT_NE(std::string(error.what()).find("rds_replication"), std::string::npos) << error.what();
}

}  // namespace
}  // namespace pgexport::pg::replication
