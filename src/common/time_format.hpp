// RFC 3339 / ISO 8601 renderings of wall-clock time, always in UTC.
#pragma once

#include <chrono>
#include <string>

namespace pgexport {

// "2026-11-24T20:35:43.123Z": logs and manifests.
std::string format_utc_timestamp(std::chrono::system_clock::time_point time);

// "20261124T203543Z": run ids and SigV4 dates; sorts lexically in time order.
std::string format_utc_compact(std::chrono::system_clock::time_point time);

}  // namespace pgexport
