// Counting the rows of an exported file from its (decompressed) bytes, streaming: a CSV
// record counter that knows quoted fields may hold newlines, a line counter for JSON Lines,
// and a tail keeper that holds the end of a Parquet file for its footer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/byte_sink.hpp"

namespace pgexport::housekeeping {

// Counts CSV records (RFC 4180, as PostgreSQL's COPY ... CSV and pgexport write them): a record
// ends at a newline outside double quotes; "" inside quotes is an escaped quote. A last record
// without a newline counts too.
class CsvRecordCounter final : public ByteSink {
 public:
  void write(std::string_view bytes) override;
  uint64_t records() const { return records_ + (record_open_ ? 1 : 0); }
  // True when the data ended inside a quoted field: the file is cut short or is not CSV.
  bool inside_quotes() const { return in_quotes_; }

 private:
  uint64_t records_ = 0;
  bool in_quotes_ = false;
  bool record_open_ = false;  // bytes seen since the last record ended
};

// Counts lines: newline-terminated, plus a last line without a newline.
class LineCounter final : public ByteSink {
 public:
  void write(std::string_view bytes) override;
  uint64_t lines() const { return lines_ + (line_open_ ? 1 : 0); }

 private:
  uint64_t lines_ = 0;
  bool line_open_ = false;
};

// Keeps the first bytes and the last `keep` bytes (at least) of a stream; memory stays within
// about twice `keep` whatever the stream's length.
class TailKeeper final : public ByteSink {
 public:
  explicit TailKeeper(size_t keep) : keep_(keep) {}
  void write(std::string_view bytes) override;
  // The last bytes seen: all of them when the stream was no longer than `keep`.
  std::string_view tail() const { return tail_; }
  // The first four bytes (fewer if the stream was shorter).
  std::string_view head() const { return head_; }
  uint64_t total() const { return total_; }

 private:
  size_t keep_;
  std::string tail_;
  std::string head_;
  uint64_t total_ = 0;
};

}  // namespace pgexport::housekeeping
