// Logging to stderr, one line per event: readable text on a terminal, or JSON lines that
// CloudWatch Logs Insights can query (--log-format json). Thread-safe.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgexport::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

// A structured field: key and already-rendered value. Never pass a secret.
using Field = std::pair<std::string_view, std::string>;
using Fields = std::vector<Field>;

void configure(Format format, Level minimum_level);
bool enabled(Level level);
void write(Level level, std::string_view message, const Fields& fields = {});

inline void debug(std::string_view message, const Fields& fields = {}) {
  write(Level::debug, message, fields);
}
inline void info(std::string_view message, const Fields& fields = {}) {
  write(Level::info, message, fields);
}
inline void warn(std::string_view message, const Fields& fields = {}) {
  write(Level::warn, message, fields);
}
inline void error(std::string_view message, const Fields& fields = {}) {
  write(Level::error, message, fields);
}

// Renders a field value; numbers and strings alike become text.
template <typename T>
Field field(std::string_view key, const T& value) {
  return {key, fmt::format("{}", value)};
}

}  // namespace pgexport::log
