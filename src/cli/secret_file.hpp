// Secrets mounted as files (a Kubernetes Secret, a systemd credential, an ECS bind mount): the
// database password of --password-file and the hash key of --hash-key-file.
#pragma once

#include <string>
#include <string_view>

namespace pgexport::cli {

struct SecretFileRules {
  std::string_view option;  // "--password-file (or PGEXPORT_PASSWORD_FILE)", for messages
  std::string_view holds;   // what the file must hold: "the database password"
  std::string_view kind;    // "password": "... so it is not a password file"
};

// The secret in a file: its whole content less one trailing newline ("\n" or "\r\n"), as a
// mounted secret or `echo secret > file` leaves it. Throws Error(usage) naming the option and
// `path`, never the content, when the file is missing, unreadable, empty, larger than 64 KiB,
// or holds more than one line or a NUL byte.
std::string read_secret_file(const std::string& path, const SecretFileRules& rules);

}  // namespace pgexport::cli
