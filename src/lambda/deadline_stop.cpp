#include "lambda/deadline_stop.hpp"

#include "common/cancellation.hpp"

namespace pgexport::lambda {

DeadlineStop::DeadlineStop(std::chrono::steady_clock::time_point when) {
  thread_ = std::thread([this, when] {
    std::unique_lock lock(mutex_);
    // Returns false only when `when` passed with the stop still armed.
    if (changed_.wait_until(lock, when, [this] { return disarmed_; })) return;
    request_stop();
    fired_.store(true);
    changed_.notify_all();
  });
}

DeadlineStop::~DeadlineStop() {
  {
    std::lock_guard lock(mutex_);
    disarmed_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

bool DeadlineStop::wait_fired(std::chrono::steady_clock::duration timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return fired_.load(); });
  return fired_.load();
}

}  // namespace pgexport::lambda
