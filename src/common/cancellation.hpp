// A process-wide stop request, set by SIGTERM/SIGINT handlers (ECS stops a task with SIGTERM)
// or by the first failing worker, and polled by long loops so they unwind and abort cleanly.
//
// After a stop the job still has to remove what it wrote, and ECS allows only stopTimeout
// (30 s by default) before SIGKILL. So cleanup runs inside a CleanupWindow: while one is open,
// requests are no longer cut off by the stop request itself, only by the window's deadline.
#pragma once

#include <atomic>
#include <chrono>

namespace pgexport {

void request_stop() noexcept;
bool stop_requested() noexcept;
// Installs SIGTERM and SIGINT handlers that call request_stop() and remember the signal.
void install_stop_signal_handlers();
// The signal that requested the stop, or 0.
int stop_signal() noexcept;
// Withdraws a stop that no signal requested, so that the next job of a long-lived process (one
// Lambda invocation after another) starts unstopped. A signal's stop stays: the process is
// being shut down. Returns whether no stop is requested any more. Call only once the stopped
// job has unwound.
bool clear_stop_request() noexcept;

// Throws Error(interrupted) when a stop was requested; call between units of work.
void throw_if_stop_requested();

// Whether work in progress (a request, a retry's backoff) should give up now: a stop was
// requested and no cleanup window is open, or the open window's deadline has passed.
bool interrupt_requested() noexcept;

// For work that finishes what it has begun when stopped (cdc run --follow closes its open batch
// on SIGTERM) instead of abandoning it: while one is alive (one at a time, process-wide), a
// stop signal cuts requests off only once `budget` has passed since the signal; a stop without
// a signal (request_stop) still does at once. A CleanupWindow opened meanwhile takes
// precedence.
class StopGrace {
 public:
  explicit StopGrace(std::chrono::steady_clock::duration budget);
  ~StopGrace();
  StopGrace(const StopGrace&) = delete;
  StopGrace& operator=(const StopGrace&) = delete;
};

// Opens a cleanup window for the life of the object (one at a time, process-wide). Its
// deadline is `budget` from now, or from the stop signal if one came, whichever is earlier,
// so cleanup after SIGTERM ends inside the container's stop timeout.
class CleanupWindow {
 public:
  explicit CleanupWindow(std::chrono::steady_clock::duration budget);
  ~CleanupWindow();
  CleanupWindow(const CleanupWindow&) = delete;
  CleanupWindow& operator=(const CleanupWindow&) = delete;

  // True once the deadline has passed: stop starting new cleanup work.
  bool expired() const noexcept;
};

}  // namespace pgexport
