#include "common/cancellation.hpp"

#include <csignal>

#include "common/error.hpp"

namespace pgexport {

namespace {
using SteadyClock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;
// When the signal arrived, in steady-clock ticks (0: none). Lock-free, so a handler may set it.
std::atomic<SteadyClock::rep> g_signal_time{0};
static_assert(std::atomic<SteadyClock::rep>::is_always_lock_free);
// The open cleanup window's deadline in steady-clock ticks; 0 when no window is open.
std::atomic<SteadyClock::rep> g_cleanup_deadline{0};
// The open StopGrace's budget in steady-clock ticks; 0 when none is open.
std::atomic<SteadyClock::rep> g_stop_grace{0};

extern "C" void on_stop_signal(int signal) {
  g_signal = signal;
  g_signal_time.store(SteadyClock::now().time_since_epoch().count());
  g_stop.store(true);
}
}  // namespace

void request_stop() noexcept {
  g_stop.store(true);
}
bool stop_requested() noexcept {
  return g_stop.load(std::memory_order_relaxed);
}
int stop_signal() noexcept {
  return g_signal;
}
bool clear_stop_request() noexcept {
  g_stop.store(false);
  // A signal that arrived meanwhile wins: set again after the store, never lost.
  if (g_signal != 0) {
    g_stop.store(true);
    return false;
  }
  return true;
}

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

void throw_if_stop_requested() {
  if (!stop_requested()) return;
  if (g_signal != 0) {
    fail(ErrorKind::interrupted, "stopped by signal {}; nothing was published",
         static_cast<int>(g_signal));
  }
  fail(ErrorKind::interrupted, "stopped because another part of the export failed");
}

bool interrupt_requested() noexcept {
  const auto deadline = g_cleanup_deadline.load();
  if (deadline != 0) return SteadyClock::now().time_since_epoch().count() >= deadline;
  if (!stop_requested()) return false;
  const auto grace = g_stop_grace.load();
  const auto signalled = g_signal_time.load();
  if (grace == 0 || signalled == 0) return true;
  return SteadyClock::now().time_since_epoch().count() >= signalled + grace;
}

StopGrace::StopGrace(SteadyClock::duration budget) {
  // At least one tick: 0 means no grace.
  g_stop_grace.store(std::max<SteadyClock::rep>(budget.count(), 1));
}

StopGrace::~StopGrace() {
  g_stop_grace.store(0);
}

CleanupWindow::CleanupWindow(SteadyClock::duration budget) {
  auto deadline = SteadyClock::now() + budget;
  if (const auto signalled = g_signal_time.load(); signalled != 0) {
    deadline =
        std::min(deadline, SteadyClock::time_point(SteadyClock::duration(signalled)) + budget);
  }
  // At least one tick in the future: a window is never "open" and expired at 0 by accident.
  g_cleanup_deadline.store(std::max<SteadyClock::rep>(deadline.time_since_epoch().count(), 1));
}

CleanupWindow::~CleanupWindow() {
  g_cleanup_deadline.store(0);
}

bool CleanupWindow::expired() const noexcept {
  return SteadyClock::now().time_since_epoch().count() >= g_cleanup_deadline.load();
}

}  // namespace pgexport
