#include "pg/copy_stream.hpp"

#include <cstring>

#include "common/error.hpp"

namespace pgexport::pg {

namespace {
// "PGCOPY\n\377\r\n\0", then int32 flags and int32 header-extension length.
constexpr char kBinarySignature[] = "PGCOPY\n\377\r\n";
constexpr size_t kSignatureSize = 11;
constexpr size_t kFixedHeaderSize = kSignatureSize + 8;

uint32_t read_uint32(const char* bytes) {
  uint32_t value;
  std::memcpy(&value, bytes, 4);
  return __builtin_bswap32(value);
}
}  // namespace

CopyStream::CopyStream(Connection& connection, const std::string& copy_sql, bool binary)
    : connection_(connection), binary_(binary), header_pending_(binary) {
  Result result(PQexec(connection.native(), copy_sql.c_str()));
  if (PQresultStatus(result.native()) != PGRES_COPY_OUT) {
    // A table whose row-level security policy would hide rows fails here (row_security is
    // off), as does one the role may not read: both become insufficient_privilege.
    fail_statement("COPY", connection.purpose(), result.native());
  }
}

CopyStream::~CopyStream() {
  release_buffer();
  if (done_) return;
  // Abandoned half way (an error elsewhere, or a signal): cancel and drain so the
  // connection could be reused, without throwing from a destructor.
  connection_.cancel();
  char* buffer = nullptr;
  while (PQgetCopyData(connection_.native(), &buffer, 0) > 0) PQfreemem(buffer);
  while (PGresult* result = PQgetResult(connection_.native())) PQclear(result);
}

void CopyStream::release_buffer() {
  if (buffer_ != nullptr) PQfreemem(buffer_);
  buffer_ = nullptr;
}

void CopyStream::finish() {
  done_ = true;
  Result result(PQgetResult(connection_.native()));
  if (PQresultStatus(result.native()) != PGRES_COMMAND_OK) {
    fail_statement("COPY", connection_.purpose(), result.native());
  }
  while (PGresult* extra = PQgetResult(connection_.native())) PQclear(extra);
}

bool CopyStream::next(std::string_view& row) {
  while (!done_) {
    release_buffer();
    int length = PQgetCopyData(connection_.native(), &buffer_, 0);
    if (length == -1) {
      finish();
      return false;
    }
    if (length < 0) {
      done_ = true;
      fail(ErrorKind::database_error, "COPY failed on the {} connection: {}", connection_.purpose(),
           connection_.last_error());
    }
    std::string_view message(buffer_, static_cast<size_t>(length));
    if (binary_) {
      if (header_pending_) {
        if (message.size() < kFixedHeaderSize ||
            std::memcmp(message.data(), kBinarySignature, kSignatureSize) != 0) {
          fail(ErrorKind::database_error, "COPY BINARY sent no file header on the {} connection",
               connection_.purpose());
        }
        size_t extension = read_uint32(message.data() + kSignatureSize + 4);
        message.remove_prefix(kFixedHeaderSize + extension);
        header_pending_ = false;
      }
      // The trailer is a field count of -1; it may share a message with the header.
      if (message.size() == 2 && static_cast<unsigned char>(message[0]) == 0xff &&
          static_cast<unsigned char>(message[1]) == 0xff) {
        continue;
      }
      if (message.empty()) continue;
    }
    row = message;
    return true;
  }
  return false;
}

}  // namespace pgexport::pg
