// N worker threads, each with its own database connection, sharing a list of work items.
// The pool is the one place that decides when an export stops: at the first failure, on a
// stop request (SIGTERM), or when the caller's watch (the coordinator's health) fails. It then
// cancels every worker's statement on the server, so no worker waits for a COPY to drain, and
// rethrows the error that caused the stop: never one of the echoes that follow it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "pg/cancel_handle.hpp"
#include "pg/connection.hpp"

namespace pgexport::exporter {

class WorkerPool {
 public:
  // Opens worker `id`'s connection (session settings and snapshot included).
  using OpenConnection = std::function<pg::Connection(int id)>;
  // Runs item `index` on a worker's connection; throwing fails the pool.
  using RunItem = std::function<void(pg::Connection&, size_t index)>;
  // Called on the pool's own thread about every watch interval while workers run;
  // throwing fails the pool.
  using Watch = std::function<void()>;

  WorkerPool(int workers, OpenConnection open_connection, RunItem run_item);

  // Runs items 0..count-1 and returns when all are done; throws the error that stopped them.
  // Work is taken in index order, so callers put the largest items first.
  void run(size_t count, const Watch& watch, std::chrono::milliseconds watch_interval);

  // True once the pool is stopping; items poll it between rows.
  bool stopping() const noexcept;

  // After run(): per worker, the seconds spent running items. A worker that never started
  // (fewer items than workers) shows 0.
  std::vector<double> busy_seconds() const;

 private:
  void worker(int id, size_t count);
  void record_failure(std::exception_ptr error);
  void cancel_all();

  int workers_;
  OpenConnection open_connection_;
  RunItem run_item_;

  std::atomic<size_t> next_item_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  std::condition_variable finished_;
  int running_ = 0;
  std::exception_ptr first_error_;
  std::vector<std::unique_ptr<pg::CancelHandle>> cancel_handles_;
  // Each worker writes only its own slot, and run() joins the threads before it is read.
  std::vector<double> busy_seconds_;
};

}  // namespace pgexport::exporter
