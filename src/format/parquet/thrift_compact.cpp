#include "format/parquet/thrift_compact.hpp"

#include "common/error.hpp"

namespace pgexport::format::parquet::thrift {

void append_varint(std::string& out, uint64_t value) {
  // Seven payload bits per byte, low groups first; the high bit says "more bytes follow".
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void CompactWriter::field_header(int16_t id, CompactType type) {
  if (last_field_ids_.empty()) fail(ErrorKind::internal, "thrift: field outside a struct");
  int16_t& last = last_field_ids_.back();
  int delta = id - last;
  if (delta > 0 && delta <= 15) {
    // Short form: the id delta in the high nibble, the type in the low one.
    out_.push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    // Long form: the type alone, then the id as a zigzag varint (an i16).
    out_.push_back(static_cast<char>(type));
    append_varint(out_, zigzag(id));
  }
  last = id;
}

void CompactWriter::field_bool(int16_t id, bool value) {
  field_header(id, value ? CompactType::boolean_true : CompactType::boolean_false);
}

void CompactWriter::field_i8(int16_t id, int8_t value) {
  field_header(id, CompactType::i8);
  out_.push_back(static_cast<char>(value));
}

void CompactWriter::field_i16(int16_t id, int16_t value) {
  field_header(id, CompactType::i16);
  append_varint(out_, zigzag(value));
}

void CompactWriter::field_i32(int16_t id, int32_t value) {
  field_header(id, CompactType::i32);
  append_varint(out_, zigzag(value));
}

void CompactWriter::field_i64(int16_t id, int64_t value) {
  field_header(id, CompactType::i64);
  append_varint(out_, zigzag(value));
}

void CompactWriter::field_binary(int16_t id, std::string_view value) {
  field_header(id, CompactType::binary);
  element_binary(value);
}

void CompactWriter::begin_struct_field(int16_t id) {
  field_header(id, CompactType::struct_);
  begin_struct();
}

void CompactWriter::begin_list_field(int16_t id, CompactType element_type, uint32_t size) {
  field_header(id, CompactType::list);
  // Sizes 0-14 fit in the header's high nibble; 15 there means "a varint size follows".
  constexpr uint32_t kShortListLimit = 15;
  if (size < kShortListLimit) {
    out_.push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(element_type)));
  } else {
    out_.push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(element_type)));
    append_varint(out_, size);
  }
}

void CompactWriter::element_i32(int32_t value) {
  append_varint(out_, zigzag(value));
}

void CompactWriter::element_i64(int64_t value) {
  append_varint(out_, zigzag(value));
}

void CompactWriter::element_binary(std::string_view value) {
  append_varint(out_, value.size());
  out_.append(value);
}

void CompactWriter::begin_struct_element() {
  begin_struct();
}

void CompactWriter::begin_struct() {
  last_field_ids_.push_back(0);
}

void CompactWriter::end_struct() {
  if (last_field_ids_.empty()) fail(ErrorKind::internal, "thrift: unbalanced end_struct");
  out_.push_back(0);  // the stop field
  last_field_ids_.pop_back();
}

}  // namespace pgexport::format::parquet::thrift
