// A small decoder for Apache Thrift's compact protocol, the reading half of thrift_compact.hpp:
// enough to walk a Parquet footer, read the fields wanted and skip every other one whatever its
// type. Malformed input (a length past the end, an unknown type, nesting deeper than any
// Parquet footer has) throws Error(data_error); nothing reads past the buffer.
#pragma once

#include <cstdint>
#include <string_view>

#include "format/parquet/thrift_compact.hpp"

namespace pgexport::format::parquet::thrift {

struct FieldHeader {
  int16_t id = 0;
  uint8_t type = 0;  // a CompactType, or 0 for the stop byte that ends a struct
  bool stop() const { return type == 0; }
};

struct ListHeader {
  uint8_t element_type = 0;
  uint32_t size = 0;
};

class CompactReader {
 public:
  explicit CompactReader(std::string_view bytes) : bytes_(bytes) {}

  // Opens a struct (the top-level one, or a struct field or element just announced).
  void begin_struct();
  // The next field of the innermost open struct; stop() at its end, which also closes it.
  FieldHeader next_field();

  int64_t read_i64();  // i16, i32 and i64 share the zigzag varint encoding
  int32_t read_i32();
  int8_t read_i8();  // one byte, not a varint
  // A boolean field carries its value in its header; call with that header's type.
  static bool bool_of_field(uint8_t type) { return type == 1; }
  std::string_view read_binary();
  ListHeader read_list_header();

  // Skips one value of `type` (a field's or a list element's), with everything nested in it.
  void skip(uint8_t type);

  size_t position() const { return position_; }

 private:
  uint8_t read_byte();
  uint64_t read_varint();
  void skip_value(uint8_t type, int depth, bool in_list);

  std::string_view bytes_;
  size_t position_ = 0;
  // Last field id per open struct, since field headers hold deltas.
  int16_t last_ids_[64] = {};
  int depth_ = 0;
};

}  // namespace pgexport::format::parquet::thrift
