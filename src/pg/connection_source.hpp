// How a command's sessions log in: one connection string for all of them, and optionally a
// password made anew for each session (an RDS IAM token is valid for 15 minutes, and a
// session may be opened hours after the command started: a worker, a reconnect).
#pragma once

#include <functional>
#include <string>

namespace pgexport::pg {

struct ConnectionSource {
  // libpq connection string or URI; empty means libpq's environment (PGHOST, PGUSER, ...).
  std::string conninfo;
  // Called once per session opened, just before it connects; its result is the password,
  // overriding any in `conninfo`, PGPASSWORD or ~/.pgpass. Null: libpq finds the password.
  // The password is never logged nor put in an error message.
  std::function<std::string()> password;
  // What to check when the server refuses the login; empty: the advice for a password from
  // --source, PGPASSWORD or ~/.pgpass.
  std::string login_advice;
};

}  // namespace pgexport::pg
