#include "pg/connection_failure.hpp"

#include "pg/connection.hpp"

namespace pgexport::pg {

// libpq does not expose a SQLSTATE for a failed connection, so each cause is recognised by the
// server's or libpq's wording, which is stable across versions.

bool is_authentication_failure(std::string_view message) {
  // Password and other authentication failures, and a role the server does not have.
  return message.find("password authentication failed") != std::string_view::npos ||
         message.find("authentication failed") != std::string_view::npos ||
         message.find("no password supplied") != std::string_view::npos ||
         message.find("no pg_hba.conf entry") != std::string_view::npos ||
         message.find("is not permitted to log in") != std::string_view::npos ||
         (message.find("role \"") != std::string_view::npos &&
          message.find("does not exist") != std::string_view::npos);
}

// The server's wording for a dbname it does not have (SQLSTATE 3D000, which libpq does not
// expose for a failed connection). Reported apart from a refused login: the user is known and
// the password right, the configuration names the wrong database.
bool is_missing_database(std::string_view message) {
  return message.find("database \"") != std::string_view::npos &&
         message.find("does not exist") != std::string_view::npos;
}

// libpq's wording when the certificate check fails or cannot start: no root certificate file,
// an unknown CA, a host name the certificate does not name, a server without TLS.
bool is_tls_failure(std::string_view message) {
  for (std::string_view sign :
       {"root certificate file", "certificate verify failed", "does not match host name",
        "server does not support SSL", "SSL error", "could not get server's host name"}) {
    if (message.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

bool is_missing_replication_privilege(std::string_view message) {
  // Up to PostgreSQL 15: "must be superuser or replication role to start walsender";
  // from 16: "permission denied to start WAL sender".
  return message.find("replication role to start walsender") != std::string_view::npos ||
         message.find("permission denied to start WAL sender") != std::string_view::npos;
}

std::string connection_failure_line(std::string_view message) {
  std::string fallback;
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(start, end - start);
    start = end + 1;
    // Indented lines are libpq's hints under an attempt ("\tIs the server running ...").
    if (line.empty() || line.front() == '\t' || line.front() == ' ') continue;
    if (is_missing_replication_privilege(line) || is_missing_database(line) ||
        is_authentication_failure(line) || is_tls_failure(line)) {
      return first_line(line);
    }
    if (fallback.empty()) fallback = first_line(line);
  }
  return fallback.empty() ? first_line(message) : fallback;
}

}  // namespace pgexport::pg
