// The connection string every database session of a command opens (coordinator, workers,
// slot administration, the replication stream): --source, with the password of
// --password-file put into it when that is given. pg::Connection::open takes it unchanged, so
// every session of the command, ordinary or replication, logs in the same way.
#pragma once

#include <string>

#include "cli/options.hpp"

namespace pgexport::cli {

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

// `conninfo` (key=value pairs or a postgresql:// URI; empty: libpq's PG* environment) as
// key=value pairs with password=`password` added. Throws Error(usage) when `conninfo` cannot
// be parsed or already holds a password; the message never quotes the connection string.
std::string with_password(const std::string& conninfo, const std::string& password);

}  // namespace pgexport::cli
