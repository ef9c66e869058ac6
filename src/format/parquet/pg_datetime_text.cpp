#include "format/parquet/pg_datetime_text.hpp"

#include <fmt/format.h>

#include <climits>

namespace pgexport::format::parquet::pg_text {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// date2j(2000, 1, 1): PostgreSQL counts days and microseconds from 2000-01-01.
constexpr int64_t kPostgresEpochJulianDay = 2'451'545;
// More digits than any PostgreSQL year (5874897 AD) or offset, fewer than overflow int64.
constexpr size_t kMaxYearDigits = 9;

constexpr std::string_view kBcSuffix = " BC";

// PostgreSQL's date2j() and j2date() (src/backend/utils/adt/datetime.c): Julian day numbers of
// the proleptic Gregorian calendar, year 0 being 1 BC. Copied in their arithmetic so every date
// PostgreSQL prints maps to the same day number it sends.
int64_t date_to_julian(int64_t year, int64_t month, int64_t day) {
  if (month > 2) {
    month += 1;
    year += 4800;
  } else {
    month += 13;
    year += 4799;
  }
  const int64_t century = year / 100;
  int64_t julian = year * 365 - 32167;
  julian += year / 4 - century + century / 4;
  julian += 7834 * month / 256 + day;
  return julian;
}

void julian_to_date(int64_t julian_day, int64_t& year, int64_t& month, int64_t& day) {
  uint64_t julian = static_cast<uint64_t>(julian_day) + 32044;
  uint64_t quad = julian / 146097;
  const uint64_t extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + extra / 146097;
  quad = julian / 1461;
  julian -= quad * 1461;
  int64_t y = static_cast<int64_t>(julian * 4 / 1461);
  julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
  y += static_cast<int64_t>(quad * 4);
  year = y - 4800;
  quad = julian * 2141 / 65536;
  day = static_cast<int64_t>(julian - 7834 * quad / 256);
  month = static_cast<int64_t>((quad + 10) % 12 + 1);
}

// Reads exactly `count` digits (or, with count 0, one or more up to `max`) from `text` at `at`.
std::optional<int64_t> read_number(std::string_view text, size_t& at, size_t count,
                                   size_t max = kMaxYearDigits) {
  const size_t start = at;
  int64_t value = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9' &&
         (count == 0 ? at - start < max : at - start < count)) {
    value = value * 10 + (text[at] - '0');
    ++at;
  }
  if (at == start || (count != 0 && at - start != count)) return std::nullopt;
  return value;
}

bool expect(std::string_view text, size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

// "HH:MM:SS[.ffffff]" at `at` as microseconds; hours up to 24.
std::optional<int64_t> read_clock(std::string_view text, size_t& at) {
  auto hours = read_number(text, at, 2);
  if (!hours || !expect(text, at, ':')) return std::nullopt;
  auto minutes = read_number(text, at, 2);
  if (!minutes || !expect(text, at, ':')) return std::nullopt;
  auto seconds = read_number(text, at, 2);
  if (!seconds) return std::nullopt;
  int64_t fraction = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const size_t start = at;
    auto digits = read_number(text, at, 0, 6);
    if (!digits) return std::nullopt;
    fraction = *digits;
    for (size_t i = at - start; i < 6; ++i) fraction *= 10;
  }
  if (*hours > 24 || *minutes > 59 || *seconds > 59) return std::nullopt;
  return ((*hours * 60 + *minutes) * 60 + *seconds) * kMicrosPerSecond + fraction;
}

// "YYYY-MM-DD" at `at` as a Julian day, `bc` applied by the caller; nullopt for no such day.
std::optional<int64_t> read_calendar_date(std::string_view text, size_t& at, bool bc) {
  auto year = read_number(text, at, 0);
  if (!year || !expect(text, at, '-')) return std::nullopt;
  auto month = read_number(text, at, 2);
  if (!month || !expect(text, at, '-')) return std::nullopt;
  auto day = read_number(text, at, 2);
  if (!day || *year == 0 || *month < 1 || *month > 12 || *day < 1 || *day > 31) {
    return std::nullopt;
  }
  const int64_t astronomical_year = bc ? 1 - *year : *year;
  return date_to_julian(astronomical_year, *month, *day);
}

void append_clock(std::string& out, int64_t micros) {
  const int64_t seconds = micros / kMicrosPerSecond;
  fmt::format_to(std::back_inserter(out), "{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60,
                 seconds % 60);
  if (const int64_t fraction = micros % kMicrosPerSecond; fraction != 0) {
    std::string digits = fmt::format("{:06}", fraction);
    digits.erase(digits.find_last_not_of('0') + 1);
    out += '.';
    out += digits;
  }
}

// Appends the calendar date of a Julian day; returns whether it is BC (the caller adds " BC"
// where the type puts it).
bool append_calendar_date(std::string& out, int64_t julian_day) {
  int64_t year, month, day;
  julian_to_date(julian_day, year, month, day);
  const bool bc = year <= 0;
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}", bc ? 1 - year : year, month, day);
  return bc;
}

// Splits a trailing " BC" off `text`.
bool take_bc(std::string_view& text) {
  if (!text.ends_with(kBcSuffix)) return false;
  text.remove_suffix(kBcSuffix.size());
  return true;
}

// The local part of a timestamp ("YYYY-MM-DD HH:MM:SS[.f]"), `bc` already split off, as
// microseconds since 2000-01-01; `at` is left after it.
std::optional<int64_t> read_local_timestamp(std::string_view text, size_t& at, bool bc) {
  auto julian = read_calendar_date(text, at, bc);
  if (!julian || !expect(text, at, ' ')) return std::nullopt;
  auto clock = read_clock(text, at);
  if (!clock || *clock >= kMicrosPerDay) return std::nullopt;
  const int64_t days = *julian - kPostgresEpochJulianDay;
  // PostgreSQL's range ends in 294276 AD; anything far beyond would overflow.
  if (days > INT64_MAX / kMicrosPerDay - 1 || days < INT64_MIN / kMicrosPerDay + 1) {
    return std::nullopt;
  }
  return days * kMicrosPerDay + *clock;
}

}  // namespace

std::optional<int32_t> parse_date(std::string_view text) {
  if (text == "infinity") return INT32_MAX;
  if (text == "-infinity") return INT32_MIN;
  std::string_view rest = text;
  const bool bc = take_bc(rest);
  size_t at = 0;
  auto julian = read_calendar_date(rest, at, bc);
  if (!julian || at != rest.size()) return std::nullopt;
  const int64_t days = *julian - kPostgresEpochJulianDay;
  if (days <= INT32_MIN || days >= INT32_MAX) return std::nullopt;
  // Only the text PostgreSQL prints for that day (no 02-30, no missing zero padding).
  std::string printed;
  append_date(printed, static_cast<int32_t>(days));
  if (printed != text) return std::nullopt;
  return static_cast<int32_t>(days);
}

void append_date(std::string& out, int32_t postgres_days) {
  if (postgres_days == INT32_MAX) {
    out += "infinity";
    return;
  }
  if (postgres_days == INT32_MIN) {
    out += "-infinity";
    return;
  }
  if (append_calendar_date(out, int64_t{postgres_days} + kPostgresEpochJulianDay)) out += kBcSuffix;
}

std::optional<int64_t> parse_time(std::string_view text) {
  size_t at = 0;
  auto micros = read_clock(text, at);
  if (!micros || at != text.size() || *micros > kMicrosPerDay) return std::nullopt;
  std::string printed;
  append_time(printed, *micros);
  if (printed != text) return std::nullopt;
  return micros;
}

void append_time(std::string& out, int64_t micros) {
  append_clock(out, micros);
}

std::optional<int64_t> parse_timestamp(std::string_view text, bool with_zone) {
  if (text == "infinity") return INT64_MAX;
  if (text == "-infinity") return INT64_MIN;
  std::string_view rest = text;
  const bool bc = take_bc(rest);
  size_t at = 0;
  auto local = read_local_timestamp(rest, at, bc);
  if (!local) return std::nullopt;
  const size_t local_end = at;
  int64_t offset_seconds = 0;
  if (with_zone) {
    // "+HH", "+HH:MM" or "+HH:MM:SS" (PostgreSQL leaves out zero minutes and seconds).
    if (at >= rest.size() || (rest[at] != '+' && rest[at] != '-')) return std::nullopt;
    const bool negative = rest[at++] == '-';
    auto hours = read_number(rest, at, 2);
    if (!hours) return std::nullopt;
    int64_t minutes = 0, seconds = 0;
    if (at < rest.size() && rest[at] == ':') {
      ++at;
      auto read = read_number(rest, at, 2);
      if (!read) return std::nullopt;
      minutes = *read;
      if (at < rest.size() && rest[at] == ':') {
        ++at;
        read = read_number(rest, at, 2);
        if (!read) return std::nullopt;
        seconds = *read;
      }
    }
    if (minutes > 59 || seconds > 59) return std::nullopt;
    offset_seconds = (*hours * 60 + minutes) * 60 + seconds;
    if (negative) offset_seconds = -offset_seconds;
  }
  if (at != rest.size()) return std::nullopt;
  // The local part must be exactly what PostgreSQL prints for it.
  std::string printed;
  append_timestamp(printed, *local, false);
  if (bc) printed.resize(printed.size() - kBcSuffix.size());
  if (std::string_view(printed) != rest.substr(0, local_end)) return std::nullopt;
  // The text shows local time at the offset: UTC is that minus the offset.
  const int64_t utc = *local - offset_seconds * kMicrosPerSecond;
  if (utc == INT64_MAX || utc == INT64_MIN) return std::nullopt;  // the infinities' values
  return utc;
}

void append_timestamp(std::string& out, int64_t postgres_micros, bool with_zone) {
  if (postgres_micros == INT64_MAX) {
    out += "infinity";
    return;
  }
  if (postgres_micros == INT64_MIN) {
    out += "-infinity";
    return;
  }
  int64_t days = postgres_micros / kMicrosPerDay;
  int64_t clock = postgres_micros % kMicrosPerDay;
  if (clock < 0) {
    clock += kMicrosPerDay;
    --days;
  }
  const bool bc = append_calendar_date(out, days + kPostgresEpochJulianDay);
  out += ' ';
  append_clock(out, clock);
  if (with_zone) out += "+00";
  if (bc) out += kBcSuffix;
}

}  // namespace pgexport::format::parquet::pg_text
