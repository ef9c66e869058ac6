// Whether an export fits before a Lambda invocation's deadline, and when it must be stopped.
// Pure arithmetic over the clock's reading, so tests give it any "now".
//
//   remaining = deadline - now
//   reserve   = cleanup timeout + margin      (what a stopped export still needs)
//   estimate  = bytes / (rate per job x jobs that have work)
//   start only if estimate + reserve <= remaining; stop at deadline - reserve.
//
// Stopping at deadline - reserve leaves the cleanup timeout to remove what was written and
// the margin to answer the invocation before Lambda freezes the environment at its deadline.
#pragma once

#include <chrono>
#include <cstdint>

namespace pgexport::lambda {

struct DeadlineRules {
  uint64_t bytes_per_second_per_job = 0;  // > 0
  int jobs = 1;                           // --jobs
  std::chrono::milliseconds cleanup_timeout{0};
  std::chrono::milliseconds margin{0};

  std::chrono::milliseconds reserve() const { return cleanup_timeout + margin; }
};

struct DeadlinePlan {
  std::chrono::milliseconds remaining{0};  // until the deadline (negative once past)
  std::chrono::milliseconds estimate{0};   // the export's estimated duration
  std::chrono::milliseconds reserve{0};    // cleanup timeout + margin
  // Whether to start: the estimate and the reserve fit in what remains.
  bool fits() const { return estimate + reserve <= remaining; }
  // How long after `now` the export must be stopped (zero or negative: at once).
  std::chrono::milliseconds stop_after() const { return remaining - reserve; }
};

// The plan for an export of `bytes` split into `tasks` units of work (the catalog's sizes, as
// the planner measured them): as many jobs work at once as there are tasks, up to `jobs`.
DeadlinePlan plan_deadline(std::chrono::system_clock::time_point deadline,
                           std::chrono::system_clock::time_point now, uint64_t bytes, size_t tasks,
                           const DeadlineRules& rules);

// The plan before anything is known about the data (an estimate of zero): refuses at once an
// invocation whose remaining time does not even hold the reserve.
DeadlinePlan plan_deadline(std::chrono::system_clock::time_point deadline,
                           std::chrono::system_clock::time_point now, const DeadlineRules& rules);

}  // namespace pgexport::lambda
