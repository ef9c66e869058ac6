#include "cli/database_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "cli/rds_iam_login.hpp"
#include "cli/secret_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::cli {

namespace {

constexpr std::string_view kFileOption = "--password-file (or PGEXPORT_PASSWORD_FILE)";

// libpq's quoting of a value in a key=value connection string: single quotes, with \ and '
// escaped by a backslash.
std::string quote_value(std::string_view value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

}  // namespace

std::string read_password_file(const std::string& path) {
  return read_secret_file(path, {kFileOption, "the database password", "password"});
}

ConnectionOptions parse_connection_string(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
  if (!options) {
    // libpq's message quotes the text around the mistake, which may be the password.
    PQfreemem(error);
    fail(ErrorKind::usage,
         "--source (or PGEXPORT_SOURCE) is not a valid connection string: write key=value pairs "
         "or a postgresql:// URI");
  }
  ConnectionOptions result;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr) result.emplace_back(option->keyword, option->val);
  }
  return result;
}

std::string connection_string(const ConnectionOptions& options) {
  std::string result;
  for (const auto& [keyword, value] : options) {
    if (!result.empty()) result += ' ';
    result += keyword;
    result += '=';
    result += quote_value(value);
  }
  return result;
}

std::string with_password(const std::string& conninfo, const std::string& password) {
  ConnectionOptions options = parse_connection_string(conninfo);
  for (const auto& [keyword, value] : options) {
    if (keyword == "password") {
      fail(ErrorKind::usage,
           "--source (or PGEXPORT_SOURCE) holds a password and {} gives one too; give the "
           "password in one place only",
           kFileOption);
    }
  }
  options.emplace_back("password", password);
  return connection_string(options);
}

void warn_if_tls_unverified(const ConnectionOptions& options) {
  auto value = [&](std::string_view keyword, const char* variable) -> std::string {
    for (const auto& [key, text] : options) {
      if (key == keyword) return text;
    }
    const char* environment = std::getenv(variable);
    return environment ? environment : "";
  };
  const std::string sslmode = value("sslmode", "PGSSLMODE");
  if (sslmode.empty() || sslmode == "verify-full") return;  // pgexport's default is verify-full
  // Only TCP hosts use TLS: a host that is empty (libpq's socket default) or a directory is a
  // Unix socket.
  const std::string hosts = value("host", "PGHOST") + value("hostaddr", "PGHOSTADDR");
  bool tcp = false;
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t end = std::min(hosts.find(',', start), hosts.size());
    std::string_view host(hosts.data() + start, end - start);
    if (!host.empty() && host.front() != '/' && host.front() != '@') tcp = true;
    start = end + 1;
  }
  if (!tcp) return;
  log::warn(sslmode == "verify-ca"
                ? "TLS to PostgreSQL checks the certificate's CA but not the host name it names "
                  "(sslmode=verify-ca); use sslmode=verify-full"
                : "TLS to PostgreSQL does not verify the server, so another host could answer in "
                  "its place; use sslmode=verify-full with sslrootcert=FILE",
            {{"sslmode", sslmode}});
}

std::string database_connection_string(const Settings& settings) {
  std::string source = settings.text("source").value_or("");
  // Parsed here, before any connection: a malformed string is a usage error (libpq would
  // report it as a failed connection, which reads as a network problem a retry might cure), and
  // an sslmode below verify-full is warned about once for the run.
  warn_if_tls_unverified(parse_connection_string(source));
  const auto path = settings.text("password-file");
  if (!path) return source;
  std::string connection = with_password(source, read_password_file(*path));
  // libpq would take a password in the connection string over PGPASSWORD silently; say so, so
  // that rotating only one of the two does not puzzle anyone.
  if (const char* environment = std::getenv("PGPASSWORD"); environment && *environment) {
    log::warn("PGPASSWORD is set but not used: --password-file gives the password",
              {{"password_file", *path}});
  }
  return connection;
}

pg::ConnectionSource database_connection(const Settings& settings) {
  if (!settings.flag("rds-iam")) return {database_connection_string(settings), nullptr, ""};
  if (settings.text("password-file")) {
    fail(ErrorKind::usage,
         "--rds-iam logs in with a token made for each session, and {} gives a password too; "
         "give one of them",
         kFileOption);
  }
  return rds_iam_connection(settings);
}

}  // namespace pgexport::cli
