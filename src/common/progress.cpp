#include "common/progress.hpp"

#include <fmt/format.h>

#include <cmath>

namespace pgexport {

double bytes_per_second(const ProgressCounts& counts) {
  if (counts.elapsed_seconds <= 0) return 0;
  return static_cast<double>(counts.wire_bytes) / counts.elapsed_seconds;
}

std::optional<double> eta_seconds(const ProgressCounts& counts) {
  if (counts.tables_total > 0 && counts.tables_done >= counts.tables_total) return 0.0;
  double rate = bytes_per_second(counts);
  if (counts.wire_bytes == 0 || rate <= 0 || counts.estimated_bytes == 0) return std::nullopt;
  double wire_per_estimated_byte = 1.0;
  if (counts.finished_estimated_bytes > 0 && counts.finished_wire_bytes > 0) {
    wire_per_estimated_byte = static_cast<double>(counts.finished_wire_bytes) /
                              static_cast<double>(counts.finished_estimated_bytes);
  }
  double expected = static_cast<double>(counts.estimated_bytes) * wire_per_estimated_byte;
  double remaining = expected - static_cast<double>(counts.wire_bytes);
  if (remaining <= 0) return std::nullopt;
  return remaining / rate;
}

std::string short_count(uint64_t count) {
  if (count < 1000) return fmt::format("{}", count);
  const char* units[] = {"k", "M", "G", "T", "P"};
  double value = static_cast<double>(count);
  int unit = -1;
  while (value >= 999.5 && unit < 4) {  // 999.5 and up would print as "1000"
    value /= 1000;
    ++unit;
  }
  // Three significant digits: 1.23k, 12.3k, 123k.
  int decimals = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
  return fmt::format("{:.{}f}{}", value, decimals, units[unit]);
}

std::string short_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1023.95 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

std::string short_duration(double seconds) {
  auto total = static_cast<uint64_t>(std::llround(std::max(0.0, seconds)));
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}h{:02}m", total / 3600, total % 3600 / 60);
}

std::string progress_line(const ProgressCounts& counts) {
  // Before the tables are known: locks and the snapshot are being taken.
  if (counts.tables_total == 0) return "starting";
  auto eta = eta_seconds(counts);
  return fmt::format("tables {}/{}  rows {}  read {}  stored {}  {}/s  ETA {}", counts.tables_done,
                     counts.tables_total, short_count(counts.rows), short_bytes(counts.wire_bytes),
                     short_bytes(counts.stored_bytes),
                     short_bytes(static_cast<uint64_t>(bytes_per_second(counts))),
                     eta ? short_duration(*eta) : "?");
}

log::Fields progress_fields(const ProgressCounts& counts) {
  log::Fields fields = {{"tables_done", counts.tables_done},
                        {"tables_total", counts.tables_total},
                        {"rows", counts.rows},
                        {"wire_bytes", counts.wire_bytes},
                        {"stored_bytes", counts.stored_bytes},
                        {"bytes_per_second", std::llround(bytes_per_second(counts))},
                        {"elapsed_seconds", log::seconds_value(counts.elapsed_seconds)}};
  if (auto eta = eta_seconds(counts)) fields.emplace_back("eta_seconds", std::llround(*eta));
  return fields;
}

void LogProgressReporter::update(const ProgressCounts& counts) {
  if (finished_) return;
  log::info("progress", progress_fields(counts));
}

}  // namespace pgexport
