#include "common/log.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "common/time_format.hpp"

namespace pgexport::log {

namespace {
std::atomic<Format> g_format{Format::text};
std::atomic<Level> g_minimum{Level::info};
std::mutex g_mutex;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}
}  // namespace

void configure(Format format, Level minimum_level) {
  g_format = format;
  g_minimum = minimum_level;
}

bool enabled(Level level) {
  return level >= g_minimum.load();
}

void write(Level level, std::string_view message, const Fields& fields) {
  if (!enabled(level)) return;
  std::string time = format_utc_timestamp(std::chrono::system_clock::now());
  std::string line;
  if (g_format.load() == Format::json) {
    nlohmann::ordered_json object;
    object["time"] = time;
    object["level"] = level_name(level);
    object["message"] = message;
    for (const auto& [key, value] : fields) object[std::string(key)] = value;
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = fmt::format("{} {:<5} {}", time, level_name(level), message);
    for (const auto& [key, value] : fields) {
      if (needs_quotes(value)) {
        line += fmt::format(
            " {}={}", key,
            nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      } else {
        line += fmt::format(" {}={}", key, value);
      }
    }
  }
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace pgexport::log
