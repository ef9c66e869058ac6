// A logical replication session: a libpq connection opened with `replication=database` (with
// the keepalives, application_name and empty search_path of every pg::Connection), over which
// change data capture creates its slot with an exported snapshot and streams the slot's
// changes. The replication commands are in PostgreSQL's docs, "Streaming Replication Protocol".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection.hpp"
#include "pg/replication/lsn.hpp"

namespace pgexport::pg::replication {

// IDENTIFY_SYSTEM: which cluster and database the session is on.
struct SystemIdentity {
  std::string systemid;  // the cluster's system identifier (a 64-bit number, as text)
  int timeline = 0;
  Lsn xlogpos;         // the current WAL flush position
  std::string dbname;  // the database the session is bound to
};

// CREATE_REPLICATION_SLOT ... LOGICAL: the new slot and the snapshot it was created at.
struct CreatedSlot {
  std::string slot_name;
  // The first position the slot will stream from: every transaction committing after it is
  // streamed, and exactly those are invisible in `snapshot_name`.
  Lsn consistent_point;
  // A snapshot another session can import with SET TRANSACTION SNAPSHOT (see
  // ReplicationConnection::create_logical_slot for how long it lives).
  std::string snapshot_name;
  std::string output_plugin;
};

// Throws usage unless `name` is a valid replication slot name: 1 to 63 characters (NAMEDATALEN
// less the terminator), each a lower-case letter, a digit or an underscore, as the server
// requires. Saying so before the server does gives the user the rule, not just a refusal.
void check_slot_name(std::string_view name);

// The CREATE_REPLICATION_SLOT command for a pgoutput slot with an exported snapshot, in the
// syntax of the server: the option list `(SNAPSHOT 'export')` that PostgreSQL documents from 15
// on, the `EXPORT_SNAPSHOT` keyword that is all 12 to 14 know. Checks the name
// (check_slot_name).
std::string create_logical_slot_sql(std::string_view slot, int server_version_num);

// The START_REPLICATION command for pgoutput: protocol `proto_version`, the publications
// (quoted identifiers, in one string literal), and `messages 'true'` from PostgreSQL 14 on, so
// that pg_logical_emit_message() heartbeats are streamed (12 and 13 refuse the option, so
// there heartbeats still write WAL but do not arrive as messages). Checks the slot name.
std::string start_replication_sql(std::string_view slot, Lsn start,
                                  const std::vector<std::string>& publications, int proto_version,
                                  int server_version_num);

class ReplicationConnection {
 public:
  // Opens a replication session (Connection::open with Protocol::logical_replication): the
  // same errors, plus insufficient_privilege when the role lacks REPLICATION.
  static ReplicationConnection open(const std::string& conninfo, std::string_view purpose);
  static ReplicationConnection open(const ConnectionSource& source, std::string_view purpose);

  ReplicationConnection(ReplicationConnection&&) noexcept = default;
  ReplicationConnection& operator=(ReplicationConnection&&) noexcept = default;
  // Closes the connection; a stream still open simply ends (the server notices the socket
  // close). Call finish() first to end it cleanly.
  ~ReplicationConnection() = default;

  SystemIdentity identify_system();

  // Creates a pgoutput logical slot named `name` and exports the snapshot it starts at.
  // The server waits until every transaction running at that moment has ended.
  //
  // The exported snapshot is valid only while this session runs no other command: the next
  // command (any SQL, START_REPLICATION, even IDENTIFY_SYSTEM) or closing the connection
  // releases it, and SET TRANSACTION SNAPSHOT fails from then on. So `cdc init` keeps this
  // session idle while its export sessions import the snapshot and read the tables; once they
  // all have it, their transactions hold it themselves, and this session may start
  // replication from `consistent_point`. While exported, the snapshot holds back the
  // cluster's xmin (vacuum cannot remove rows it might see), like any long transaction.
  //
  // Errors: slot_busy never (a new slot has no other user); database_error when a slot of
  // that name exists already (the message says so and how to drop it) or slots are exhausted.
  CreatedSlot create_logical_slot(const std::string& name);

  // Starts streaming `slot` from `start` (the server starts at the slot's confirmed_flush_lsn
  // instead when that is later), pgoutput with `proto_version` and `publications`.
  // Errors: slot_busy when another process streams from the slot (another `pgexport cdc
  // run`), slot_lost when the slot does not exist or the server invalidated it,
  // database_error otherwise.
  void start_replication(const std::string& slot, Lsn start,
                         const std::vector<std::string>& publications, int proto_version = 1);

  // The next CopyData payload of the stream (decode it with decode_replication_message), or
  // nullopt when none arrived within `timeout`. Never blocks longer than `timeout` for data
  // (libpq's buffered input is read first; the socket is polled for the rest).
  //
  // Answering the server is the caller's job: a Primary keepalive with reply_requested must
  // be answered with send_status() promptly, and some status must be sent at least every
  // wal_sender_timeout (60 s by default) or the server ends the stream. receive() itself
  // never sends anything, so the caller decides which positions it reports.
  //
  // Throws database_error naming the slot when the stream ends (the server's message if it
  // sent one: a publication that does not exist, a shutdown, a terminated backend) or the
  // connection breaks; slot_lost when the server says the slot was invalidated.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

  // Sends a Standby status update: `flush` is where the slot's confirmed_flush_lsn moves
  // (the server may then drop the WAL before it); `reply_requested` asks for a keepalive in
  // answer. The clock is the system clock now. Sent and flushed before returning.
  void send_status(Lsn write, Lsn flush, Lsn apply, bool reply_requested);

  // Ends the stream cleanly: CopyDone, then reads and discards what the server still sends
  // until it answers with its own CopyDone and the command's result, or `timeout` passes
  // (a server decoding a large transaction may take long to notice; then the connection is
  // left to be closed). Afterwards the session takes commands again. No-op when not
  // streaming.
  void finish(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // True between start_replication() and the end of the stream.
  bool streaming() const { return !slot_.empty(); }
  int server_version() const { return connection_.server_version(); }
  // The server process's id (pg_replication_slots.active_pid while streaming).
  int backend_pid() const { return PQbackendPID(connection_.native()); }
  Connection& connection() { return connection_; }

 private:
  explicit ReplicationConnection(Connection connection) : connection_(std::move(connection)) {}
  // Throws the Error for a failed replication command or stream on `slot`.
  [[noreturn]] void fail_replication(std::string_view what, const PGresult* result);
  // Waits until the socket is readable or `deadline` passes; false at the deadline. (The
  // connection stays in libpq's blocking mode, so no output is ever left pending.)
  bool wait_for_socket(std::chrono::steady_clock::time_point deadline);
  // Reads the results after the stream ended; throws for an error result.
  void end_of_stream();

  Connection connection_;
  std::string slot_;  // the slot being streamed; empty when not streaming
};

}  // namespace pgexport::pg::replication
