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
LineOutput* g_output = nullptr;  // guarded by g_mutex

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

std::string json_string(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::ordered_json json_value(const Value& value) {
  return std::visit([](const auto& v) { return nlohmann::ordered_json(v); }, value.variant());
}

// key=value, with strings quoted (as JSON strings) when they would not read back as one word.
std::string text_value(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return needs_quotes(v) ? json_string(v) : v;
        } else {
          return fmt::format("{}", v);
        }
      },
      value.variant());
}

void emit(const std::string& line) {
  std::lock_guard lock(g_mutex);
  if (g_output) {
    g_output->write_line(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}
}  // namespace

void configure(Format format, Level minimum_level) {
  g_format = format;
  g_minimum = minimum_level;
}

Format format() {
  return g_format.load();
}

bool enabled(Level level) {
  return level >= g_minimum.load();
}

void set_output(LineOutput* output) {
  std::lock_guard lock(g_mutex);
  g_output = output;
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
    for (const auto& [key, value] : fields) object[std::string(key)] = json_value(value);
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = fmt::format("{} {:<5} {}", time, level_name(level), message);
    for (const auto& [key, value] : fields) line += fmt::format(" {}={}", key, text_value(value));
  }
  line += '\n';
  emit(line);
}

void write_line(std::string_view line) {
  std::string complete(line);
  complete += '\n';
  emit(complete);
}

}  // namespace pgexport::log
