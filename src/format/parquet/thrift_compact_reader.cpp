#include "format/parquet/thrift_compact_reader.hpp"

#include "common/error.hpp"

namespace pgexport::format::parquet::thrift {

namespace {
// Parquet footers nest about five structs deep (FileMetaData > RowGroup > ColumnChunk >
// ColumnMetaData > Statistics); this bound is generous for them and stops hostile input from
// exhausting the stack.
constexpr int kMaxDepth = 64;
}  // namespace

uint8_t CompactReader::read_byte() {
  if (position_ >= bytes_.size()) {
    fail(ErrorKind::data_error, "thrift: the footer ends early (at byte {})", position_);
  }
  return static_cast<uint8_t>(bytes_[position_++]);
}

uint64_t CompactReader::read_varint() {
  uint64_t value = 0;
  // Ten 7-bit groups hold 64 bits; an eleventh continuation byte is malformed.
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t byte = read_byte();
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  fail(ErrorKind::data_error, "thrift: a varint at byte {} is longer than 10 bytes", position_);
}

void CompactReader::begin_struct() {
  if (depth_ >= kMaxDepth) fail(ErrorKind::data_error, "thrift: structs nest too deeply");
  last_ids_[depth_++] = 0;
}

FieldHeader CompactReader::next_field() {
  if (depth_ == 0) fail(ErrorKind::internal, "thrift: next_field() outside a struct");
  uint8_t byte = read_byte();
  FieldHeader header;
  header.type = byte & 0x0f;
  if (header.type == 0) {
    --depth_;
    return header;
  }
  int delta = byte >> 4;
  if (delta != 0) {
    header.id = static_cast<int16_t>(last_ids_[depth_ - 1] + delta);
  } else {
    uint64_t folded = read_varint();
    header.id =
        static_cast<int16_t>(static_cast<int64_t>(folded >> 1) ^ -static_cast<int64_t>(folded & 1));
  }
  last_ids_[depth_ - 1] = header.id;
  return header;
}

int64_t CompactReader::read_i64() {
  uint64_t folded = read_varint();
  return static_cast<int64_t>(folded >> 1) ^ -static_cast<int64_t>(folded & 1);
}

int32_t CompactReader::read_i32() {
  int64_t value = read_i64();
  if (value < INT32_MIN || value > INT32_MAX) {
    fail(ErrorKind::data_error, "thrift: an i32 at byte {} is out of range", position_);
  }
  return static_cast<int32_t>(value);
}

int8_t CompactReader::read_i8() {
  return static_cast<int8_t>(read_byte());
}

std::string_view CompactReader::read_binary() {
  uint64_t length = read_varint();
  if (length > bytes_.size() - position_) {
    fail(ErrorKind::data_error, "thrift: a binary of {} bytes at byte {} runs past the footer",
         length, position_);
  }
  auto value = bytes_.substr(position_, length);
  position_ += length;
  return value;
}

ListHeader CompactReader::read_list_header() {
  uint8_t byte = read_byte();
  ListHeader header;
  header.element_type = byte & 0x0f;
  header.size = byte >> 4;
  if (header.size == 15) {
    uint64_t size = read_varint();
    // Every element takes at least one byte, so a longer list cannot fit in what is left.
    if (size > bytes_.size() - position_) {
      fail(ErrorKind::data_error, "thrift: a list of {} elements runs past the footer", size);
    }
    header.size = static_cast<uint32_t>(size);
  }
  return header;
}

void CompactReader::skip(uint8_t type) {
  skip_value(type, depth_, false);
}

void CompactReader::skip_value(uint8_t type, int depth, bool in_list) {
  if (depth >= kMaxDepth) fail(ErrorKind::data_error, "thrift: values nest too deeply");
  switch (static_cast<CompactType>(type)) {
    case CompactType::boolean_true:
    case CompactType::boolean_false:
      // A boolean field holds its value in the header; a list element takes one byte.
      if (in_list) read_byte();
      return;
    case CompactType::i8:
      read_byte();
      return;
    case CompactType::i16:
    case CompactType::i32:
    case CompactType::i64:
      read_varint();
      return;
    case CompactType::double_:
      for (int i = 0; i < 8; ++i) read_byte();
      return;
    case CompactType::binary:
      read_binary();
      return;
    case CompactType::list:
    case CompactType::set: {
      ListHeader list = read_list_header();
      for (uint32_t i = 0; i < list.size; ++i) skip_value(list.element_type, depth + 1, true);
      return;
    }
    case CompactType::map: {
      uint64_t size = read_varint();
      if (size == 0) return;
      uint8_t types = read_byte();
      for (uint64_t i = 0; i < size; ++i) {
        skip_value(types >> 4, depth + 1, true);
        skip_value(types & 0x0f, depth + 1, true);
      }
      return;
    }
    case CompactType::struct_: {
      while (true) {
        uint8_t byte = read_byte();
        uint8_t field_type = byte & 0x0f;
        if (field_type == 0) return;
        if ((byte >> 4) == 0) {
          read_varint();  // the field id, not needed to skip
        }
        skip_value(field_type, depth + 1, false);
      }
    }
  }
  fail(ErrorKind::data_error, "thrift: unknown type {} at byte {}", type, position_);
}

}  // namespace pgexport::format::parquet::thrift
