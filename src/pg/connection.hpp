// RAII over libpq: a Connection owns a PGconn, a Result owns a PGresult. Failures become
// pgexport::Error with a kind that tells the user what to do (unreachable vs. bad password).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection {
 public:
  // Connects with a libpq connection string or URI; empty means "libpq's environment"
  // (PGHOST, PGUSER, PGPASSWORD, PGSSLMODE, ...). `purpose` names the connection in
  // pg_stat_activity.application_name and in error messages.
  static Connection open(const std::string& conninfo, std::string_view purpose);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one statement (or several, without parameters) and throws database_error on failure.
  Result exec(std::string_view sql);
  // Runs one statement with text parameters.
  Result exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params);

  int server_version() const { return PQserverVersion(conn_.get()); }
  PGconn* native() const { return conn_.get(); }
  const std::string& purpose() const { return purpose_; }

  // Asks the server to cancel the statement in progress; callable from another thread.
  void cancel() noexcept;

  // The server's message for the last failure, one line, never containing a password.
  std::string last_error() const;

 private:
  Connection(PGconn* conn, std::string purpose);
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string purpose_;
};

// Shortens a libpq/server message to its first line without trailing whitespace.
std::string first_line(std::string_view message);

}  // namespace pgexport::pg
