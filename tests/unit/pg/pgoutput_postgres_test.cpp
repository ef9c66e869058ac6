// The decoder against the real PostgreSQL: a publication and a pgoutput slot, changes of every
// kind (inserts, an update that leaves a large TOASTed column untouched, an update of the
// primary key, deletes, a REPLICA IDENTITY FULL table, TRUNCATE, logical messages, a
// transaction with a replication origin), read back with pg_logical_slot_get_binary_changes()
// and decoded message by message, every value checked.
//
// Needs PGEXPORT_TEST_PG_CONNINFO: a libpq connection string for a database this test may
// create a schema, a publication, a replication slot and a replication origin in (a superuser
// on a server with wal_level=logical, as scripts/pg-local.sh and scripts/test.sh provide).
// Without it the test fails: a decoder never checked against a server proves little.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "common/error.hpp"
#include "pg/connection.hpp"
#include "pg/replication/pgoutput.hpp"

namespace pgexport::pg::replication {
namespace {

using Kind = ColumnValue::Kind;

// One row of pg_logical_slot_{get,peek}_binary_changes().
struct ChangeRow {
  std::string lsn;  // as the server prints it
  TransactionId xid = 0;
  std::string data;  // one pgoutput message
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A bytea in the server's hex output ("\x0a1b...") as bytes.
std::string bytea_from_hex(std::string_view text) {
  EXPECT_EQ(text.substr(0, 2), "\\x");
  std::string bytes;
  for (size_t i = 2; i + 1 < text.size(); i += 2) {
    int high = hex_value(text[i]), low = hex_value(text[i + 1]);
    EXPECT_TRUE(high >= 0 && low >= 0) << text.substr(i, 2);
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

// A transaction as the slot delivered it: Begin, its messages, Commit.
struct DecodedTransaction {
  Begin begin;
  Commit commit;
  std::string commit_row_lsn;            // the lsn column of the Commit row
  std::vector<PgOutputMessage> changes;  // everything between Begin and Commit but schema
  std::vector<PgOutputMessage> schema;   // the Relation and Type messages in it
};

class PgOutputPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("PGEXPORT_TEST_PG_CONNINFO");
    ASSERT_NE(conninfo, nullptr)
        << "PGEXPORT_TEST_PG_CONNINFO is not set: set it to a libpq connection string for a "
           "database on a server with wal_level=logical where this test may create a slot "
           "(scripts/test.sh sets it; scripts/pg-local.sh starts such a server)";
    connection_.emplace(Connection::open(conninfo, "pgoutput test"));
    // Each commit is flushed before the next statement, so the slot can read every change
    // at once (it reads only up to the flushed end of WAL).
    exec("SET synchronous_commit = on");
    exec("SET client_min_messages = warning");  // no NOTICEs from the cleanup on stderr
    ASSERT_EQ(exec("SHOW wal_level").text(0, 0), "logical");
    // Unique names: other test processes may use the same database at the same time.
    std::random_device random;
    name_ = fmt::format("pgexport_cdc_{}_{:08x}", getpid(), random());
  }

  void TearDown() override {
    if (!connection_) return;
    for (const std::string& sql : {
             fmt::format("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = '{}'",
                         name_),
             fmt::format("DROP PUBLICATION IF EXISTS {}", name_),
             fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", name_),
             std::string("SELECT pg_replication_origin_session_reset() WHERE "
                         "pg_replication_origin_session_is_setup()"),
             fmt::format("SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin "
                         "WHERE roname = '{}'",
                         name_),
         }) {
      try {
        exec(sql);
      } catch (const Error& error) {
        ADD_FAILURE() << "cleanup failed: " << error.what();
      }
    }
    EXPECT_EQ(
        exec(fmt::format("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{}'", name_))
            .integer(0, 0),
        0);
  }

  Result exec(const std::string& sql) { return connection_->exec(sql); }

  // The xid of the transaction in progress, as pgoutput reports it (32 bits, no epoch).
  TransactionId current_xid() {
    return static_cast<TransactionId>(exec("SELECT txid_current() % 4294967296").integer(0, 0));
  }

  // The server's clock, in the unit and on the scale of to_system_time().
  SystemMicros server_clock() {
    auto micros =
        exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint").integer(0, 0);
    return SystemMicros(std::chrono::microseconds(micros));
  }

  Oid oid_of(const std::string& sql) { return static_cast<Oid>(exec(sql).integer(0, 0)); }

  // The slot's changes up to `upto` (a WAL position), so that every read sees the same
  // ones: other tests' non-transactional messages reach this slot too, at any time.
  std::vector<ChangeRow> changes(const std::string& function, const std::string& proto_version,
                                 const std::string& upto) {
    auto result = connection_->exec_params(
        fmt::format("SELECT lsn::text, xid::text, data FROM {}($1, $4::pg_lsn, NULL, "
                    "'proto_version', $2, 'publication_names', $3, 'messages', 'true')",
                    function),
        {name_, proto_version, name_, upto});
    std::vector<ChangeRow> rows;
    for (int row = 0; row < result.rows(); ++row) {
      rows.push_back({result.text(row, 0), static_cast<TransactionId>(result.integer(row, 1)),
                      bytea_from_hex(result.value(row, 2))});
    }
    return rows;
  }

  std::optional<Connection> connection_;
  std::string name_;  // of the schema, publication, slot, origin and message prefix
};

TupleData text_tuple(std::initializer_list<std::optional<std::string_view>> values) {
  TupleData tuple;
  for (const auto& value : values) {
    tuple.push_back(value ? ColumnValue::text(*value) : ColumnValue::null());
  }
  return tuple;
}

TEST_F(PgOutputPostgres, DecodesEveryChangeTheServerSends) {
  const std::string& s = name_;
  exec(fmt::format("CREATE SCHEMA {0}; CREATE TYPE {0}.mood AS ENUM ('happy', 'sad')", s));
  exec(fmt::format(
      "CREATE TABLE {0}.items (id int PRIMARY KEY, mood {0}.mood, note text, big text)", s));
  // EXTERNAL: stored out of line and uncompressed, so the 100 kB value below is really TOASTed
  // (a repetitive value would otherwise compress to an inline one).
  exec(fmt::format("ALTER TABLE {0}.items ALTER COLUMN big SET STORAGE EXTERNAL", s));
  exec(
      fmt::format("CREATE TABLE {0}.full_rows (id int, label text); "
                  "ALTER TABLE {0}.full_rows REPLICA IDENTITY FULL",
                  s));
  exec(fmt::format("CREATE PUBLICATION {0} FOR TABLE {0}.items, {0}.full_rows", s));
  exec(fmt::format("SELECT pg_create_logical_replication_slot('{}', 'pgoutput')", s));
  Oid items = oid_of(fmt::format("SELECT '{}.items'::regclass::oid", s));
  Oid full_rows = oid_of(fmt::format("SELECT '{}.full_rows'::regclass::oid", s));
  Oid mood = oid_of(fmt::format("SELECT '{}.mood'::regtype::oid", s));
  const std::string big(100000, 'x');  // far above the 2 kB TOAST threshold

  SystemMicros started = server_clock();
  std::vector<TransactionId> xids;
  auto transaction = [&](const std::vector<std::string>& statements) {
    exec("BEGIN");
    xids.push_back(current_xid());
    for (const auto& sql : statements) exec(sql);
    exec("COMMIT");
  };
  // pg_logical_emit_message() returns the LSN the decoded message reports.
  std::string message_lsn;
  exec("BEGIN");
  xids.push_back(current_xid());
  exec(fmt::format("INSERT INTO {}.items VALUES (1, 'happy', 'first', repeat('x', 100000))", s));
  exec(fmt::format("INSERT INTO {}.items VALUES (2, 'sad', NULL, 'small')", s));
  message_lsn = exec(fmt::format("SELECT pg_logical_emit_message(true, '{}', 'in transaction')", s))
                    .text(0, 0);
  exec("COMMIT");
  transaction({fmt::format("UPDATE {}.items SET note = 'second' WHERE id = 1", s)});
  transaction({fmt::format("UPDATE {}.items SET id = 10 WHERE id = 1", s)});
  transaction({fmt::format("DELETE FROM {}.items WHERE id = 10", s)});
  transaction({
      fmt::format("INSERT INTO {}.full_rows VALUES (1, 'a')", s),
      fmt::format("UPDATE {}.full_rows SET label = 'b' WHERE id = 1", s),
      fmt::format("DELETE FROM {}.full_rows WHERE id = 1", s),
  });
  transaction({fmt::format("TRUNCATE {0}.items, {0}.full_rows RESTART IDENTITY CASCADE", s)});
  // Outside any transaction: delivered at once, on its own.
  std::string loose_message_lsn =
      exec(fmt::format("SELECT pg_logical_emit_message(false, '{}', '\\x0001ff'::bytea)", s))
          .text(0, 0);
  // A transaction replayed from elsewhere: the session carries a replication origin.
  exec(fmt::format("SELECT pg_replication_origin_create('{}')", s));
  exec(fmt::format("SELECT pg_replication_origin_session_setup('{}')", s));
  exec("BEGIN");
  xids.push_back(current_xid());
  exec("SELECT pg_replication_origin_xact_setup('0/ABCDEF', now())");
  exec(fmt::format("INSERT INTO {}.full_rows VALUES (2, 'o')", s));
  exec("COMMIT");
  exec("SELECT pg_replication_origin_session_reset()");
  SystemMicros finished = server_clock();

  // Protocol version 2 with streaming off is version 1's format: the same bytes.
  std::string upto = exec("SELECT pg_current_wal_lsn()::text").text(0, 0);
  std::vector<ChangeRow> version2 = changes("pg_logical_slot_peek_binary_changes", "2", upto);
  std::vector<ChangeRow> rows = changes("pg_logical_slot_get_binary_changes", "1", upto);
  ASSERT_EQ(version2.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(version2[i].data, rows[i].data) << i;
  EXPECT_TRUE(changes("pg_logical_slot_peek_binary_changes", "1", upto).empty()) << "not consumed";

  // Decode every row, group messages into transactions, keep ours (other tests may write to
  // this database meanwhile; their tables are not published, but be sure).
  std::vector<DecodedTransaction> transactions;
  std::vector<LogicalMessage> loose_messages;  // non-transactional, with our prefix
  std::optional<DecodedTransaction> open;
  std::set<TransactionId> ours(xids.begin(), xids.end());
  for (const ChangeRow& row : rows) {
    EXPECT_EQ(Lsn::parse(row.lsn).to_string(), row.lsn);
    PgOutputMessage message = decode_pgoutput(row.data);
    if (auto* begin = std::get_if<Begin>(&message)) {
      ASSERT_FALSE(open) << "Begin inside a transaction";
      EXPECT_EQ(begin->xid, row.xid);
      open.emplace();
      open->begin = *begin;
    } else if (auto* commit = std::get_if<Commit>(&message)) {
      ASSERT_TRUE(open) << "Commit without Begin";
      open->commit = *commit;
      open->commit_row_lsn = row.lsn;
      if (ours.count(open->begin.xid)) transactions.push_back(std::move(*open));
      open.reset();
    } else if (auto* logical = std::get_if<LogicalMessage>(&message); logical && !open) {
      EXPECT_FALSE(logical->transactional);
      EXPECT_EQ(logical->lsn.to_string(), row.lsn);
      if (logical->prefix == s) loose_messages.push_back(*logical);
    } else {
      ASSERT_TRUE(open) << message_type_name(message) << " outside a transaction";
      EXPECT_EQ(row.xid, open->begin.xid);
      if (auto* logical = std::get_if<LogicalMessage>(&message)) {
        EXPECT_EQ(logical->lsn.to_string(), row.lsn);
      }
      bool schema =
          std::holds_alternative<Relation>(message) || std::holds_alternative<Type>(message);
      (schema ? open->schema : open->changes).push_back(std::move(message));
    }
  }
  EXPECT_FALSE(open) << "a transaction without Commit";
  ASSERT_EQ(transactions.size(), xids.size());

  // Every transaction: Begin and Commit agree, in commit order, within the test's time.
  std::map<Oid, Relation> relations;  // as last described by the server
  for (size_t i = 0; i < transactions.size(); ++i) {
    const auto& t = transactions[i];
    SCOPED_TRACE("transaction " + std::to_string(i));
    EXPECT_EQ(t.begin.xid, xids[i]);
    EXPECT_EQ(t.begin.final_lsn, t.commit.commit_lsn);
    EXPECT_LT(t.commit.commit_lsn, t.commit.end_lsn);
    EXPECT_EQ(t.commit.end_lsn.to_string(), t.commit_row_lsn);
    EXPECT_EQ(t.commit.flags, 0);
    EXPECT_EQ(t.begin.commit_time, t.commit.commit_time);
    EXPECT_LE(started, to_system_time(t.commit.commit_time));
    EXPECT_GE(finished, to_system_time(t.commit.commit_time));
    if (i > 0) {
      EXPECT_LT(transactions[i - 1].commit.end_lsn, t.commit.commit_lsn);
    }
    for (const auto& message : t.schema) {
      if (auto* type = std::get_if<Type>(&message)) {
        EXPECT_EQ(type->type_oid, mood);
        EXPECT_EQ(type->schema, s);
        EXPECT_EQ(type->name, "mood");
      } else {
        const auto& relation = std::get<Relation>(message);
        relations[relation.relation_oid] = relation;
      }
    }
    // The server describes each relation before its first change.
    for (const auto& message : t.changes) {
      Oid oid = 0;
      if (auto* m = std::get_if<Insert>(&message)) oid = m->relation_oid;
      if (auto* m = std::get_if<Update>(&message)) oid = m->relation_oid;
      if (auto* m = std::get_if<Delete>(&message)) oid = m->relation_oid;
      if (oid != 0) {
        EXPECT_TRUE(relations.count(oid)) << "change before Relation " << oid;
      }
    }
  }

  // The relations and the enum type, as the server described them.
  ASSERT_TRUE(relations.count(items));
  const Relation& item_relation = relations[items];
  EXPECT_EQ(item_relation.schema, s);
  EXPECT_EQ(item_relation.name, "items");
  EXPECT_EQ(item_relation.replica_identity, ReplicaIdentity::default_key);
  ASSERT_EQ(item_relation.columns.size(), 4u);
  std::vector<std::tuple<std::string, bool, Oid>> expected_columns = {{"id", true, oid::kInt4},
                                                                      {"mood", false, mood},
                                                                      {"note", false, oid::kText},
                                                                      {"big", false, oid::kText}};
  for (size_t c = 0; c < 4; ++c) {
    EXPECT_EQ(item_relation.columns[c].name, std::get<0>(expected_columns[c]));
    EXPECT_EQ(item_relation.columns[c].is_key(), std::get<1>(expected_columns[c]));
    EXPECT_EQ(item_relation.columns[c].type_oid, std::get<2>(expected_columns[c]));
    EXPECT_EQ(item_relation.columns[c].type_modifier, -1);
  }
  ASSERT_TRUE(relations.count(full_rows));
  const Relation& full_relation = relations[full_rows];
  EXPECT_EQ(full_relation.name, "full_rows");
  EXPECT_EQ(full_relation.replica_identity, ReplicaIdentity::full);
  ASSERT_EQ(full_relation.columns.size(), 2u);
  // With REPLICA IDENTITY FULL every column is part of the identity.
  EXPECT_TRUE(full_relation.columns[0].is_key());
  EXPECT_TRUE(full_relation.columns[1].is_key());
  EXPECT_EQ(full_relation.columns[1].type_oid, oid::kText);
  // The enum was described (in the first transaction, before the relation using it).
  ASSERT_FALSE(transactions[0].schema.empty());
  EXPECT_TRUE(std::holds_alternative<Type>(transactions[0].schema.front()));

  auto types_of = [](const DecodedTransaction& t) {
    std::vector<std::string_view> names;
    for (const auto& message : t.changes) names.push_back(message_type_name(message));
    return names;
  };
  using Names = std::vector<std::string_view>;

  // 1: two inserts (one with a 100 kB TOASTed value) and a transactional message.
  ASSERT_EQ(types_of(transactions[0]), (Names{"Insert", "Insert", "Message"}));
  const auto& first = std::get<Insert>(transactions[0].changes[0]);
  EXPECT_EQ(first.relation_oid, items);
  EXPECT_EQ(first.new_tuple, text_tuple({"1", "happy", "first", big}));
  EXPECT_EQ(std::get<Insert>(transactions[0].changes[1]).new_tuple,
            text_tuple({"2", "sad", std::nullopt, "small"}));
  const auto& in_transaction = std::get<LogicalMessage>(transactions[0].changes[2]);
  EXPECT_TRUE(in_transaction.transactional);
  EXPECT_EQ(in_transaction.prefix, s);
  EXPECT_EQ(in_transaction.content, "in transaction");
  EXPECT_EQ(in_transaction.lsn.to_string(), message_lsn);
  EXPECT_LE(in_transaction.lsn, transactions[0].commit.commit_lsn);

  // 2: a non-key update: no old tuple, and the TOASTed column arrives as 'unchanged'.
  ASSERT_EQ(types_of(transactions[1]), (Names{"Update"}));
  const auto& note_update = std::get<Update>(transactions[1].changes[0]);
  EXPECT_EQ(note_update.relation_oid, items);
  EXPECT_FALSE(note_update.old_tuple);
  ASSERT_EQ(note_update.new_tuple.size(), 4u);
  EXPECT_EQ(note_update.new_tuple[0], ColumnValue::text("1"));
  EXPECT_EQ(note_update.new_tuple[1], ColumnValue::text("happy"));
  EXPECT_EQ(note_update.new_tuple[2], ColumnValue::text("second"));
  EXPECT_EQ(note_update.new_tuple[3].kind, Kind::unchanged);

  // 3: the primary key changes: the old key comes along ('K'), the other columns null.
  ASSERT_EQ(types_of(transactions[2]), (Names{"Update"}));
  const auto& key_update = std::get<Update>(transactions[2].changes[0]);
  ASSERT_TRUE(key_update.old_tuple);
  EXPECT_EQ(key_update.old_tuple->kind, OldTuple::Kind::key);
  EXPECT_EQ(key_update.old_tuple->values,
            text_tuple({"1", std::nullopt, std::nullopt, std::nullopt}));
  ASSERT_EQ(key_update.new_tuple.size(), 4u);
  EXPECT_EQ(key_update.new_tuple[0], ColumnValue::text("10"));
  EXPECT_EQ(key_update.new_tuple[2], ColumnValue::text("second"));
  EXPECT_EQ(key_update.new_tuple[3].kind, Kind::unchanged);

  // 4: a delete carries the key.
  ASSERT_EQ(types_of(transactions[3]), (Names{"Delete"}));
  const auto& key_delete = std::get<Delete>(transactions[3].changes[0]);
  EXPECT_EQ(key_delete.relation_oid, items);
  EXPECT_EQ(key_delete.old_tuple.kind, OldTuple::Kind::key);
  EXPECT_EQ(key_delete.old_tuple.values,
            text_tuple({"10", std::nullopt, std::nullopt, std::nullopt}));

  // 5: REPLICA IDENTITY FULL: updates and deletes carry the whole old row ('O').
  ASSERT_EQ(types_of(transactions[4]), (Names{"Insert", "Update", "Delete"}));
  EXPECT_EQ(std::get<Insert>(transactions[4].changes[0]).new_tuple, text_tuple({"1", "a"}));
  const auto& full_update = std::get<Update>(transactions[4].changes[1]);
  EXPECT_EQ(full_update.relation_oid, full_rows);
  ASSERT_TRUE(full_update.old_tuple);
  EXPECT_EQ(full_update.old_tuple->kind, OldTuple::Kind::full_row);
  EXPECT_EQ(full_update.old_tuple->values, text_tuple({"1", "a"}));
  EXPECT_EQ(full_update.new_tuple, text_tuple({"1", "b"}));
  const auto& full_delete = std::get<Delete>(transactions[4].changes[2]);
  EXPECT_EQ(full_delete.old_tuple.kind, OldTuple::Kind::full_row);
  EXPECT_EQ(full_delete.old_tuple.values, text_tuple({"1", "b"}));

  // 6: one TRUNCATE of both tables, with its options.
  ASSERT_EQ(types_of(transactions[5]), (Names{"Truncate"}));
  const auto& truncate = std::get<Truncate>(transactions[5].changes[0]);
  EXPECT_TRUE(truncate.cascade());
  EXPECT_TRUE(truncate.restart_identity());
  EXPECT_EQ(std::set<Oid>(truncate.relation_oids.begin(), truncate.relation_oids.end()),
            (std::set<Oid>{items, full_rows}));
  EXPECT_EQ(truncate.relation_oids.size(), 2u);

  // The message outside any transaction, binary content intact.
  ASSERT_EQ(loose_messages.size(), 1u);
  EXPECT_FALSE(loose_messages[0].transactional);
  EXPECT_EQ(loose_messages[0].content, std::string_view("\x00\x01\xFF", 3));
  EXPECT_EQ(loose_messages[0].lsn.to_string(), loose_message_lsn);
  EXPECT_GT(loose_messages[0].lsn, transactions[5].commit.end_lsn);

  // 7: the transaction with a replication origin names it, with the LSN it was given.
  ASSERT_EQ(types_of(transactions[6]), (Names{"Origin", "Insert"}));
  const auto& origin = std::get<Origin>(transactions[6].changes[0]);
  EXPECT_EQ(origin.name, s);
  EXPECT_EQ(origin.commit_lsn, Lsn::parse("0/ABCDEF"));
  EXPECT_EQ(std::get<Insert>(transactions[6].changes[1]).new_tuple, text_tuple({"2", "o"}));
}

}  // namespace
}  // namespace pgexport::pg::replication
