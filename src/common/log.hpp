// Logging to stderr, one line per event: readable text on a terminal, or JSON lines that
// CloudWatch Logs Insights can query (--log-format json). Thread-safe.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace pgexport::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

// A field's value, typed so that JSON lines carry numbers and booleans as JSON numbers and
// booleans (Logs Insights sums and compares those, not strings). Built implicitly from
// strings, integers, floating-point numbers and bool, so call sites write {"rows", rows}.
class Value {
 public:
  using Variant = std::variant<std::string, int64_t, uint64_t, double, bool>;

  Value(std::string text) : value_(std::move(text)) {}
  Value(std::string_view text) : value_(std::string(text)) {}
  Value(const char* text) : value_(std::string(text)) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T number) {
    if constexpr (std::is_signed_v<T>) {
      value_ = static_cast<int64_t>(number);
    } else {
      value_ = static_cast<uint64_t>(number);
    }
  }
  template <std::floating_point T>
  Value(T number) : value_(static_cast<double>(number)) {}
  // A template, so that pointers and other types never become bool by accident.
  template <std::same_as<bool> T>
  Value(T flag) : value_(flag) {}

  const Variant& variant() const { return value_; }

 private:
  Variant value_;
};

// A structured field: key and value. Never pass a secret.
using Field = std::pair<std::string_view, Value>;
using Fields = std::vector<Field>;

void configure(Format format, Level minimum_level);
Format format();
bool enabled(Level level);
void write(Level level, std::string_view message, const Fields& fields = {});

// Writes one complete line (without its newline) as it is, serialized with the log lines:
// CloudWatch embedded metric documents, which must be a log event of their own.
void write_line(std::string_view line);

// Where finished lines go; stderr unless an output is installed. A live progress display
// installs one so that a log line clears the display, is written, and the display is drawn
// again below it. Called with the log's lock held: it must not log.
class LineOutput {
 public:
  virtual ~LineOutput() = default;
  // `line` ends with a newline.
  virtual void write_line(std::string_view line) = 0;
};

// Installs `output` (nullptr: back to plain stderr). The caller keeps it alive until it is
// replaced; replacing waits for a line being written to finish.
void set_output(LineOutput* output);

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

// A field of any value: typed when it is a string, number or bool, otherwise rendered as text
// with fmt (LSNs, enums with a formatter).
template <typename T>
Field field(std::string_view key, const T& value) {
  if constexpr (std::is_constructible_v<Value, const T&>) {
    return {key, Value(value)};
  } else {
    return {key, Value(fmt::format("{}", value))};
  }
}

// Seconds as a number with millisecond precision: enough for a log line, and short.
inline double seconds_value(double seconds) {
  return std::round(seconds * 1000) / 1000;
}

}  // namespace pgexport::log
