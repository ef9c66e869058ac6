#include "pg/connection.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <vector>

#include "common/error.hpp"
#include "pg/connection_failure.hpp"

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

bool Result::ok() const {
  auto status = PQresultStatus(result_.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string Result::sqlstate() const {
  const char* code = PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE);
  return code == nullptr ? std::string() : std::string(code);
}

void fail_statement(std::string_view what, std::string_view purpose, std::string_view sqlstate,
                    std::string_view server_message) {
  std::string message = first_line(server_message);
  // 42501 insufficient_privilege: "permission denied for table t" or, with row_security off,
  // "query would be affected by row-level security policy for table t".
  if (sqlstate == "42501") {
    bool row_security = message.find("row-level security") != std::string::npos;
    fail(ErrorKind::insufficient_privilege, "{} failed on the {} connection: {} ({})", what,
         purpose, message,
         row_security ? kRowSecurityAdvice
                      : "grant the role SELECT on the table and USAGE on its schema, or "
                        "--exclude it");
  }
  fail(ErrorKind::database_error, "{} failed on the {} connection: {}", what, purpose, message);
}

void fail_statement(std::string_view what, std::string_view purpose, const PGresult* result) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  fail_statement(what, purpose, sqlstate == nullptr ? "" : sqlstate, PQresultErrorMessage(result));
}

Connection::Connection(PGconn* conn, std::string purpose)
    : conn_(conn, &PQfinish), purpose_(std::move(purpose)) {}

namespace {

// TCP keepalives, given before the user's connection string so that an explicit setting there
// wins. The coordinator sits idle in its transaction for the whole export while the workers
// copy, and ECS tasks reach RDS through NAT gateways and load balancers that silently drop a
// connection idle for 350 s; Linux would send its first keepalive only after 2 hours.
struct ConnectionDefault {
  const char* keyword;
  const char* value;
};
constexpr ConnectionDefault kKeepaliveDefaults[] = {
    // libpq's default is already on; say it, so a server-side default cannot matter.
    {"keepalives", "1"},
    // First probe after 30 s of silence: well inside the shortest middlebox idle timeout.
    {"keepalives_idle", "30"},
    // Then one probe every 10 s ...
    {"keepalives_interval", "10"},
    // ... and 3 unanswered probes declare the peer dead: a vanished server is noticed within
    // about a minute instead of hanging the export until the kernel gives up.
    {"keepalives_count", "3"},
    // Data sent and unacknowledged for 60 s (a query or cancel sent to a server that went
    // away) also ends the connection; keepalives only cover an idle socket, and the kernel's
    // own retransmission limit is about 15 minutes. Matches the keepalive detection time.
    {"tcp_user_timeout", "60000"},
};

}  // namespace

Connection Connection::open(const std::string& conninfo, std::string_view purpose,
                            Protocol protocol) {
  return open(ConnectionSource{conninfo, nullptr, ""}, purpose, protocol);
}

Connection Connection::open(const ConnectionSource& source, std::string_view purpose,
                            Protocol protocol) {
  const std::string& conninfo = source.conninfo;
  // Made now, for this session: a token made when the command started may have expired.
  const std::string password = source.password ? source.password() : std::string();
  std::string application_name = fmt::format("pgexport {} {}", PGEXPORT_VERSION, purpose);
  std::vector<const char*> keywords, values;
  for (const auto& setting : kKeepaliveDefaults) {
    keywords.push_back(setting.keyword);
    values.push_back(setting.value);
  }
  // TLS is verified by default: unless the user chose a mode (in the connection string, or
  // with PGSSLMODE, which an explicit keyword here would override), a TCP session checks the
  // server's certificate and host name. libpq's own default, prefer, encrypts without checking
  // who answers, and falls back to plain text. Unix-socket sessions ignore sslmode.
  if (const char* mode = std::getenv("PGSSLMODE"); mode == nullptr || *mode == '\0') {
    keywords.push_back("sslmode");
    values.push_back("verify-full");
  }
  // Keywords are processed in order and the last value wins: the user's connection string
  // (expanded in place of dbname) overrides the keepalives above, and application_name after
  // it names the connection in pg_stat_activity whatever the user set.
  keywords.insert(keywords.end(), {"dbname", "application_name", "fallback_application_name"});
  values.insert(values.end(), {conninfo.empty() ? nullptr : conninfo.c_str(),
                               application_name.c_str(), "pgexport"});
  if (source.password) {
    // After the user's string, so that it wins over a password there and over PGPASSWORD.
    keywords.push_back("password");
    values.push_back(password.c_str());
  }
  if (protocol == Protocol::logical_replication) {
    // After the user's string, so that it cannot turn a replication session into another.
    keywords.push_back("replication");
    values.push_back("database");
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname=1 lets `conninfo` be a full connection string or URI.
  PGconn* raw = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) throw std::bad_alloc();
  Connection connection(raw, std::string(purpose));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = connection_failure_line(PQerrorMessage(raw));
    if (protocol == Protocol::logical_replication && is_missing_replication_privilege(message)) {
      fail(ErrorKind::insufficient_privilege,
           "cannot open a replication connection: {} (grant the role REPLICATION, or on RDS "
           "the rds_replication role)",
           message);
    }
    if (is_missing_database(message)) {
      fail(ErrorKind::usage,
           "the database named by the connection does not exist on the server: {} (check dbname "
           "in --source or PGDATABASE)",
           message);
    }
    if (is_authentication_failure(message)) {
      fail(ErrorKind::authentication_failed, "cannot log in to the database: {} ({})", message,
           source.login_advice.empty()
               ? "check the user and password in --source, PGUSER/PGPASSWORD or ~/.pgpass"
               : source.login_advice);
    }
    if (is_tls_failure(message)) {
      fail(ErrorKind::connection_failed,
           "cannot connect to the database over verified TLS: {} (give the CA that signed the "
           "server's certificate as sslrootcert=FILE in --source, for RDS the region's "
           "certificate bundle, and a host name the certificate names; sslmode=require encrypts "
           "without checking the server, and is warned about on every run)",
           message);
    }
    fail(ErrorKind::connection_failed,
         "cannot connect to the database: {} (check --source / PGHOST / PGPORT and that the "
         "server accepts connections)",
         message);
  }
  // As pg_dump does: with an empty search_path only pg_catalog is searched for functions,
  // operators and types, so a role's search_path cannot put a user's object (a function
  // named like a catalog one, say) in the place of the one our SQL means. Every catalog
  // reference in our SQL is qualified as well. A replication session takes SQL too, and
  // PostgreSQL's own subscriber empties its search_path the same way.
  connection.exec("SELECT pg_catalog.set_config('search_path', '', false)");
  return connection;
}

std::string Connection::last_error() const {
  return first_line(PQerrorMessage(conn_.get()));
}

Result Connection::exec(std::string_view sql) {
  Result result(PQexec(conn_.get(), std::string(sql).c_str()));
  if (!result.ok()) fail_statement("query", purpose_, result.native());
  return result;
}

Result Connection::exec_params(std::string_view sql,
                               const std::vector<std::optional<std::string>>& params) {
  Result result = try_exec_params(sql, params);
  if (!result.ok()) fail_statement("query", purpose_, result.native());
  return result;
}

Result Connection::try_exec(std::string_view sql) {
  return Result(PQexec(conn_.get(), std::string(sql).c_str()));
}

Result Connection::try_exec_params(std::string_view sql,
                                   const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  return Result(PQexecParams(conn_.get(), std::string(sql).c_str(), static_cast<int>(values.size()),
                             nullptr, values.data(), nullptr, nullptr, 0));
}

void Connection::cancel() noexcept {
  PGcancel* handle = PQgetCancel(conn_.get());
  if (handle == nullptr) return;
  char buffer[256];
  PQcancel(handle, buffer, sizeof buffer);
  PQfreeCancel(handle);
}

}  // namespace pgexport::pg
