// Decoding PostgreSQL's binary send/recv formats (as COPY ... (FORMAT binary) carries them)
// into the values Parquet stores. Pure functions over bytes; errors are pgexport::Error
// (data_error) whose messages say what was wrong with the value, and the caller adds the
// table and column.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace pgexport::format::parquet::pg_binary {

// Big-endian reads, as every PostgreSQL binary format uses network byte order.
inline uint16_t read_u16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap16(v);
}
inline uint32_t read_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap32(v);
}
inline uint64_t read_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap64(v);
}
inline int16_t read_i16(const char* p) {
  return static_cast<int16_t>(read_u16(p));
}
inline int32_t read_i32(const char* p) {
  return static_cast<int32_t>(read_u32(p));
}
inline int64_t read_i64(const char* p) {
  return static_cast<int64_t>(read_u64(p));
}

// Throws data_error unless `bytes` has exactly `size` bytes (a fixed-width type's wire size).
void expect_size(std::string_view bytes, size_t size, std::string_view type_name);

// Walks the fields of one COPY binary tuple: an int16 field count, then per field an int32
// length (-1 for NULL) and that many bytes.
class TupleReader {
 public:
  // Throws data_error if the tuple is truncated or has a field count other than `expected`.
  TupleReader(std::string_view tuple, size_t expected_fields);
  // The next field, or nullopt for NULL. Call exactly `expected_fields` times.
  std::optional<std::string_view> next();
  // Throws data_error if bytes are left over after the last field.
  void expect_end() const;

 private:
  std::string_view rest_;
};

// --- numeric -----------------------------------------------------------------------------
// numeric_send: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then ndigits base-10000
// digits (int16, 0..9999), most significant first. The value is
// sum(digit[i] * 10000^(weight - i)), negated when sign is kNumericNegative.
inline constexpr uint16_t kNumericPositive = 0x0000;
inline constexpr uint16_t kNumericNegative = 0x4000;
inline constexpr uint16_t kNumericNaN = 0xC000;
inline constexpr uint16_t kNumericPositiveInfinity = 0xD000;  // PostgreSQL 14 and later
inline constexpr uint16_t kNumericNegativeInfinity = 0xF000;  // PostgreSQL 14 and later

struct NumericView {
  int16_t ndigits = 0;
  int16_t weight = 0;
  uint16_t sign = kNumericPositive;
  int16_t dscale = 0;            // digits after the decimal point in the text form
  const char* digits = nullptr;  // ndigits big-endian int16s

  int16_t digit(int index) const {
    return index >= 0 && index < ndigits ? read_i16(digits + 2 * index) : 0;
  }
  bool is_special() const { return sign != kNumericPositive && sign != kNumericNegative; }
};

// Validates the header, the digit count and each digit's range.
NumericView parse_numeric(std::string_view bytes);

// Appends the value exactly as PostgreSQL's numeric_out renders it ("-12.50", "0.001", "NaN",
// "Infinity", "-Infinity"): every digit kept, dscale digits after the point.
void append_numeric_text(std::string& out, const NumericView& numeric);

// The value times 10^scale as an exact integer, for a Parquet DECIMAL(precision, scale).
// Throws data_error for NaN or infinity, for a value with more fractional digits than `scale`
// (which would need rounding), or one with more than `precision` digits. precision <= 38.
__int128 numeric_to_unscaled(const NumericView& numeric, int precision, int scale);

// Appends `value` as `width` bytes of big-endian two's complement (a DECIMAL stored in a
// FIXED_LEN_BYTE_ARRAY). `width` must be large enough; 1..16.
void append_big_endian(std::string& out, __int128 value, int width);

// The smallest FIXED_LEN_BYTE_ARRAY width that holds every unscaled value of `precision`
// decimal digits (Parquet LogicalTypes.md, DECIMAL): 19 digits need 9 bytes, 38 need 16.
int decimal_byte_width(int precision);

// --- dates and times -------------------------------------------------------------------------
// PostgreSQL counts from 2000-01-01; Parquet from 1970-01-01. 10957 days lie between them.
inline constexpr int32_t kPostgresEpochDays = 10957;
inline constexpr int64_t kMicrosPerDay = 86'400'000'000;
inline constexpr int64_t kPostgresEpochMicros = kPostgresEpochDays * kMicrosPerDay;

// PostgreSQL's -infinity and infinity in binary: DT_NOBEGIN/DT_NOEND for timestamps,
// DATEVAL_NOBEGIN/DATEVAL_NOEND for dates.
inline constexpr int64_t kPostgresTimestampNoBegin = INT64_MIN;
inline constexpr int64_t kPostgresTimestampNoEnd = INT64_MAX;
inline constexpr int32_t kPostgresDateNoBegin = INT32_MIN;
inline constexpr int32_t kPostgresDateNoEnd = INT32_MAX;

// What pgexport writes for them: plus and minus the largest value. DuckDB reads exactly these as
// infinity and -infinity; INT64_MIN would read as a date in 290309 BC there, and as NaT (a
// missing value) in pandas and NumPy. No finite PostgreSQL value maps to either.
inline constexpr int64_t kTimestampMinusInfinity = -INT64_MAX;
inline constexpr int64_t kTimestampInfinity = INT64_MAX;
inline constexpr int32_t kDateMinusInfinity = -INT32_MAX;
inline constexpr int32_t kDateInfinity = INT32_MAX;

// date_send (days since 2000-01-01) to days since 1970-01-01, and PostgreSQL's infinities to
// ours. Every finite PostgreSQL date fits after the shift.
int32_t date_to_unix_days(int32_t postgres_days);

// timestamp_send (microseconds since 2000-01-01) to microseconds since 1970-01-01, and
// PostgreSQL's infinities to ours. Throws data_error for the finite timestamps after 294247-01-10
// 04:00:54 UTC whose Unix value would overflow or collide with the infinity sentinel.
int64_t timestamp_to_unix_micros(int64_t postgres_micros);

// --- arrays ------------------------------------------------------------------------------------
// array_send: int32 ndim, int32 flags (1 = has NULLs), uint32 element type oid, then per
// dimension int32 length and int32 lower bound, then each element as int32 length (-1 = NULL)
// and bytes.
struct ArrayHeader {
  int32_t dimensions = 0;  // 0 for an empty array
  uint32_t element_oid = 0;
  int32_t length = 0;         // first dimension (0 when empty)
  int32_t lower_bound = 1;    // first dimension
  std::string_view elements;  // the element data after the header
};

ArrayHeader parse_array_header(std::string_view bytes);

// Walks the elements of a one-dimensional array.
class ArrayElementReader {
 public:
  explicit ArrayElementReader(const ArrayHeader& header) : rest_(header.elements) {}
  // The next element, or nullopt for a NULL element. Throws data_error if truncated.
  std::optional<std::string_view> next();
  void expect_end() const;

 private:
  std::string_view rest_;
};

}  // namespace pgexport::format::parquet::pg_binary
