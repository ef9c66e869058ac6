// How much of the process's memory is resident now, for log lines that show memory being given
// back (a reopened connection, say).
#pragma once

#include <cstdint>
#include <optional>

namespace pgexport {

// The process's resident set in bytes, from /proc/self/statm; empty where that cannot be read
// (not Linux, or /proc not mounted).
std::optional<uint64_t> resident_bytes() noexcept;

}  // namespace pgexport
