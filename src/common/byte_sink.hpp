// The byte-stream seam: encoders write into a ByteSink, compressors are ByteSinks that write
// into another, and storage objects are ByteSinks that can be committed or aborted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pgexport {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends bytes. Throws pgexport::Error when the bytes cannot be accepted.
  virtual void write(std::string_view bytes) = 0;
};

// Counts what passes through to the sink below; used to roll files at a size limit.
class CountingSink final : public ByteSink {
 public:
  explicit CountingSink(ByteSink& downstream) : downstream_(downstream) {}
  void write(std::string_view bytes) override {
    downstream_.write(bytes);
    count_ += bytes.size();
  }
  uint64_t count() const { return count_; }

 private:
  ByteSink& downstream_;
  uint64_t count_ = 0;
};

// Collects everything written, in memory: for small objects and for tests.
class StringSink final : public ByteSink {
 public:
  void write(std::string_view bytes) override { data.append(bytes); }
  std::string data;
};

}  // namespace pgexport
