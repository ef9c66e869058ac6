// Bounds-checked reading of the big-endian integers and NUL-terminated strings that the
// replication protocol and pgoutput messages are made of. Every read checks what is left
// first, so a truncated or corrupt message becomes a pgexport::Error (database_error) naming
// the message and the byte offset, never a read past the end.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string_view>

#include "common/error.hpp"

namespace pgexport::pg::replication {

class WireReader {
 public:
  // `message` names what is read, for errors: "pgoutput Insert", "XLogData".
  WireReader(std::string_view data, std::string_view message) : data_(data), message_(message) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  std::string_view message() const { return message_; }

  uint8_t u8(std::string_view field) { return static_cast<uint8_t>(take(1, field)[0]); }
  uint16_t u16(std::string_view field) { return static_cast<uint16_t>(big_endian(2, field)); }
  uint32_t u32(std::string_view field) { return static_cast<uint32_t>(big_endian(4, field)); }
  uint64_t u64(std::string_view field) { return big_endian(8, field); }
  int16_t i16(std::string_view field) { return static_cast<int16_t>(u16(field)); }
  int32_t i32(std::string_view field) { return static_cast<int32_t>(u32(field)); }
  int64_t i64(std::string_view field) { return static_cast<int64_t>(u64(field)); }

  // `size` bytes, as a view into the input.
  std::string_view bytes(size_t size, std::string_view field) { return take(size, field); }
  // Everything that is left, as a view into the input.
  std::string_view rest() { return take(remaining(), "rest"); }

  // A NUL-terminated string, without its NUL, as a view into the input.
  std::string_view cstring(std::string_view field) {
    auto end = data_.find('\0', offset_);
    if (end == std::string_view::npos) {
      fail_at(offset_, "the {} string has no terminating NUL byte", field);
    }
    auto value = data_.substr(offset_, end - offset_);
    offset_ = end + 1;
    return value;
  }

  // Fails unless the whole input was read: the formats have no trailing data.
  void expect_end() {
    if (remaining() != 0) fail_at(offset_, "{} unexpected bytes after the message", remaining());
  }

  // Throws database_error naming the message and `offset`.
  template <typename... Args>
  [[noreturn]] void fail_at(size_t offset, fmt::format_string<Args...> format,
                            Args&&... args) const {
    fail(ErrorKind::database_error,
         "malformed {} message at byte offset {} of {}: {} (the replication stream is corrupt or "
         "comes from an unsupported server or protocol version)",
         message_, offset, data_.size(), fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  std::string_view take(size_t size, std::string_view field) {
    if (size > remaining()) {
      fail_at(offset_, "the {} needs {} bytes but only {} are left", field, size, remaining());
    }
    auto value = data_.substr(offset_, size);
    offset_ += size;
    return value;
  }

  uint64_t big_endian(size_t size, std::string_view field) {
    uint64_t value = 0;
    for (char byte : take(size, field)) value = (value << 8) | static_cast<uint8_t>(byte);
    return value;
  }

  std::string_view data_;
  std::string_view message_;
  size_t offset_ = 0;
};

}  // namespace pgexport::pg::replication
