#include "common/time_format.hpp"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

namespace pgexport {

namespace {
std::tm utc_parts(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return parts;
}
}  // namespace

std::string format_utc_timestamp(std::chrono::system_clock::time_point time) {
  std::tm t = utc_parts(time);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, millis);
}

std::string format_utc_compact(std::chrono::system_clock::time_point time) {
  std::tm t = utc_parts(time);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                     t.tm_hour, t.tm_min, t.tm_sec);
}

std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text) {
  using namespace std::chrono;
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters; then an optional fraction, then "Z".
  constexpr size_t kSecondsEnd = 19;
  if (text.size() < kSecondsEnd + 1 || text.back() != 'Z') return std::nullopt;
  auto number = [&](size_t at, size_t length) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + length; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  microseconds fraction{0};
  std::string_view rest = text.substr(kSecondsEnd, text.size() - kSecondsEnd - 1);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2) return std::nullopt;
    int64_t scale = 100000;  // the first fraction digit is tenths: 100,000 microseconds
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      fraction += microseconds((c - '0') * scale);
      scale /= 10;
    }
  }
  return time_point_cast<system_clock::duration>(sys_days(date) + hours(*hour) + minutes(*minute) +
                                                 seconds(*second) + fraction);
}

}  // namespace pgexport
