// PostgreSQL's text forms of date, time, timestamp and timestamptz, as the export session prints
// them (DateStyle=ISO, TimeZone=UTC), read into and printed from the values of their binary send
// forms: days and microseconds counted from 2000-01-01. Pure functions; the readers return
// nullopt for a text PostgreSQL would not print, and the callers name the column.
//
// The forms: "2026-12-01", "0044-03-15 BC" (year 44 BC), "5874897-12-31", "infinity",
// "-infinity"; "24:00:00", "10:00:59.81234" (trailing zeros of the fraction dropped, the
// fraction left out when zero); "2026-12-01 10:00:59.81234" and, for timestamptz,
// "2026-12-01 10:00:59.81234+00" ("+05:30", "-09:30:15" for other offsets), " BC" last.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgexport::format::parquet::pg_text {

// date_send: days since 2000-01-01; -infinity and infinity are INT32_MIN and INT32_MAX.
std::optional<int32_t> parse_date(std::string_view text);
void append_date(std::string& out, int32_t postgres_days);

// time_send: microseconds since midnight, 0 to 86400000000 (24:00:00).
std::optional<int64_t> parse_time(std::string_view text);
void append_time(std::string& out, int64_t micros);

// timestamp_send / timestamptz_send: microseconds since 2000-01-01 00:00 (UTC for timestamptz,
// whose text carries its offset); -infinity and infinity are INT64_MIN and INT64_MAX.
// `with_zone` says whether the text has (and is printed with) an offset.
std::optional<int64_t> parse_timestamp(std::string_view text, bool with_zone);
// Prints timestamptz values in UTC ("+00"), as the export session does.
void append_timestamp(std::string& out, int64_t postgres_micros, bool with_zone);

}  // namespace pgexport::format::parquet::pg_text
