// What every command does first with the shared option groups (options.hpp): configure logging
// from --log-format/--log-level, and open the destination from --destination and the S3
// options, the same way for every command.
#pragma once

#include <memory>

#include "cli/options.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

// --log-format auto (the default) is text when stderr is a terminal and JSON lines otherwise
// (a container's log driver, a file, a pipe). A value that is not one of the choices counts
// as auto here; validate_options() reports it.
void configure_logging(const Settings& settings);

// Whether stderr is a terminal that can show a live display (not TERM=dumb).
bool stderr_is_terminal();

// The destination of a command that reads it and removes from it, but writes no large
// objects (ls, verify, cleanup).
std::unique_ptr<storage::Storage> open_destination(const Settings& settings);

// "1.2 GiB", "512 B".
std::string human_bytes(uint64_t bytes);

}  // namespace pgexport::cli
