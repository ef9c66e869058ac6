// Test helpers for the Parquet writer: building binary COPY tuples by hand (as PostgreSQL's
// send functions would), a minimal compact-protocol decoder to inspect what we wrote, and
// an in-memory ByteSink.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/byte_sink.hpp"
#include "pg/types.hpp"

namespace pgexport::format::parquet::pqtest {

// --- binary send formats ----------------------------------------------------------------------

inline void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
inline void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
inline void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

inline std::string bool_value(bool v) {
  return std::string(1, v ? 1 : 0);
}
inline std::string int2_value(int16_t v) {
  std::string s;
  put_u16(s, static_cast<uint16_t>(v));
  return s;
}
inline std::string int4_value(int32_t v) {
  std::string s;
  put_u32(s, static_cast<uint32_t>(v));
  return s;
}
inline std::string int8_value(int64_t v) {
  std::string s;
  put_u64(s, static_cast<uint64_t>(v));
  return s;
}
inline std::string float4_value(float v) {
  return int4_value(std::bit_cast<int32_t>(v));
}
inline std::string float8_value(double v) {
  return int8_value(std::bit_cast<int64_t>(v));
}

// numeric_send for a decimal literal such as "-1234.5600", "0.001", "NaN", "Infinity": the
// digits are grouped by four around the decimal point, leading and trailing zero groups are
// dropped (as PostgreSQL stores them), and dscale is the number of fraction digits written.
inline std::string numeric_value(std::string_view text) {
  std::string out;
  auto header = [&](int16_t ndigits, int16_t weight, uint16_t sign, int16_t dscale) {
    put_u16(out, static_cast<uint16_t>(ndigits));
    put_u16(out, static_cast<uint16_t>(weight));
    put_u16(out, sign);
    put_u16(out, static_cast<uint16_t>(dscale));
  };
  if (text == "NaN") return header(0, 0, 0xC000, 0), out;
  if (text == "Infinity") return header(0, 0, 0xD000, 0), out;
  if (text == "-Infinity") return header(0, 0, 0xF000, 0), out;
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  auto point = text.find('.');
  std::string integer(text.substr(0, point));
  std::string fraction = point == std::string_view::npos ? "" : std::string(text.substr(point + 1));
  int16_t dscale = static_cast<int16_t>(fraction.size());
  while (integer.size() % 4 != 0) integer.insert(integer.begin(), '0');
  while (fraction.size() % 4 != 0) fraction.push_back('0');
  std::vector<int16_t> digits;
  for (size_t i = 0; i < integer.size(); i += 4) digits.push_back(std::stoi(integer.substr(i, 4)));
  int16_t weight = static_cast<int16_t>(digits.size()) - 1;
  for (size_t i = 0; i < fraction.size(); i += 4) {
    digits.push_back(std::stoi(fraction.substr(i, 4)));
  }
  size_t first = 0;
  while (first < digits.size() && digits[first] == 0) {
    ++first;
    --weight;
  }
  digits.erase(digits.begin(), digits.begin() + static_cast<long>(first));
  while (!digits.empty() && digits.back() == 0) digits.pop_back();
  if (digits.empty()) weight = 0;
  bool is_negative = negative && !digits.empty();
  header(static_cast<int16_t>(digits.size()), weight, is_negative ? 0x4000 : 0x0000, dscale);
  for (int16_t digit : digits) put_u16(out, static_cast<uint16_t>(digit));
  return out;
}

// uuid_send: the 16 bytes of a UUID written as 32 hex digits with or without dashes.
inline std::string uuid_value(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

inline std::string jsonb_value(std::string_view text) {
  return "\x01" + std::string(text);
}

// array_send of a one-dimensional array (lower bound `lower_bound`), or with `dimensions`
// other than 1, a `dimensions`-dimensional array of shape length x 1 x 1 ...
inline std::string array_value(uint32_t element_oid,
                               const std::vector<std::optional<std::string>>& elements,
                               int32_t lower_bound = 1, int32_t dimensions = 1) {
  std::string out;
  bool has_nulls = false;
  for (const auto& e : elements) has_nulls |= !e.has_value();
  if (elements.empty()) dimensions = 0;
  put_u32(out, static_cast<uint32_t>(dimensions));
  put_u32(out, has_nulls ? 1 : 0);
  put_u32(out, element_oid);
  for (int32_t d = 0; d < dimensions; ++d) {
    put_u32(out, d == 0 ? static_cast<uint32_t>(elements.size()) : 1);
    put_u32(out, static_cast<uint32_t>(lower_bound));
  }
  for (const auto& e : elements) {
    if (!e) {
      put_u32(out, 0xFFFFFFFF);
    } else {
      put_u32(out, static_cast<uint32_t>(e->size()));
      out += *e;
    }
  }
  return out;
}

// One binary COPY tuple: field count, then each field's length (-1 for NULL) and bytes.
inline std::string tuple(const std::vector<std::optional<std::string>>& fields) {
  std::string out;
  put_u16(out, static_cast<uint16_t>(fields.size()));
  for (const auto& field : fields) {
    if (!field) {
      put_u32(out, 0xFFFFFFFF);
    } else {
      put_u32(out, static_cast<uint32_t>(field->size()));
      out += *field;
    }
  }
  return out;
}

// --- catalog shapes ----------------------------------------------------------------------------

inline pg::TypeDesc base_type(pg::Oid oid, std::string name, int32_t typmod = -1) {
  pg::TypeDesc type;
  type.oid = type.declared_oid = oid;
  type.name = type.base_name = std::move(name);
  type.typmod = typmod;
  return type;
}

inline int32_t numeric_typmod(int precision, int scale) {
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

inline pg::TypeDesc array_of(const pg::TypeDesc& element, pg::Oid array_oid) {
  pg::TypeDesc type;
  type.oid = type.declared_oid = array_oid;
  type.name = type.base_name = element.name + "[]";
  type.kind = pg::TypeKind::array;
  type.typmod = element.typmod;
  auto copy = element;
  copy.typmod = -1;
  type.element = std::make_shared<const pg::TypeDesc>(copy);
  return type;
}

inline pg::Column column(std::string name, pg::TypeDesc type, bool not_null = false) {
  pg::Column c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.not_null = not_null;
  return c;
}

// --- a minimal compact-protocol decoder --------------------------------------------------------

struct ThriftValue;
using ThriftStruct = std::map<int16_t, ThriftValue>;
using ThriftList = std::vector<ThriftValue>;
struct ThriftValue {
  std::variant<bool, int64_t, double, std::string, ThriftList, ThriftStruct> value;

  int64_t i() const { return std::get<int64_t>(value); }
  bool b() const { return std::get<bool>(value); }
  const std::string& s() const { return std::get<std::string>(value); }
  const ThriftList& list() const { return std::get<ThriftList>(value); }
  const ThriftStruct& st() const { return std::get<ThriftStruct>(value); }
  bool has(int16_t field) const { return st().count(field) > 0; }
  const ThriftValue& operator[](int16_t field) const { return st().at(field); }
};

class ThriftReader {
 public:
  explicit ThriftReader(std::string_view data) : data_(data) {}
  size_t position() const { return position_; }

  ThriftStruct read_struct() {
    ThriftStruct result;
    int16_t last = 0;
    while (true) {
      uint8_t header = byte();
      if (header == 0) return result;
      uint8_t type = header & 0x0f;
      int16_t delta = header >> 4;
      int16_t id = delta != 0 ? static_cast<int16_t>(last + delta) : static_cast<int16_t>(zigzag());
      last = id;
      if (type == 1 || type == 2) {
        result[id] = ThriftValue{type == 1};
      } else {
        result[id] = read_value(type);
      }
    }
  }

 private:
  uint8_t byte() {
    EXPECT_LT(position_, data_.size()) << "thrift data truncated";
    return static_cast<uint8_t>(data_.at(position_++));
  }
  uint64_t varint() {
    uint64_t result = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = byte();
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
  }
  int64_t zigzag() {
    uint64_t v = varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  ThriftValue read_value(uint8_t type) {
    switch (type) {
      case 2:  // boolean list element
        return ThriftValue{byte() == 1};
      case 3:
        return ThriftValue{static_cast<int64_t>(static_cast<int8_t>(byte()))};
      case 4:
      case 5:
      case 6:
        return ThriftValue{zigzag()};
      case 7: {
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(byte()) << (8 * i);
        return ThriftValue{std::bit_cast<double>(bits)};
      }
      case 8: {
        size_t length = varint();
        std::string s(data_.substr(position_, length));
        position_ += length;
        return ThriftValue{s};
      }
      case 9:
      case 10: {
        uint8_t header = byte();
        size_t size = header >> 4;
        uint8_t element = header & 0x0f;
        if (size == 15) size = varint();
        ThriftList list;
        for (size_t i = 0; i < size; ++i) list.push_back(read_value(element));
        return ThriftValue{list};
      }
      case 12:
        return ThriftValue{read_struct()};
      default:
        ADD_FAILURE() << "unsupported thrift type " << int(type);
        return ThriftValue{false};
    }
  }

  std::string_view data_;
  size_t position_ = 0;
};

// The FileMetaData of a whole Parquet file, after checking both magics and the length.
inline ThriftValue read_footer(const std::string& file) {
  EXPECT_GE(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t length = 0;
  std::memcpy(&length, file.data() + file.size() - 8, 4);
  std::string_view footer(file.data() + file.size() - 8 - length, length);
  ThriftReader reader(footer);
  ThriftValue metadata{reader.read_struct()};
  EXPECT_EQ(reader.position(), footer.size()) << "footer length does not match its content";
  return metadata;
}

// FileMetaData field numbers used by the tests.
namespace fmd {
inline constexpr int16_t kSchema = 2, kNumRows = 3, kRowGroups = 4, kKeyValue = 5, kCreatedBy = 6,
                         kColumnOrders = 7;
}
namespace rg {
inline constexpr int16_t kColumns = 1, kTotalByteSize = 2, kNumRows = 3, kFileOffset = 5,
                         kTotalCompressed = 6, kOrdinal = 7;
}
namespace cmd {  // ColumnMetaData
inline constexpr int16_t kType = 1, kEncodings = 2, kPath = 3, kCodec = 4, kNumValues = 5,
                         kUncompressed = 6, kCompressed = 7, kDataPageOffset = 9,
                         kDictionaryPageOffset = 11, kStatistics = 12, kEncodingStats = 13;
}
namespace st {  // Statistics
inline constexpr int16_t kNullCount = 3, kMax = 5, kMin = 6, kMaxExact = 7, kMinExact = 8,
                         kNanCount = 9;
}

}  // namespace pgexport::format::parquet::pqtest
