// What every command does first with the shared option groups (options.hpp): configure logging
// from --log-format/--log-level, and open the destination from --destination and the S3
// options, the same way for every command.
#pragma once

#include <memory>

#include "cli/options.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

void configure_logging(const Settings& settings);

// The destination of a command that reads it and removes from it, but writes no large
// objects (ls, verify, cleanup).
std::unique_ptr<storage::Storage> open_destination(const Settings& settings);

// "1.2 GiB", "512 B".
std::string human_bytes(uint64_t bytes);

}  // namespace pgexport::cli
