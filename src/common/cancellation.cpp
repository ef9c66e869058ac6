#include "common/cancellation.hpp"

#include <csignal>

#include "common/error.hpp"

namespace pgexport {

namespace {
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal) {
  g_signal = signal;
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

}  // namespace pgexport
