#include "pg/connection.hpp"

#include <fmt/format.h>

#include <charconv>

#include "common/error.hpp"

namespace pgexport::pg {

std::string first_line(std::string_view message) {
  auto end = message.find('\n');
  std::string line(message.substr(0, end));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  // libpq prefixes connection failures with the socket path or host; keep them, they help.
  return line;
}

long long Result::integer(int row, int column) const {
  auto text = value(row, column);
  long long number = 0;
  std::from_chars(text.data(), text.data() + text.size(), number);
  return number;
}

Connection::Connection(PGconn* conn, std::string purpose)
    : conn_(conn, &PQfinish), purpose_(std::move(purpose)) {}

namespace {
bool is_authentication_failure(std::string_view message) {
  // libpq does not expose a SQLSTATE for failed connections, so recognise the server's
  // wording (stable across versions) for password/auth failures.
  return message.find("password authentication failed") != std::string_view::npos ||
         message.find("authentication failed") != std::string_view::npos ||
         message.find("no password supplied") != std::string_view::npos ||
         message.find("no pg_hba.conf entry") != std::string_view::npos ||
         message.find("is not permitted to log in") != std::string_view::npos ||
         message.find("does not exist") != std::string_view::npos;
}
}  // namespace

Connection Connection::open(const std::string& conninfo, std::string_view purpose) {
  std::string application_name = fmt::format("pgexport {}", purpose);
  const char* keywords[] = {"dbname", "application_name", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.empty() ? nullptr : conninfo.c_str(), application_name.c_str(),
                          "pgexport", nullptr};
  // expand_dbname=1 lets `conninfo` be a full connection string or URI.
  PGconn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) throw std::bad_alloc();
  Connection connection(raw, std::string(purpose));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = first_line(PQerrorMessage(raw));
    if (is_authentication_failure(message)) {
      fail(ErrorKind::authentication_failed,
           "cannot log in to the database: {} (check the user and password in --source, "
           "PGUSER/PGPASSWORD or ~/.pgpass)",
           message);
    }
    fail(ErrorKind::connection_failed,
         "cannot connect to the database: {} (check --source / PGHOST / PGPORT and that the "
         "server accepts connections)",
         message);
  }
  return connection;
}

std::string Connection::last_error() const {
  return first_line(PQerrorMessage(conn_.get()));
}

Result Connection::exec(std::string_view sql) {
  Result result(PQexec(conn_.get(), std::string(sql).c_str()));
  auto status = PQresultStatus(result.native());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(ErrorKind::database_error, "query failed on the {} connection: {}", purpose_,
         first_line(PQresultErrorMessage(result.native())));
  }
  return result;
}

Result Connection::exec_params(std::string_view sql,
                               const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  Result result(PQexecParams(conn_.get(), std::string(sql).c_str(), static_cast<int>(values.size()),
                             nullptr, values.data(), nullptr, nullptr, 0));
  auto status = PQresultStatus(result.native());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(ErrorKind::database_error, "query failed on the {} connection: {}", purpose_,
         first_line(PQresultErrorMessage(result.native())));
  }
  return result;
}

void Connection::cancel() noexcept {
  PGcancel* handle = PQgetCancel(conn_.get());
  if (handle == nullptr) return;
  char buffer[256];
  PQcancel(handle, buffer, sizeof buffer);
  PQfreeCancel(handle);
}

}  // namespace pgexport::pg
