#include "http/http.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace pgexport::http {

namespace {
bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Reads exactly `digits` decimal digits at `position`.
std::optional<int> read_number(std::string_view text, size_t position, size_t digits) {
  if (position + digits > text.size()) return std::nullopt;
  int value = 0;
  const char* first = text.data() + position;
  const auto [end, error] = std::from_chars(first, first + digits, value);
  if (error != std::errc() || end != first + digits) return std::nullopt;
  return value;
}
}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions, 29 characters.
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end()) return std::nullopt;
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  const auto day = read_number(text, 5, 2);
  const auto year = read_number(text, 12, 4);
  const auto hour = read_number(text, 17, 2);
  const auto minute = read_number(text, 20, 2);
  const auto second = read_number(text, 23, 2);
  if (!day || !year || !hour || !minute || !second) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year},
                            std::chrono::month{static_cast<unsigned>(month - kMonths.begin() + 1)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  // 60 admits a leap second, which the format allows; it reads as the next minute's 0.
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second};
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (equal_ignoring_case(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

}  // namespace pgexport::http
