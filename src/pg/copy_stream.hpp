// Streams the rows of one COPY ... TO STDOUT. Each CopyData message the server sends holds
// exactly one row; for the binary format the file header and trailer are removed here, so
// consumers see tuples only.
#pragma once

#include <string>
#include <string_view>

#include "pg/connection.hpp"

namespace pgexport::pg {

class CopyStream {
 public:
  // Starts `copy_sql` (a COPY ... TO STDOUT statement) on `connection`.
  CopyStream(Connection& connection, const std::string& copy_sql, bool binary);
  ~CopyStream();
  CopyStream(const CopyStream&) = delete;
  CopyStream& operator=(const CopyStream&) = delete;

  // The next row, valid until the next call; false once the COPY has completed successfully.
  bool next(std::string_view& row);

 private:
  void release_buffer();
  void finish();

  Connection& connection_;
  bool binary_;
  bool header_pending_;
  bool done_ = false;
  char* buffer_ = nullptr;
};

}  // namespace pgexport::pg
