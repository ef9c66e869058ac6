// A process-wide stop request, set by SIGTERM/SIGINT handlers (ECS stops a task with SIGTERM)
// or by the first failing worker, and polled by long loops so they unwind and abort cleanly.
#pragma once

#include <atomic>

namespace pgexport {

void request_stop() noexcept;
bool stop_requested() noexcept;
// Installs SIGTERM and SIGINT handlers that call request_stop() and remember the signal.
void install_stop_signal_handlers();
// The signal that requested the stop, or 0.
int stop_signal() noexcept;

// Throws Error(interrupted) when a stop was requested; call between units of work.
void throw_if_stop_requested();

}  // namespace pgexport
