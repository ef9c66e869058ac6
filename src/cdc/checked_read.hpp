// Reading back a file the commit log lists (materialize, the DMS change files): every byte is
// hashed and counted on its way to the decoder, so the file is checked against its listing
// while it is decoded.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "common/byte_sink.hpp"
#include "common/digest.hpp"

namespace pgexport::cdc {

// Hashes and counts every byte written, and passes them on until the first failure
// downstream, which is kept: a file whose size or SHA-256 differs from its listing is reported
// as that, never as the parse error its damage caused.
class CheckedRead final : public ByteSink {
 public:
  explicit CheckedRead(ByteSink& downstream) : downstream_(downstream) {}

  void write(std::string_view bytes) override {
    hash_.update(bytes);
    size_ += bytes.size();
    if (failure_) return;
    try {
      downstream_.write(bytes);
    } catch (...) {
      failure_ = std::current_exception();
    }
  }
  uint64_t size() const { return size_; }
  std::string sha256() { return hex_encode(hash_.finish()); }
  // The decoder's failure, if any, to rethrow once the sizes and digests agree.
  std::exception_ptr failure() const { return failure_; }

 private:
  ByteSink& downstream_;
  Sha256 hash_;
  uint64_t size_ = 0;
  std::exception_ptr failure_;
};

}  // namespace pgexport::cdc
