#include "housekeeping/record_counters.hpp"

#include <algorithm>

namespace pgexport::housekeeping {

void CsvRecordCounter::write(std::string_view bytes) {
  for (char c : bytes) {
    // A doubled quote inside a quoted field toggles twice, which leaves the state as it was,
    // so quotes need no lookahead across writes.
    if (c == '"') {
      in_quotes_ = !in_quotes_;
      record_open_ = true;
    } else if (c == '\n' && !in_quotes_) {
      ++records_;
      record_open_ = false;
    } else {
      record_open_ = true;
    }
  }
}

void LineCounter::write(std::string_view bytes) {
  if (bytes.empty()) return;
  lines_ += static_cast<uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  line_open_ = bytes.back() != '\n';
}

void TailKeeper::write(std::string_view bytes) {
  // Parquet's magic is four bytes.
  constexpr size_t kHeadBytes = 4;
  if (head_.size() < kHeadBytes) head_.append(bytes.substr(0, kHeadBytes - head_.size()));
  total_ += bytes.size();
  tail_.append(bytes);
  // Trim only once the buffer holds twice what must be kept, so each byte is moved O(1) times.
  if (tail_.size() > 2 * keep_) tail_.erase(0, tail_.size() - keep_);
}

}  // namespace pgexport::housekeeping
