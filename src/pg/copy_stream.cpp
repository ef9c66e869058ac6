#include "pg/copy_stream.hpp"

#include <fmt/format.h>

#include <cstring>

#include "common/error.hpp"

namespace pgexport::pg {

namespace {
// "PGCOPY\n\377\r\n\0", then int32 flags and int32 header-extension length.
constexpr char kBinarySignature[] = "PGCOPY\n\377\r\n";
constexpr size_t kSignatureSize = 11;
constexpr size_t kFixedHeaderSize = kSignatureSize + 8;

// The server builds each value's text form, and each COPY row, in one allocation of at most
// 1 GB (MaxAllocSize). Past it COPY ends with one of these: a bytea above 512 MiB has no hex
// text ("invalid memory alloc request size"), and a row of several large values, or a text
// whose escapes push it past 1 GB, outgrows the row buffer ("Cannot enlarge string buffer").
bool is_allocation_limit(std::string_view message) {
  return message.find("invalid memory alloc request size") != std::string_view::npos ||
         message.find("Cannot enlarge string buffer") != std::string_view::npos;
}

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
    const char* primary = PQresultErrorField(result.native(), PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(result.native(), PG_DIAG_MESSAGE_DETAIL);
    const std::string message =
        fmt::format("{}{}{}", primary ? primary : "", detail ? ": " : "", detail ? detail : "");
    if (is_allocation_limit(message)) {
      fail(ErrorKind::data_error,
           "COPY failed on the {} connection: a value or row is larger in COPY's {} form than "
           "PostgreSQL's 1 GB allocation limit ({}); a bytea above 512 MiB has no text form: "
           "export the table with --format parquet, which reads values in binary, or leave the "
           "column out with --exclude-columns",
           connection_.purpose(), binary_ ? "binary" : "text", message);
    }
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
    connection_.record_message(static_cast<uint64_t>(length));
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
