#include "pg/replication/replication_connection.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "pg/replication/replication_messages.hpp"
#include "pg/server_version.hpp"
#include "pg/types.hpp"

namespace pgexport::pg::replication {

namespace {

// NAMEDATALEN (64) less the terminating zero.
constexpr size_t kMaxSlotNameLength = 63;
// PostgreSQL 15 documents CREATE_REPLICATION_SLOT's option list; 14 and older know only keywords.
constexpr int kSlotOptionListMajor = 15;
// pgoutput's `messages` option (stream pg_logical_emit_message) is PostgreSQL 14's.
constexpr int kPgoutputMessagesMajor = 14;

// A string literal of the replication command grammar: quotes doubled, no backslash escapes.
std::string quote_literal(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

std::string error_field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value == nullptr ? std::string() : std::string(value);
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

void check_slot_name(std::string_view name) {
  bool valid = !name.empty() && name.size() <= kMaxSlotNameLength;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) valid = false;
  }
  if (!valid) {
    fail(ErrorKind::usage,
         "invalid replication slot name '{}': use 1 to {} lower-case letters, digits and "
         "underscores",
         name, kMaxSlotNameLength);
  }
}

std::string create_logical_slot_sql(std::string_view slot, int server_version_num) {
  check_slot_name(slot);
  std::string name = quote_identifier(std::string(slot));
  if (major_version(server_version_num) >= kSlotOptionListMajor) {
    return fmt::format("CREATE_REPLICATION_SLOT {} LOGICAL pgoutput (SNAPSHOT 'export')", name);
  }
  return fmt::format("CREATE_REPLICATION_SLOT {} LOGICAL pgoutput EXPORT_SNAPSHOT", name);
}

std::string start_replication_sql(std::string_view slot, Lsn start,
                                  const std::vector<std::string>& publications, int proto_version,
                                  int server_version_num) {
  check_slot_name(slot);
  // pgoutput splits publication_names like a list of SQL identifiers: quote each one.
  std::string names;
  for (const std::string& publication : publications) {
    if (!names.empty()) names += ',';
    names += quote_identifier(publication);
  }
  std::string sql = fmt::format(
      "START_REPLICATION SLOT {} LOGICAL {} (proto_version '{}', publication_names {}",
      quote_identifier(std::string(slot)), start.to_string(), proto_version, quote_literal(names));
  if (major_version(server_version_num) >= kPgoutputMessagesMajor) sql += ", messages 'true'";
  sql += ")";
  return sql;
}

ReplicationConnection ReplicationConnection::open(const std::string& conninfo,
                                                  std::string_view purpose) {
  return ReplicationConnection(Connection::open(conninfo, purpose, Protocol::logical_replication));
}

ReplicationConnection ReplicationConnection::open(const ConnectionSource& source,
                                                  std::string_view purpose) {
  return ReplicationConnection(Connection::open(source, purpose, Protocol::logical_replication));
}

SystemIdentity ReplicationConnection::identify_system() {
  Result result = connection_.exec("IDENTIFY_SYSTEM");
  if (result.rows() != 1 || PQnfields(result.native()) < 4) {
    fail(ErrorKind::database_error,
         "IDENTIFY_SYSTEM on the {} connection returned {} rows of {} columns, not 1 of 4",
         connection_.purpose(), result.rows(), PQnfields(result.native()));
  }
  SystemIdentity identity;
  identity.systemid = result.text(0, 0);
  identity.timeline = static_cast<int>(result.integer(0, 1));
  identity.xlogpos = Lsn::parse(result.value(0, 2));
  if (!result.is_null(0, 3)) identity.dbname = result.text(0, 3);
  return identity;
}

CreatedSlot ReplicationConnection::create_logical_slot(const std::string& name) {
  Result result = connection_.try_exec(create_logical_slot_sql(name, server_version()));
  if (!result.ok()) {
    // 42710 duplicate_object: "replication slot "x" already exists".
    if (result.sqlstate() == "42710") {
      fail(ErrorKind::database_error,
           "cannot create replication slot {}: a slot of that name exists already (`pgexport "
           "cdc status` shows it; `pgexport cdc drop` removes it)",
           name);
    }
    fail_statement("CREATE_REPLICATION_SLOT", connection_.purpose(), result.native());
  }
  CreatedSlot slot;
  slot.slot_name = result.text(0, 0);
  slot.consistent_point = Lsn::parse(result.value(0, 1));
  slot.snapshot_name = result.text(0, 2);
  slot.output_plugin = result.text(0, 3);
  return slot;
}

void ReplicationConnection::fail_replication(std::string_view what, const PGresult* result) {
  std::string slot = slot_;
  slot_.clear();  // whatever failed, the stream is over
  std::string sqlstate = error_field(result, PG_DIAG_SQLSTATE);
  std::string primary = first_line(error_field(result, PG_DIAG_MESSAGE_PRIMARY));
  std::string detail = first_line(error_field(result, PG_DIAG_MESSAGE_DETAIL));
  if (primary.empty()) primary = first_line(PQresultErrorMessage(result));
  // 55006 object_in_use: "replication slot "x" is active for PID 1234".
  if (sqlstate == "55006" || contains(primary, "is active for PID")) {
    fail(ErrorKind::slot_busy,
         "{} on replication slot {} failed: {}; another `pgexport cdc run` (or another client) "
         "is using the slot: wait for it to end or stop it",
         what, slot, primary);
  }
  // 42704 undefined_object: "replication slot "x" does not exist".
  if (sqlstate == "42704" && contains(primary, "replication slot")) {
    fail(ErrorKind::slot_lost, "{} failed: {}; {}", what, primary,
         error_kind_info(ErrorKind::slot_lost).summary);
  }
  // max_slot_wal_keep_size (13+) or a conflict on a standby (16+) invalidated the slot:
  // "cannot read from logical replication slot" (13-15), "can no longer get changes from
  // replication slot" (16+), with "This slot has been invalidated ..." as detail.
  if (contains(primary, "can no longer") || contains(detail, "invalidated")) {
    fail(ErrorKind::slot_lost, "{} on replication slot {} failed: {} ({}); {}", what, slot, primary,
         detail, error_kind_info(ErrorKind::slot_lost).summary);
  }
  fail(ErrorKind::database_error, "{} on replication slot {} failed on the {} connection: {}", what,
       slot, connection_.purpose(), primary);
}

void ReplicationConnection::start_replication(const std::string& slot, Lsn start,
                                              const std::vector<std::string>& publications,
                                              int proto_version) {
  if (streaming()) {
    fail(ErrorKind::internal, "start_replication on slot {} while streaming from slot {}", slot,
         slot_);
  }
  std::string sql =
      start_replication_sql(slot, start, publications, proto_version, server_version());
  slot_ = slot;
  Result result(PQexec(connection_.native(), sql.c_str()));
  if (PQresultStatus(result.native()) != PGRES_COPY_BOTH) {
    fail_replication("START_REPLICATION", result.native());
  }
}

bool ReplicationConnection::wait_for_socket(std::chrono::steady_clock::time_point deadline) {
  pollfd descriptor{};
  descriptor.fd = PQsocket(connection_.native());
  descriptor.events = POLLIN;
  if (descriptor.fd < 0) {
    std::string slot = slot_;
    slot_.clear();
    fail(ErrorKind::database_error, "replication from slot {} lost its connection: {}", slot,
         connection_.last_error());
  }
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // Rounded up: a wait never ends before the deadline it was given.
    auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    int ready = ::poll(&descriptor, 1, static_cast<int>(remaining.count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) {
      std::string slot = slot_;
      slot_.clear();
      fail(ErrorKind::database_error, "replication from slot {}: poll failed: {}", slot,
           std::strerror(errno));
    }
    // A timeout or a signal: look at the clock again.
  }
}

void ReplicationConnection::end_of_stream() {
  // The server ended the COPY: its result says why (an error, or the end of a clean finish).
  std::optional<Result> error;
  while (PGresult* raw = PQgetResult(connection_.native())) {
    Result result(raw);
    if (!result.ok() && !error) error.emplace(std::move(result));
  }
  if (error) fail_replication("streaming", error->native());
}

std::optional<std::string> ReplicationConnection::receive(std::chrono::milliseconds timeout) {
  if (!streaming()) fail(ErrorKind::internal, "receive without START_REPLICATION");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  PGconn* conn = connection_.native();
  while (true) {
    char* buffer = nullptr;
    // async=1: return what libpq has buffered, never wait for the network here.
    int length = PQgetCopyData(conn, &buffer, 1);
    if (length > 0) {
      std::string payload(buffer, static_cast<size_t>(length));
      PQfreemem(buffer);
      return payload;
    }
    if (length == -1) {
      std::string slot = slot_;
      end_of_stream();  // throws for an error result
      slot_.clear();
      fail(ErrorKind::database_error,
           "replication from slot {} ended: the server closed the stream (a shutdown or a "
           "terminated WAL sender); run again",
           slot);
    }
    if (length == -2) {
      std::string slot = slot_;
      slot_.clear();
      fail(ErrorKind::database_error, "replication from slot {} failed: {}", slot,
           connection_.last_error());
    }
    // Nothing complete is buffered: wait for the socket, then read what arrived.
    if (!wait_for_socket(deadline)) return std::nullopt;
    if (PQconsumeInput(conn) == 0) {
      std::string slot = slot_;
      slot_.clear();
      fail(ErrorKind::database_error, "replication from slot {} lost its connection: {}", slot,
           connection_.last_error());
    }
  }
}

void ReplicationConnection::send_status(Lsn write, Lsn flush, Lsn apply, bool reply_requested) {
  if (!streaming()) fail(ErrorKind::internal, "send_status without START_REPLICATION");
  StandbyStatusUpdate update;
  update.written = write;
  update.flushed = flush;
  update.applied = apply;
  update.clock = to_pg_timestamp(std::chrono::system_clock::now());
  update.reply_requested = reply_requested;
  std::string payload = encode_standby_status_update(update);
  PGconn* conn = connection_.native();
  if (PQputCopyData(conn, payload.data(), static_cast<int>(payload.size())) != 1 ||
      PQflush(conn) != 0) {
    std::string slot = slot_;
    slot_.clear();
    fail(ErrorKind::database_error,
         "replication from slot {}: sending the status update (flush {}) failed: {}", slot,
         flush.to_string(), connection_.last_error());
  }
}

void ReplicationConnection::finish(std::chrono::milliseconds timeout) {
  if (!streaming()) return;
  // However this ends, the stream is over.
  struct ClearOnExit {
    std::string& slot;
    ~ClearOnExit() { slot.clear(); }
  } clear_on_exit{slot_};
  const std::string& slot = slot_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  PGconn* conn = connection_.native();
  if (PQputCopyEnd(conn, nullptr) != 1 || PQflush(conn) != 0) {
    fail(ErrorKind::database_error, "replication from slot {}: ending the stream failed: {}", slot,
         connection_.last_error());
  }
  // The server may still send what it had decoded before our CopyDone reached it.
  while (true) {
    char* buffer = nullptr;
    int length = PQgetCopyData(conn, &buffer, 1);
    if (length > 0) {
      PQfreemem(buffer);
      continue;
    }
    if (length == -1) break;  // the server's CopyDone
    if (length == -2 || (length == 0 && (!wait_for_socket(deadline) || !PQconsumeInput(conn)))) {
      return;  // broken or too slow: leave the connection to be closed
    }
  }
  // Then its CommandComplete and ReadyForQuery, without waiting past the deadline.
  while (true) {
    while (PQisBusy(conn) != 0) {
      if (!wait_for_socket(deadline) || !PQconsumeInput(conn)) return;
    }
    PGresult* raw = PQgetResult(conn);
    if (raw == nullptr) return;
    Result result(raw);
    if (!result.ok()) {
      fail(ErrorKind::database_error, "replication from slot {} ended with an error: {}", slot,
           first_line(PQresultErrorMessage(raw)));
    }
  }
}

}  // namespace pgexport::pg::replication
