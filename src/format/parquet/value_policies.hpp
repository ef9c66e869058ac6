// The small policies that StandardColumnWriter is instantiated with. A policy is a physical-type
// trait (how Parquet stores, orders and dictionary-keys the value) plus a conversion from one
// PostgreSQL binary value to that physical value. Conversions throw data_error when a value
// cannot be stored exactly.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "format/parquet/metadata.hpp"
#include "format/parquet/pg_binary.hpp"

namespace pgexport::format::parquet::policy {

static_assert(std::endian::native == std::endian::little,
              "PLAIN encoding copies values as they sit in memory: little-endian hosts only");

// --- physical types --------------------------------------------------------------------------

struct BooleanTraits {
  using Value = bool;
  static constexpr PhysicalType kPhysical = PhysicalType::boolean;
  // A dictionary of two values never beats one bit per value.
  static constexpr bool kDictionary = false;
  static bool less(bool a, bool b) { return a < b; }
  static void append_plain(std::string& out, bool value) { out.push_back(value ? 1 : 0); }
  static size_t plain_size(bool) { return 1; }
};

// INT32, INT64, FLOAT, DOUBLE: PLAIN is the little-endian bytes of the value.
template <typename T, PhysicalType P>
struct FixedWidthTraits {
  using Value = T;
  static constexpr PhysicalType kPhysical = P;
  static constexpr bool kDictionary = true;
  static bool less(T a, T b) { return a < b; }
  static void append_plain(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
  }
  // Dictionary entries are keyed by their bytes, so NaN payloads and -0.0 stay distinct and
  // come back bit for bit.
  static size_t plain_size(T) { return sizeof(T); }
};

using Int32Traits = FixedWidthTraits<int32_t, PhysicalType::int32>;
using Int64Traits = FixedWidthTraits<int64_t, PhysicalType::int64>;
using FloatTraits = FixedWidthTraits<float, PhysicalType::float_>;
using DoubleTraits = FixedWidthTraits<double, PhysicalType::double_>;

// BYTE_ARRAY: PLAIN is a 4-byte little-endian length, then the bytes. Ordered as unsigned bytes
// (std::char_traits<char> compares like memcmp), as STRING, ENUM, JSON and raw binary require.
struct ByteArrayTraits {
  using Value = std::string_view;
  static constexpr PhysicalType kPhysical = PhysicalType::byte_array;
  static constexpr bool kDictionary = true;
  static bool less(std::string_view a, std::string_view b) { return a < b; }
  static void append_plain(std::string& out, std::string_view value) {
    uint32_t length = static_cast<uint32_t>(value.size());
    char bytes[4];
    std::memcpy(bytes, &length, 4);
    out.append(bytes, 4);
    out.append(value);
  }
  static size_t plain_size(std::string_view value) { return 4 + value.size(); }
};

// FIXED_LEN_BYTE_ARRAY: PLAIN is the bytes themselves; unsigned byte order (UUID).
struct FixedLenByteArrayTraits {
  using Value = std::string_view;
  static constexpr PhysicalType kPhysical = PhysicalType::fixed_len_byte_array;
  static constexpr bool kDictionary = true;
  static bool less(std::string_view a, std::string_view b) { return a < b; }
  static void append_plain(std::string& out, std::string_view value) { out.append(value); }
  static size_t plain_size(std::string_view value) { return value.size(); }
};

// --- conversions from PostgreSQL binary --------------------------------------------------------

struct BoolFromBool : BooleanTraits {
  bool convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 1, "boolean");
    return bytes[0] != 0;
  }
};

struct Int32FromInt2 : Int32Traits {
  int32_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 2, "smallint");
    return pg_binary::read_i16(bytes.data());
  }
};

struct Int32FromInt4 : Int32Traits {
  int32_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 4, "integer");
    return pg_binary::read_i32(bytes.data());
  }
};

struct Int64FromInt8 : Int64Traits {
  int64_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 8, "bigint");
    return pg_binary::read_i64(bytes.data());
  }
};

// oid is unsigned 32-bit: widened to a signed INT64 so every reader sees the same number.
struct Int64FromOid : Int64Traits {
  int64_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 4, "oid");
    return pg_binary::read_u32(bytes.data());
  }
};

struct FloatFromFloat4 : FloatTraits {
  float convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 4, "real");
    return std::bit_cast<float>(pg_binary::read_u32(bytes.data()));
  }
};

struct DoubleFromFloat8 : DoubleTraits {
  double convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 8, "double precision");
    return std::bit_cast<double>(pg_binary::read_u64(bytes.data()));
  }
};

struct DateFromDate : Int32Traits {
  int32_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 4, "date");
    return pg_binary::date_to_unix_days(pg_binary::read_i32(bytes.data()));
  }
};

// time: microseconds since midnight, 0 to 86400000000 (PostgreSQL accepts 24:00:00).
struct TimeFromTime : Int64Traits {
  int64_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 8, "time");
    return pg_binary::read_i64(bytes.data());
  }
};

// timestamp and timestamptz share the wire form; only the schema's isAdjustedToUTC differs.
struct TimestampFromTimestamp : Int64Traits {
  int64_t convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 8, "timestamp");
    return pg_binary::timestamp_to_unix_micros(pg_binary::read_i64(bytes.data()));
  }
};

// numeric(p,s) with p <= 9 as DECIMAL on INT32, p <= 18 on INT64.
template <typename Traits>
struct DecimalFromNumeric : Traits {
  int precision = 0;
  int scale = 0;
  typename Traits::Value convert(std::string_view bytes) {
    auto numeric = pg_binary::parse_numeric(bytes);
    return static_cast<typename Traits::Value>(
        pg_binary::numeric_to_unscaled(numeric, precision, scale));
  }
};
using Int32DecimalFromNumeric = DecimalFromNumeric<Int32Traits>;
using Int64DecimalFromNumeric = DecimalFromNumeric<Int64Traits>;

// numeric(p,s) with 18 < p <= 38 as DECIMAL on FIXED_LEN_BYTE_ARRAY(width): big-endian two's
// complement, ordered as signed numbers rather than as bytes.
struct FixedDecimalFromNumeric : FixedLenByteArrayTraits {
  int precision = 0;
  int scale = 0;
  int width = 0;
  std::string scratch;
  std::string_view convert(std::string_view bytes) {
    auto numeric = pg_binary::parse_numeric(bytes);
    scratch.clear();
    pg_binary::append_big_endian(scratch, pg_binary::numeric_to_unscaled(numeric, precision, scale),
                                 width);
    return scratch;
  }
  static bool less(std::string_view a, std::string_view b) {
    // Same width: the sign byte compares signed, the rest as unsigned bytes.
    auto a0 = static_cast<int8_t>(a[0]), b0 = static_cast<int8_t>(b[0]);
    if (a0 != b0) return a0 < b0;
    return a.substr(1) < b.substr(1);
  }
};

// numeric without a usable precision: PostgreSQL's exact text ("NaN" and "Infinity" included).
struct TextFromNumeric : ByteArrayTraits {
  std::string scratch;
  std::string_view convert(std::string_view bytes) {
    scratch.clear();
    pg_binary::append_numeric_text(scratch, pg_binary::parse_numeric(bytes));
    return scratch;
  }
};

struct UuidFromUuid : FixedLenByteArrayTraits {
  std::string_view convert(std::string_view bytes) {
    pg_binary::expect_size(bytes, 16, "uuid");  // already big-endian, as Parquet's UUID wants
    return bytes;
  }
};

// Bytes that are already what Parquet stores: bytea, and text in any of its forms (text,
// varchar, bpchar, name, enum labels, json, and every column the server casts to text).
struct BytesAsIs : ByteArrayTraits {
  std::string_view convert(std::string_view bytes) { return bytes; }
};

// jsonb_send: a version byte (1) then the document as text.
struct TextFromJsonb : ByteArrayTraits {
  std::string_view convert(std::string_view bytes) {
    constexpr char kJsonbVersion = 1;
    if (bytes.empty() || bytes[0] != kJsonbVersion) {
      fail(ErrorKind::data_error, "a binary jsonb value has an unknown format version {}",
           bytes.empty() ? -1 : static_cast<int>(bytes[0]));
    }
    return bytes.substr(1);
  }
};

}  // namespace pgexport::format::parquet::policy
