#include "export/worker_pool.hpp"

#include <algorithm>
#include <thread>

#include "common/cancellation.hpp"
#include "common/error.hpp"

namespace pgexport::exporter {

WorkerPool::WorkerPool(int workers, OpenConnection open_connection, RunItem run_item)
    : workers_(std::max(1, workers)),
      open_connection_(std::move(open_connection)),
      run_item_(std::move(run_item)),
      cancel_handles_(static_cast<size_t>(workers_)),
      busy_seconds_(static_cast<size_t>(workers_), 0.0) {}

std::vector<double> WorkerPool::busy_seconds() const {
  return busy_seconds_;
}

bool WorkerPool::stopping() const noexcept {
  return failed_.load(std::memory_order_relaxed) || stop_requested();
}

void WorkerPool::record_failure(std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  // The first failure is the cause; what other workers report after it (cancelled COPYs,
  // "interrupted") are its echoes.
  if (!first_error_) first_error_ = error;
  failed_ = true;
  finished_.notify_all();
}

void WorkerPool::cancel_all() {
  std::lock_guard lock(mutex_);
  for (auto& handle : cancel_handles_) {
    if (handle) handle->cancel();
  }
}

void WorkerPool::worker(int id, size_t count) {
  try {
    auto connection = open_connection_(id);
    {
      std::lock_guard lock(mutex_);
      cancel_handles_[static_cast<size_t>(id)] = std::make_unique<pg::CancelHandle>(connection);
    }
    auto& busy = busy_seconds_[static_cast<size_t>(id)];
    for (size_t index = next_item_++; index < count && !stopping(); index = next_item_++) {
      const auto started = std::chrono::steady_clock::now();
      run_item_(connection, index);
      busy += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    // The handle must not outlive the connection it cancels.
    std::lock_guard lock(mutex_);
    cancel_handles_[static_cast<size_t>(id)].reset();
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      cancel_handles_[static_cast<size_t>(id)].reset();
    }
    if (!stop_requested() || failed_) {
      record_failure(std::current_exception());
    } else {
      // A signal: the cause is the signal, reported by run(); this is only its echo.
      failed_ = true;
    }
  }
  std::lock_guard lock(mutex_);
  --running_;
  finished_.notify_all();
}

void WorkerPool::run(size_t count, const Watch& watch, std::chrono::milliseconds watch_interval) {
  const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(workers_), count));
  std::vector<std::thread> threads;
  running_ = workers;
  for (int id = 0; id < workers; ++id)
    threads.emplace_back([this, id, count] { worker(id, count); });

  // This thread watches: a stop signal cannot notify a condition variable, so it wakes at
  // least every 100 ms to look, and runs the caller's watch at its own interval.
  constexpr auto kPoll = std::chrono::milliseconds(100);
  auto next_watch = std::chrono::steady_clock::now() + watch_interval;
  std::unique_lock lock(mutex_);
  while (running_ > 0) {
    finished_.wait_for(lock, kPoll);
    if (running_ == 0) break;
    if (stopping()) {
      // Sent again on every wake: a worker may have started its next statement after the
      // previous cancel, and cancelling an idle connection is harmless.
      lock.unlock();
      cancel_all();
      lock.lock();
    } else if (watch && std::chrono::steady_clock::now() >= next_watch) {
      lock.unlock();
      try {
        watch();
      } catch (...) {
        record_failure(std::current_exception());
      }
      next_watch = std::chrono::steady_clock::now() + watch_interval;
      lock.lock();
    }
  }
  lock.unlock();
  for (auto& thread : threads) thread.join();
  if (first_error_) std::rethrow_exception(first_error_);
  throw_if_stop_requested();
}

}  // namespace pgexport::exporter
