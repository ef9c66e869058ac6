// The one error vocabulary of pgexport: every failure that ends a job is an Error with a kind,
// and each kind has a name, a retryable flag and a process exit code, declared once below.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace pgexport {

// X(name, retryable, exit_code, summary). Exit codes are part of the CLI contract and are
// documented in docs/exit-codes.md; never renumber an existing kind.
#define PGEXPORT_ERROR_KINDS(X)                                                                 \
  X(usage, false, 2, "invalid command line, environment variable or configuration file")        \
  X(connection_failed, true, 3, "the database could not be reached")                            \
  X(authentication_failed, false, 4, "the database refused the credentials")                    \
  X(nothing_to_export, false, 5, "no table matched the include/exclude patterns")               \
  X(destination_unwritable, false, 6, "the destination cannot be written")                      \
  X(run_exists, false, 7, "the destination already holds a run with this id")                   \
  X(database_error, false, 8, "a query or COPY failed on the database")                         \
  X(storage_error, false, 9, "writing to the destination failed")                               \
  X(storage_transient, true, 10, "the destination failed in a way that may pass on retry")      \
  X(credentials_error, false, 11, "cloud credentials could not be obtained")                    \
  X(data_error, false, 12, "a value could not be converted exactly")                            \
  X(interrupted, false, 13, "the job was interrupted by a signal")                              \
  X(verification_failed, false, 14, "a committed run does not match its manifest")              \
  X(insufficient_privilege, false, 15, "the database role cannot read every row it must")       \
  X(slot_lost, false, 16,                                                                       \
    "the replication slot is missing, invalid, or ahead of the commit log; re-run "             \
    "`pgexport cdc init`")                                                                      \
  X(slot_busy, true, 17, "another process is using the replication slot")                       \
  X(runtime_api, false, 18, "the Lambda Runtime API failed or ended the execution environment") \
  X(deadline, false, 19, "the export could not finish before the Lambda invocation deadline")   \
  X(table_conflict, true, 20, "another writer committed the same Delta table version first")    \
  X(internal, false, 70, "an internal error (a bug in pgexport)")

enum class ErrorKind {
#define PGEXPORT_ERROR_ENUM(name, retryable, exit_code, summary) name,
  PGEXPORT_ERROR_KINDS(PGEXPORT_ERROR_ENUM)
#undef PGEXPORT_ERROR_ENUM
};

struct ErrorKindInfo {
  std::string_view name;
  bool retryable;
  int exit_code;
  std::string_view summary;
};

// Facts about a kind, from the table above.
const ErrorKindInfo& error_kind_info(ErrorKind kind);

// An error that ends the job. The message says what failed, on which table or object, and
// what to do about it; it never contains a secret.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message)
      : std::runtime_error(std::move(message)), kind_(kind) {}

  ErrorKind kind() const { return kind_; }
  bool retryable() const { return error_kind_info(kind_).retryable; }
  int exit_code() const { return error_kind_info(kind_).exit_code; }

 private:
  ErrorKind kind_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace pgexport
