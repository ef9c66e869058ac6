// How far a long run is: its counts at one moment, the rate and ETA derived from them, and the
// reporters that show them (a live line on a terminal, or a log event every interval).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/log.hpp"

namespace pgexport {

// One reading of a run's counters.
struct ProgressCounts {
  uint64_t tables_done = 0;
  uint64_t tables_total = 0;
  uint64_t rows = 0;
  uint64_t wire_bytes = 0;    // read from PostgreSQL (COPY data)
  uint64_t stored_bytes = 0;  // written to the destination (after compression)
  // The catalog's size estimate (heap bytes) of everything to read, and of the tasks that
  // have finished together with the wire bytes those tasks read: their ratio converts the
  // estimate into expected wire bytes (COPY text is rarely the size of the heap).
  uint64_t estimated_bytes = 0;
  uint64_t finished_estimated_bytes = 0;
  uint64_t finished_wire_bytes = 0;
  double elapsed_seconds = 0;
};

// Wire bytes per second since the start (0 before any time has passed).
double bytes_per_second(const ProgressCounts& counts);

// Seconds until every table is read, at the average rate so far: the catalog's estimate,
// scaled by what finished tasks read per estimated byte, minus what has been read. nullopt
// when it cannot be told yet (nothing read) or no longer (more read than estimated); 0 once
// every table is done.
std::optional<double> eta_seconds(const ProgressCounts& counts);

// "987", "12.3k", "4.56M", "7.89G": counts for a narrow line.
std::string short_count(uint64_t count);
// "512 B", "1.5 KiB", "340.2 MiB", "1.02 GiB".
std::string short_bytes(uint64_t bytes);
// "45s", "3m07s", "2h05m".
std::string short_duration(double seconds);

// The display line, "starting" while no table is known yet, then
// "tables 3/12  rows 1.23M  read 340.2 MiB  stored 80.1 MiB  45.2 MiB/s  ETA 1m20s".
std::string progress_line(const ProgressCounts& counts);

// The fields of a "progress" log event, as numbers (eta_seconds only when it is known).
log::Fields progress_fields(const ProgressCounts& counts);

// Where a run's progress goes while it runs. One implementation draws a line on a terminal,
// the other logs a "progress" event; the caller decides how often `update` is called.
class ProgressReporter {
 public:
  virtual ~ProgressReporter() = default;
  virtual void update(const ProgressCounts& counts) = 0;
  // The run's work is over: anything drawn is removed. Later updates are ignored.
  virtual void finish() = 0;
};

// Logs "progress" with progress_fields() on each update.
class LogProgressReporter : public ProgressReporter {
 public:
  void update(const ProgressCounts& counts) override;
  void finish() override { finished_ = true; }

 private:
  bool finished_ = false;
};

}  // namespace pgexport
