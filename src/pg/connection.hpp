// RAII over libpq: a Connection owns a PGconn, a Result owns a PGresult. Failures become
// pgexport::Error with a kind that tells the user what to do (unreachable vs. bad password).
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection_source.hpp"

namespace pgexport::pg {

class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view value(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  std::string text(int row, int column) const { return std::string(value(row, column)); }
  long long integer(int row, int column) const;
  bool boolean(int row, int column) const { return value(row, column) == "t"; }
  PGresult* native() const { return result_.get(); }
  // True when the statement succeeded (command or rows).
  bool ok() const;
  // The five-character SQLSTATE of a failure ("42501"), or empty.
  std::string sqlstate() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// What the server process behind a connection speaks.
enum class Protocol {
  ordinary,  // SQL
  // `replication=database`: a WAL sender bound to the connection's database, which takes the
  // replication commands (IDENTIFY_SYSTEM, CREATE_REPLICATION_SLOT, START_REPLICATION) and
  // plain SQL. The role needs the REPLICATION attribute (rds_replication on RDS).
  logical_replication,
};

class Connection {
 public:
  // Connects with a libpq connection string or URI; empty means "libpq's environment"
  // (PGHOST, PGUSER, PGPASSWORD, PGSSLMODE, ...). `purpose` names the connection in
  // pg_stat_activity.application_name ("pgexport <version> <purpose>") and in error messages.
  // TCP keepalives are on unless the connection string says otherwise, and the session's
  // search_path is empty, so no object of a user schema can stand in for a catalog one.
  // Every session, ordinary or replication, is opened here, so all get the same settings.
  static Connection open(const std::string& conninfo, std::string_view purpose,
                         Protocol protocol = Protocol::ordinary);
  // The same with the source's connection string and, when it has one, a password it makes
  // for this session alone (an RDS IAM token made now).
  static Connection open(const ConnectionSource& source, std::string_view purpose,
                         Protocol protocol = Protocol::ordinary);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one statement (or several, without parameters) and throws database_error on failure.
  Result exec(std::string_view sql);
  // Runs one statement with text parameters.
  Result exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params);
  // Runs one statement and returns its result whatever the outcome, for callers that handle
  // some SQLSTATEs themselves (check ok() and sqlstate()).
  Result try_exec(std::string_view sql);
  // The same with text parameters.
  Result try_exec_params(std::string_view sql,
                         const std::vector<std::optional<std::string>>& params);

  int server_version() const { return PQserverVersion(conn_.get()); }
  PGconn* native() const { return conn_.get(); }
  const std::string& purpose() const { return purpose_; }

  // Asks the server to cancel the statement in progress; callable from another thread.
  void cancel() noexcept;

  // The server's message for the last failure, one line, never containing a password.
  std::string last_error() const;

  // libpq receives each message whole into the connection's input buffer, which grows to the
  // largest message and is never made smaller: only closing the connection gives it back.
  // Readers of large messages (CopyStream: one COPY row each) record their sizes here, so the
  // owner can tell what the connection holds.
  void record_message(uint64_t bytes) noexcept {
    largest_message_bytes_ = std::max(largest_message_bytes_, bytes);
  }
  // The largest message recorded since the connection was opened.
  uint64_t largest_message_bytes() const noexcept { return largest_message_bytes_; }

 private:
  Connection(PGconn* conn, std::string purpose);
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string purpose_;
  uint64_t largest_message_bytes_ = 0;
};

// What to do when row-level security would hide rows from the export's role.
inline constexpr std::string_view kRowSecurityAdvice =
    "export as the table's owner or a role with BYPASSRLS, or --exclude it";

// Shortens a libpq/server message to its first line without trailing whitespace.
std::string first_line(std::string_view message);

// Throws the Error for a failed statement: `what` ("query", "COPY") failed on `purpose`'s
// connection. A missing privilege or a row-level security policy (SQLSTATE 42501) is
// insufficient_privilege with what to do about it; anything else is database_error.
[[noreturn]] void fail_statement(std::string_view what, std::string_view purpose,
                                 std::string_view sqlstate, std::string_view server_message);

// The same for a libpq result.
[[noreturn]] void fail_statement(std::string_view what, std::string_view purpose,
                                 const PGresult* result);

}  // namespace pgexport::pg
