// Cancels the statement running on a connection from another thread (a watcher stopping a
// COPY whose worker is blocked waiting for rows). PQgetCancel reads the connection, so the
// handle is made by the thread that owns the connection; PQcancel is safe from any thread.
#pragma once

#include <libpq-fe.h>

#include "pg/connection.hpp"

namespace pgexport::pg {

class CancelHandle {
 public:
  explicit CancelHandle(const Connection& connection);
  ~CancelHandle();
  CancelHandle(const CancelHandle&) = delete;
  CancelHandle& operator=(const CancelHandle&) = delete;

  // Asks the server to cancel whatever the connection runs now; harmless when it runs nothing.
  void cancel() noexcept;

 private:
  PGcancel* handle_;
};

}  // namespace pgexport::pg
