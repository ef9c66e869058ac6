#include "format/parquet/pg_binary.hpp"

#include <array>

#include "common/error.hpp"
#include "format/format.hpp"

namespace pgexport::format::parquet::pg_binary {
namespace {

// numeric's base: each stored digit holds four decimal digits.
constexpr int kDecimalDigitsPerNumericDigit = 4;
constexpr int kNumericBase = 10000;
// Parquet DECIMAL tops out at 38 digits, the most a 16-byte two's complement integer holds.
constexpr int kMaxDecimalPrecision = 38;

using u128 = unsigned __int128;

constexpr std::array<u128, kMaxDecimalPrecision + 1> powers_of_ten() {
  std::array<u128, kMaxDecimalPrecision + 1> powers{};
  u128 power = 1;
  for (auto& entry : powers) {
    entry = power;
    power *= 10;
  }
  return powers;
}
constexpr auto kPowersOfTen = powers_of_ten();

// A finite PostgreSQL timestamp as "YYYY-MM-DD HH:MM:SS.ffffff" (AD years only), for messages.
// Days to a proleptic Gregorian date by counting 400-year eras from 0000-03-01, as in Howard
// Hinnant's civil-date algorithms.
std::string describe_timestamp(int64_t postgres_micros) {
  int64_t days = postgres_micros / kMicrosPerDay;
  int64_t micros = postgres_micros % kMicrosPerDay;
  if (micros < 0) {
    micros += kMicrosPerDay;
    --days;
  }
  constexpr int64_t kDaysFrom0000_03_01To1970 = 719468;
  constexpr int64_t kDaysPerEra = 146097;  // 400 Gregorian years
  int64_t z = days + kPostgresEpochDays + kDaysFrom0000_03_01To1970;
  int64_t era = (z >= 0 ? z : z - kDaysPerEra + 1) / kDaysPerEra;
  int64_t day_of_era = z - era * kDaysPerEra;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
  int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
  int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  int64_t seconds = micros / 1'000'000;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", year, month, day, seconds / 3600,
                     seconds / 60 % 60, seconds % 60, micros % 1'000'000);
}

}  // namespace

void expect_size(std::string_view bytes, size_t size, std::string_view type_name) {
  if (bytes.size() != size) {
    fail(ErrorKind::data_error, "a binary {} value has {} bytes where {} were expected", type_name,
         bytes.size(), size);
  }
}

TupleReader::TupleReader(std::string_view tuple, size_t expected_fields) : rest_(tuple) {
  if (rest_.size() < 2) fail(ErrorKind::data_error, "a binary COPY row is truncated");
  int16_t count = read_i16(rest_.data());
  rest_.remove_prefix(2);
  if (count < 0 || static_cast<size_t>(count) != expected_fields) {
    fail(ErrorKind::data_error,
         "a binary COPY row has {} fields where the table's column list has {}; the table "
         "changed shape during the export, or the row is not one COPY tuple",
         count, expected_fields);
  }
}

std::optional<std::string_view> TupleReader::next() {
  if (rest_.size() < 4) fail(ErrorKind::data_error, "a binary COPY row is truncated");
  int32_t length = read_i32(rest_.data());
  rest_.remove_prefix(4);
  if (length == -1) return std::nullopt;
  if (length < 0 || static_cast<size_t>(length) > rest_.size()) {
    fail(ErrorKind::data_error, "a binary COPY field length {} exceeds the row", length);
  }
  std::string_view field = rest_.substr(0, static_cast<size_t>(length));
  rest_.remove_prefix(static_cast<size_t>(length));
  return field;
}

void TupleReader::expect_end() const {
  if (!rest_.empty()) {
    fail(ErrorKind::data_error, "a binary COPY row has {} bytes after its last field",
         rest_.size());
  }
}

NumericView parse_numeric(std::string_view bytes) {
  constexpr size_t kHeaderBytes = 8;
  if (bytes.size() < kHeaderBytes) fail(ErrorKind::data_error, "a binary numeric is truncated");
  NumericView numeric;
  numeric.ndigits = read_i16(bytes.data());
  numeric.weight = read_i16(bytes.data() + 2);
  numeric.sign = read_u16(bytes.data() + 4);
  numeric.dscale = read_i16(bytes.data() + 6);
  numeric.digits = bytes.data() + kHeaderBytes;
  if (numeric.ndigits < 0 || numeric.dscale < 0 ||
      bytes.size() != kHeaderBytes + 2 * static_cast<size_t>(numeric.ndigits)) {
    fail(ErrorKind::data_error, "a binary numeric has an invalid header");
  }
  switch (numeric.sign) {
    case kNumericPositive:
    case kNumericNegative:
    case kNumericNaN:
    case kNumericPositiveInfinity:
    case kNumericNegativeInfinity:
      break;
    default:
      fail(ErrorKind::data_error, "a binary numeric has an invalid sign 0x{:04x}", numeric.sign);
  }
  for (int i = 0; i < numeric.ndigits; ++i) {
    int16_t digit = numeric.digit(i);
    if (digit < 0 || digit >= kNumericBase) {
      fail(ErrorKind::data_error, "a binary numeric has an invalid digit {}", digit);
    }
  }
  return numeric;
}

void append_numeric_text(std::string& out, const NumericView& numeric) {
  switch (numeric.sign) {
    case kNumericNaN:
      out += "NaN";
      return;
    case kNumericPositiveInfinity:
      out += "Infinity";
      return;
    case kNumericNegativeInfinity:
      out += "-Infinity";
      return;
    case kNumericNegative:
      out += '-';
      break;
    default:
      break;
  }
  char group[kDecimalDigitsPerNumericDigit];
  auto append_group = [&](int value) {  // four digits with leading zeros
    for (int k = kDecimalDigitsPerNumericDigit - 1; k >= 0; --k) {
      group[k] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out.append(group, kDecimalDigitsPerNumericDigit);
  };
  // Integer part: the digits at positions 0..weight (those past ndigits are zeros).
  if (numeric.weight < 0) {
    out += '0';
  } else {
    out += std::to_string(numeric.digit(0));  // the leading group has no leading zeros
    for (int i = 1; i <= numeric.weight; ++i) append_group(numeric.digit(i));
  }
  // Fraction: dscale digits, taken from the groups after the integer part.
  if (numeric.dscale > 0) {
    out += '.';
    size_t end = out.size() + static_cast<size_t>(numeric.dscale);
    for (int i = numeric.weight + 1; out.size() < end; ++i) append_group(numeric.digit(i));
    out.resize(end);
  }
}

__int128 numeric_to_unscaled(const NumericView& numeric, int precision, int scale) {
  if (numeric.is_special()) {
    const std::string_view text = numeric.sign == kNumericNaN                ? "NaN"
                                  : numeric.sign == kNumericPositiveInfinity ? "Infinity"
                                                                             : "-Infinity";
    throw UnrepresentableValue(
        fmt::format("the numeric value {} has no Parquet DECIMAL form; export numeric columns "
                    "as PostgreSQL text instead (--parquet-numeric-as-text)",
                    text),
        fmt::format("value '{}' has no decimal({},{}) form", text, precision, scale));
  }
  if (precision < 1 || precision > kMaxDecimalPrecision || scale < 0) {
    fail(ErrorKind::internal, "DECIMAL({},{}) is not a valid Parquet decimal", precision, scale);
  }
  const u128 limit = kPowersOfTen[precision];  // |unscaled| must stay below 10^precision
  auto render = [&] {
    std::string text;
    append_numeric_text(text, numeric);
    return text;
  };
  u128 total = 0;
  for (int i = 0; i < numeric.ndigits; ++i) {
    u128 digit = static_cast<u128>(numeric.digit(i));
    if (digit == 0) continue;
    // This digit is worth digit * 10^(4 * (weight - i)); scaled, 10^exponent.
    int exponent = kDecimalDigitsPerNumericDigit * (numeric.weight - i) + scale;
    u128 term;
    if (exponent >= 0) {
      if (exponent > kMaxDecimalPrecision || digit > limit / kPowersOfTen[exponent]) {
        term = limit;  // certainly out of range; reported below
      } else {
        term = digit * kPowersOfTen[exponent];
      }
    } else {
      int dropped = -exponent;
      if (dropped >= kDecimalDigitsPerNumericDigit || digit % kPowersOfTen[dropped] != 0) {
        throw UnrepresentableValue(
            fmt::format("the numeric value {} has more than {} fractional digits and would need "
                        "rounding to fit DECIMAL({},{})",
                        render(), scale, precision, scale),
            fmt::format("value '{}' would need rounding to fit decimal({},{})", render(), precision,
                        scale));
      }
      term = digit / kPowersOfTen[dropped];
    }
    total += term;
    if (total >= limit) {
      throw UnrepresentableValue(fmt::format("the numeric value {} does not fit DECIMAL({},{})",
                                             render(), precision, scale),
                                 fmt::format("value '{}' has more digits than decimal({},{}) holds",
                                             render(), precision, scale));
    }
  }
  __int128 value = static_cast<__int128>(total);
  return numeric.sign == kNumericNegative ? -value : value;
}

void append_big_endian(std::string& out, __int128 value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    // Arithmetic shift keeps the sign bits, which is two's complement sign extension.
    out.push_back(static_cast<char>(static_cast<uint8_t>(value >> (8 * i))));
  }
}

int decimal_byte_width(int precision) {
  for (int width = 1; width <= 16; ++width) {
    // A width-byte signed integer holds magnitudes up to 2^(8*width - 1) - 1.
    u128 largest = (static_cast<u128>(1) << (8 * width - 1)) - 1;
    if (largest >= kPowersOfTen[precision] - 1) return width;
  }
  fail(ErrorKind::internal, "DECIMAL precision {} needs more than 16 bytes", precision);
}

int32_t date_to_unix_days(int32_t postgres_days) {
  if (postgres_days == kPostgresDateNoBegin) return kDateMinusInfinity;
  if (postgres_days == kPostgresDateNoEnd) return kDateInfinity;
  // PostgreSQL's dates run from 4714-11-24 BC (2451545 days before 2000-01-01) to
  // 5874897-12-31 (2145031948 days after), so within that range adding the epoch shift stays
  // well below INT32_MAX. Anything else is not a date the server sends: a damaged stream.
  constexpr int32_t kFirstPostgresDay = -2451545, kLastPostgresDay = 2145031948;
  if (postgres_days < kFirstPostgresDay || postgres_days > kLastPostgresDay) {
    fail(ErrorKind::data_error,
         "date field holds {} days from 2000-01-01, outside PostgreSQL's "
         "date range (the COPY stream is damaged)",
         postgres_days);
  }
  return postgres_days + kPostgresEpochDays;
}

int64_t timestamp_to_unix_micros(int64_t postgres_micros) {
  if (postgres_micros == kPostgresTimestampNoBegin) return kTimestampMinusInfinity;
  if (postgres_micros == kPostgresTimestampNoEnd) return kTimestampInfinity;
  // Strictly below INT64_MAX - shift, so a finite value never becomes the infinity sentinel.
  // (At the other end PostgreSQL stops at 4714 BC, far from -INT64_MAX.)
  if (postgres_micros >= kTimestampInfinity - kPostgresEpochMicros) {
    const std::string text = describe_timestamp(postgres_micros);
    throw UnrepresentableValue(
        fmt::format("the timestamp {} is after 294247-01-10 04:00:54.775806, the last instant a "
                    "Parquet TIMESTAMP(MICROS) can hold; export timestamps as PostgreSQL text "
                    "instead (--parquet-timestamps-as-text)",
                    text),
        fmt::format("value {} is after 294247-01-10 04:00:54.775806, the last instant of "
                    "TIMESTAMP(MICROS)",
                    text));
  }
  return postgres_micros + kPostgresEpochMicros;
}

ArrayHeader parse_array_header(std::string_view bytes) {
  constexpr size_t kFixedHeaderBytes = 12;  // ndim, flags, element oid
  constexpr size_t kDimensionBytes = 8;     // length, lower bound
  if (bytes.size() < kFixedHeaderBytes) fail(ErrorKind::data_error, "a binary array is truncated");
  ArrayHeader header;
  header.dimensions = read_i32(bytes.data());
  int32_t flags = read_i32(bytes.data() + 4);
  header.element_oid = read_u32(bytes.data() + 8);
  if (header.dimensions < 0 || (flags != 0 && flags != 1)) {
    fail(ErrorKind::data_error, "a binary array has an invalid header");
  }
  size_t header_bytes =
      kFixedHeaderBytes + kDimensionBytes * static_cast<size_t>(header.dimensions);
  if (bytes.size() < header_bytes) fail(ErrorKind::data_error, "a binary array is truncated");
  if (header.dimensions > 0) {
    header.length = read_i32(bytes.data() + kFixedHeaderBytes);
    header.lower_bound = read_i32(bytes.data() + kFixedHeaderBytes + 4);
    if (header.length < 0) fail(ErrorKind::data_error, "a binary array has a negative length");
  }
  header.elements = bytes.substr(header_bytes);
  return header;
}

std::optional<std::string_view> ArrayElementReader::next() {
  if (rest_.size() < 4) fail(ErrorKind::data_error, "a binary array is truncated");
  int32_t length = read_i32(rest_.data());
  rest_.remove_prefix(4);
  if (length == -1) return std::nullopt;
  if (length < 0 || static_cast<size_t>(length) > rest_.size()) {
    fail(ErrorKind::data_error, "a binary array element length {} exceeds the array", length);
  }
  std::string_view element = rest_.substr(0, static_cast<size_t>(length));
  rest_.remove_prefix(static_cast<size_t>(length));
  return element;
}

void ArrayElementReader::expect_end() const {
  if (!rest_.empty()) fail(ErrorKind::data_error, "a binary array has trailing bytes");
}

}  // namespace pgexport::format::parquet::pg_binary
