// How every database session of a command logs in (coordinator, workers, slot
// administration, the replication stream): --source, with the password of --password-file put
// into it when that is given, or with --rds-iam a token made for each session. Every session
// opens through pg::Connection::open with the same pg::ConnectionSource, so every session of
// the command, ordinary or replication, logs in the same way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/options.hpp"
#include "pg/connection_source.hpp"

namespace pgexport::cli {

// How every session of the command logs in: --source with the --password-file password
// (database_connection_string), or with --rds-iam a token made for each session as it opens
// (rds_iam_login.hpp). Throws Error(usage) for --rds-iam with --password-file.
pg::ConnectionSource database_connection(const Settings& settings);

// --source with the password from --password-file, read once, here. Without --password-file,
// --source as given (libpq then takes the password from PGPASSWORD or ~/.pgpass). Throws
// Error(usage) naming the file, never its content, when the file cannot be used, and when
// --source already holds a password (one password, given in one place).
std::string database_connection_string(const Settings& settings);

// The password in a password file: its whole content less one trailing newline ("\n" or
// "\r\n"), as a mounted secret or `echo secret > file` leaves it. Throws Error(usage) naming
// `path` when the file is missing, unreadable, empty, larger than a password can be, or holds
// more than one line or a NUL byte.
std::string read_password_file(const std::string& path);

// The keyword/value pairs a connection string sets, in libpq's keyword order. Throws
// Error(usage) when it cannot be parsed; the message never quotes the connection string.
using ConnectionOptions = std::vector<std::pair<std::string, std::string>>;
ConnectionOptions parse_connection_string(const std::string& conninfo);

// The pairs as a key=value connection string, each value quoted as libpq reads it.
std::string connection_string(const ConnectionOptions& options);

// Logs a warning when a session to a TCP host would not verify the server's certificate and
// host name: an sslmode below verify-full, given in `options` or by PGSSLMODE. Once per run.
void warn_if_tls_unverified(const ConnectionOptions& options);

// `conninfo` (key=value pairs or a postgresql:// URI; empty: libpq's PG* environment) as
// key=value pairs with password=`password` added. Throws Error(usage) when `conninfo` cannot
// be parsed or already holds a password; the message never quotes the connection string.
std::string with_password(const std::string& conninfo, const std::string& password);

}  // namespace pgexport::cli
