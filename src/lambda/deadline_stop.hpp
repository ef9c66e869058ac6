// Stops the job in progress at a point in time, through the same process-wide stop request
// that SIGTERM sets (common/cancellation): the export then cancels its statements, removes
// what it wrote within its cleanup timeout and publishes nothing, exactly as when ECS stops a
// task. `pgexport lambda` arms one per invocation, at the deadline less the reserve.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace pgexport::lambda {

class DeadlineStop {
 public:
  // Requests the stop at `when` unless destroyed first.
  explicit DeadlineStop(std::chrono::steady_clock::time_point when);
  // Disarms (a stop already requested stays requested) and joins the thread.
  ~DeadlineStop();
  DeadlineStop(const DeadlineStop&) = delete;
  DeadlineStop& operator=(const DeadlineStop&) = delete;

  // Whether this object requested the stop: tells a deadline from a signal or a failure.
  bool fired() const noexcept { return fired_.load(); }
  // Waits until the stop has been requested or `timeout` has passed; returns fired().
  bool wait_fired(std::chrono::steady_clock::duration timeout);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool disarmed_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

}  // namespace pgexport::lambda
