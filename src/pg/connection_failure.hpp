// What a failed connection's libpq message says: the cause pgexport names in its error (and
// the advice it gives), recognised from the wording, and the line worth showing.
#pragma once

#include <string>
#include <string_view>

namespace pgexport::pg {

// The login was refused: a wrong password, no pg_hba.conf entry, a role that may not log in
// or does not exist.
bool is_authentication_failure(std::string_view message);

// The database the connection names does not exist.
bool is_missing_database(std::string_view message);

// The server's certificate could not be verified, or TLS could not start.
bool is_tls_failure(std::string_view message);

// The role may not open a replication connection.
bool is_missing_replication_privilege(std::string_view message);

// The line of a failed connection's message that says most about why. libpq tries each host,
// and each address of a host name, in turn and reports every attempt on a line of its own:
// "localhost" refused on ::1 and then failing its certificate check on 127.0.0.1 would
// otherwise be reported as a refused connection. The first attempt's line that names a known
// cause (above), else the first line; without trailing white space.
std::string connection_failure_line(std::string_view message);

}  // namespace pgexport::pg
