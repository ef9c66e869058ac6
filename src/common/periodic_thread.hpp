// Runs a callback every interval on a thread of its own until stopped. Stopping (or the
// destructor) wakes the thread at once and joins it, so no thread outlives its owner on any
// exit path, exceptions included.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pgexport {

class PeriodicThread {
 public:
  // `tick` runs first after one interval, then every interval after the previous run ended.
  // It must not throw (an exception there would end the process): report, don't raise.
  PeriodicThread(std::chrono::milliseconds interval, std::function<void()> tick);
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Returns once the thread has ended; a tick in progress finishes first. Idempotent.
  void stop();

 private:
  void loop();

  std::chrono::milliseconds interval_;
  std::function<void()> tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pgexport
