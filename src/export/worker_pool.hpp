// N worker threads, each with its own database connection, sharing a list of work items.
// The pool is the one place that decides when an export stops: at the first failure, on a
// stop request (SIGTERM), or when the caller's watch (the coordinator's health) fails. It then
// cancels every worker's statement on the server, so no worker waits for a COPY to drain, and
// rethrows the error that caused the stop: never one of the echoes that follow it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "pg/cancel_handle.hpp"
#include "pg/connection.hpp"

namespace pgexport::exporter {

// A worker's connection keeps, in libpq's input buffer, room for the largest row it has read
// (pg::Connection::largest_message_bytes), until it is closed. Above this size the worker
// reopens it before its next item. 64 MiB because below it what a job keeps is small next to
// --memory-limit (512 MiB by default) and to the process itself, and above it reopening is
// cheap next to what brought the buffer there: a login and three statements (milliseconds;
// tens of them over TLS to a remote server) against receiving at least 64 MiB in one row, and
// at most once per item, never per row.
inline constexpr uint64_t kRenewConnectionAboveBytes = 64ull << 20;

// Whether a connection that has received a message of `largest_message_bytes` should be closed
// and opened again (before the worker's next item) to give back libpq's input buffer.
bool should_renew_connection(uint64_t largest_message_bytes, uint64_t renew_above_bytes);

class WorkerPool {
 public:
  // Opens worker `id`'s connection (session settings and snapshot included). Called when the
  // worker starts, and again whenever it renews its connection (kRenewConnectionAboveBytes):
  // every connection of a worker is set up by this one function, so all read the same snapshot
  // the same way. Throwing fails the pool, at the start or on a renewal alike.
  using OpenConnection = std::function<pg::Connection(int id)>;
  // Runs item `index` on a worker's connection; throwing fails the pool.
  using RunItem = std::function<void(pg::Connection&, size_t index)>;
  // Called on the pool's own thread about every watch interval while workers run;
  // throwing fails the pool.
  using Watch = std::function<void()>;

  // A worker whose connection has received a message larger than `renew_above_bytes` closes it
  // and opens a new one before it runs its next item (none after its last).
  WorkerPool(int workers, OpenConnection open_connection, RunItem run_item,
             uint64_t renew_above_bytes = kRenewConnectionAboveBytes);

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
  // Opens worker `id`'s connection and registers its cancel handle.
  pg::Connection open(int id);
  // Closes `connection` (freeing what libpq holds for it) and opens it again.
  void renew(int id, pg::Connection& connection);
  void forget_cancel_handle(int id);
  void record_failure(std::exception_ptr error);
  void cancel_all();

  int workers_;
  OpenConnection open_connection_;
  RunItem run_item_;
  uint64_t renew_above_bytes_;

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
