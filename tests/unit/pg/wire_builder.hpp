// Builds replication protocol and pgoutput messages byte by byte for the decoder tests:
// big-endian integers, NUL-terminated strings and raw bytes, in the order the test writes them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pgexport::pg::replication {

class WireBuilder {
 public:
  WireBuilder& u8(uint8_t value) {
    bytes_.push_back(static_cast<char>(value));
    return *this;
  }
  WireBuilder& tag(char value) {
    bytes_.push_back(value);
    return *this;
  }
  WireBuilder& i16(int16_t value) { return big_endian(static_cast<uint16_t>(value), 2); }
  WireBuilder& i32(int32_t value) { return big_endian(static_cast<uint32_t>(value), 4); }
  WireBuilder& u32(uint32_t value) { return big_endian(value, 4); }
  WireBuilder& u64(uint64_t value) { return big_endian(value, 8); }
  WireBuilder& i64(int64_t value) { return big_endian(static_cast<uint64_t>(value), 8); }
  WireBuilder& cstring(std::string_view value) {
    bytes_.append(value);
    bytes_.push_back('\0');
    return *this;
  }
  WireBuilder& raw(std::string_view value) {
    bytes_.append(value);
    return *this;
  }
  // A TupleData column: 't' or 'b' with an Int32 length and the bytes.
  WireBuilder& value(char kind, std::string_view bytes) {
    tag(kind).i32(static_cast<int32_t>(bytes.size()));
    return raw(bytes);
  }

  const std::string& bytes() const { return bytes_; }

 private:
  WireBuilder& big_endian(uint64_t value, int size) {
    for (int i = size - 1; i >= 0; --i) bytes_.push_back(static_cast<char>(value >> (8 * i)));
    return *this;
  }
  std::string bytes_;
};

}  // namespace pgexport::pg::replication
