#include "common/periodic_thread.hpp"

namespace pgexport {

PeriodicThread::PeriodicThread(std::chrono::milliseconds interval, std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)), thread_([this] { loop(); }) {}

PeriodicThread::~PeriodicThread() {
  stop();
}

void PeriodicThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    // A deadline rather than a relative wait, so spurious wake-ups do not stretch the period.
    auto deadline = std::chrono::steady_clock::now() + interval_;
    if (wake_.wait_until(lock, deadline, [this] { return stopping_; })) return;
    lock.unlock();
    tick_();
    lock.lock();
    if (stopping_) return;
  }
}

}  // namespace pgexport
