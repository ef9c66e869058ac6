#include "export/worker_pool.hpp"

#include <algorithm>
#include <thread>

#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/resident_memory.hpp"

namespace pgexport::exporter {

bool should_renew_connection(uint64_t largest_message_bytes, uint64_t renew_above_bytes) {
  return largest_message_bytes > renew_above_bytes;
}

WorkerPool::WorkerPool(int workers, OpenConnection open_connection, RunItem run_item,
                       uint64_t renew_above_bytes)
    : workers_(std::max(1, workers)),
      open_connection_(std::move(open_connection)),
      run_item_(std::move(run_item)),
      renew_above_bytes_(renew_above_bytes),
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

pg::Connection WorkerPool::open(int id) {
  auto connection = open_connection_(id);
  std::lock_guard lock(mutex_);
  cancel_handles_[static_cast<size_t>(id)] = std::make_unique<pg::CancelHandle>(connection);
  return connection;
}

void WorkerPool::forget_cancel_handle(int id) {
  // The handle must not outlive the connection it cancels.
  std::lock_guard lock(mutex_);
  cancel_handles_[static_cast<size_t>(id)].reset();
}

void WorkerPool::renew(int id, pg::Connection& connection) {
  const uint64_t largest = connection.largest_message_bytes();
  forget_cancel_handle(id);
  const auto resident_before = resident_bytes();
  {
    // Closed before the new one opens, so that the two buffers are never held at once.
    pg::Connection closing = std::move(connection);
  }
  const auto resident_after = resident_bytes();
  try {
    connection = open(id);
  } catch (const Error& error) {
    // The same failure as at the worker's start, saying why a connection was being opened.
    fail(error.kind(), "reopening the worker {} connection after a row of {} bytes: {}", id,
         largest, error.what());
  }
  log::Fields fields = {log::field("worker", id), log::field("largest_row_bytes", largest)};
  if (resident_before && resident_after) {
    fields.push_back(log::field("rss_before_bytes", *resident_before));
    fields.push_back(log::field("rss_after_bytes", *resident_after));
  }
  log::info("worker connection reopened to give back the buffer libpq kept for a large row",
            fields);
}

void WorkerPool::worker(int id, size_t count) {
  try {
    auto connection = open(id);
    auto& busy = busy_seconds_[static_cast<size_t>(id)];
    for (size_t index = next_item_++; index < count && !stopping(); index = next_item_++) {
      // Here, once the worker has its next item: after its last, the connection closes anyway.
      if (should_renew_connection(connection.largest_message_bytes(), renew_above_bytes_)) {
        renew(id, connection);
      }
      const auto started = std::chrono::steady_clock::now();
      run_item_(connection, index);
      busy += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    forget_cancel_handle(id);
  } catch (...) {
    forget_cancel_handle(id);
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
