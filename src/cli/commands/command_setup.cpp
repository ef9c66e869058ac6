#include "cli/commands/command_setup.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "cli/destination.hpp"
#include "common/log.hpp"

namespace pgexport::cli {

void configure_logging(const Settings& settings) {
  auto level_name = settings.text("log-level").value_or("info");
  log::Level level = level_name == "debug"   ? log::Level::debug
                     : level_name == "warn"  ? log::Level::warn
                     : level_name == "error" ? log::Level::error
                                             : log::Level::info;
  auto format_name = settings.text("log-format").value_or("auto");
  log::Format format = format_name == "json"   ? log::Format::json
                       : format_name == "text" ? log::Format::text
                       : stderr_is_terminal()  ? log::Format::text
                                               : log::Format::json;
  log::configure(format, level);
}

bool stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return isatty(STDERR_FILENO) == 1 && !(term && std::string_view(term) == "dumb");
}

std::unique_ptr<storage::Storage> open_destination(const Settings& settings) {
  // These commands upload nothing larger than a part, so a budget of two parts suffices.
  MemoryPlan memory;
  memory.upload_bytes = 2 * settings.size("part-size");
  return make_storage(settings, memory);
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace pgexport::cli
