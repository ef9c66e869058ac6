#include "pg/cancel_handle.hpp"

namespace pgexport::pg {

CancelHandle::CancelHandle(const Connection& connection)
    : handle_(PQgetCancel(connection.native())) {}

CancelHandle::~CancelHandle() {
  if (handle_ != nullptr) PQfreeCancel(handle_);
}

void CancelHandle::cancel() noexcept {
  if (handle_ == nullptr) return;
  char message[256];
  PQcancel(handle_, message, sizeof message);
}

}  // namespace pgexport::pg
