// A small encoder for Apache Thrift's compact protocol, just enough to write Parquet's footer
// and page headers (parquet.thrift): structs, lists, integers, booleans and binary. We write
// our own because it is a few dozen lines and Debian ships no Parquet library.
//
// Struct fields must be written in increasing field-id order within a struct; the encoder
// writes each field header as a delta from the previous id, as the protocol prefers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::format::parquet::thrift {

// Compact-protocol type codes (thrift-compact-protocol.md). Field headers and list headers
// use the same numbers except for booleans: a boolean field stores its value in the type
// (1 = true, 2 = false), while a list of booleans has element type 2 and one byte per value.
enum class CompactType : uint8_t {
  boolean_true = 1,
  boolean_false = 2,
  i8 = 3,
  i16 = 4,
  i32 = 5,
  i64 = 6,
  double_ = 7,
  binary = 8,
  list = 9,
  set = 10,
  map = 11,
  struct_ = 12,
};

// Unsigned LEB128 ("varint"), as the compact protocol uses for lengths and zigzag integers.
void append_varint(std::string& out, uint64_t value);
// Zigzag folds signed values into unsigned ones so small magnitudes stay short: 0, -1, 1, -2
// become 0, 1, 2, 3.
inline uint64_t zigzag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}

class CompactWriter {
 public:
  // Appends to `out`, which must outlive the writer.
  explicit CompactWriter(std::string& out) : out_(out) {}

  // Struct fields. begin_struct_field() opens a nested struct that end_struct() closes.
  void field_bool(int16_t id, bool value);
  void field_i8(int16_t id, int8_t value);
  void field_i16(int16_t id, int16_t value);
  void field_i32(int16_t id, int32_t value);
  void field_i64(int16_t id, int64_t value);
  void field_binary(int16_t id, std::string_view value);
  void begin_struct_field(int16_t id);
  // Opens a list field of `size` elements; write exactly that many elements next.
  void begin_list_field(int16_t id, CompactType element_type, uint32_t size);

  // List elements.
  void element_i32(int32_t value);
  void element_i64(int64_t value);
  void element_binary(std::string_view value);
  void begin_struct_element();

  // Opens the top-level struct being encoded.
  void begin_struct();
  // Closes the innermost open struct (top-level, field or list element) with a stop byte.
  void end_struct();

 private:
  void field_header(int16_t id, CompactType type);

  std::string& out_;
  // Last field id written, per open struct; the outermost struct is pushed by begin_struct().
  std::vector<int16_t> last_field_ids_;
};

}  // namespace pgexport::format::parquet::thrift
