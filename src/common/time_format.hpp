// RFC 3339 / ISO 8601 renderings of wall-clock time, always in UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pgexport {

// "2026-11-24T20:35:43.123Z": logs and manifests.
std::string format_utc_timestamp(std::chrono::system_clock::time_point time);

// "20261124T203543Z": run ids and SigV4 dates; sorts lexically in time order.
std::string format_utc_compact(std::chrono::system_clock::time_point time);

// Parses what format_utc_timestamp() writes ("2026-11-24T20:35:43.123Z"; the fraction may have
// any number of digits, or be absent); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text);

}  // namespace pgexport
