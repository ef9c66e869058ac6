#include "format/parquet/pg_binary.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet::pg_binary {
namespace {

using pqtest::numeric_value;

std::string numeric_text(std::string_view literal) {
  std::string out;
  append_numeric_text(out, parse_numeric(numeric_value(literal)));
  return out;
}

__int128 unscaled(std::string_view literal, int precision, int scale) {
  return numeric_to_unscaled(parse_numeric(numeric_value(literal)), precision, scale);
}

std::string error_of(auto&& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(PgBinaryNumeric, HeaderFieldsOfAKnownValue) {
  // -1234.5600: digits 1234 and 5600, weight 0, negative, dscale 4 (the trailing zeros count).
  auto numeric = parse_numeric(numeric_value("-1234.5600"));
  EXPECT_EQ(numeric.ndigits, 2);
  EXPECT_EQ(numeric.weight, 0);
  EXPECT_EQ(numeric.sign, kNumericNegative);
  EXPECT_EQ(numeric.dscale, 4);
  EXPECT_EQ(numeric.digit(0), 1234);
  EXPECT_EQ(numeric.digit(1), 5600);
}

TEST(PgBinaryNumeric, TextMatchesPostgresRendering) {
  for (const char* literal :
       {"0", "0.00", "1", "-1", "10000", "12345678", "100000000000000000000", "-1234.5600",
        "0.0001", "0.000012", "-0.5", "123456789.123", "3.14159265358979323846264338327950288",
        "99999999999999999999999999999999999999", "0.00000000000000000001", "NaN", "Infinity",
        "-Infinity"}) {
    EXPECT_EQ(numeric_text(literal), literal);
  }
}

TEST(PgBinaryNumeric, WeightBelowZero) {
  auto numeric = parse_numeric(numeric_value("0.000012"));
  EXPECT_EQ(numeric.weight, -2);  // 0.000012 = 1200 * 10000^-2
  EXPECT_EQ(numeric.ndigits, 1);
  EXPECT_EQ(numeric_text("0.000012"), "0.000012");
  EXPECT_EQ(unscaled("0.000012", 8, 6), 12);
  EXPECT_EQ(unscaled("-0.000012", 8, 8), -1200);
}

TEST(PgBinaryNumeric, UnscaledValues) {
  EXPECT_EQ(unscaled("123.45", 5, 2), 12345);
  EXPECT_EQ(unscaled("-123.45", 10, 4), -1234500);
  EXPECT_EQ(unscaled("1234.5", 5, 1), 12345);
  EXPECT_EQ(unscaled("0", 1, 0), 0);
  EXPECT_EQ(unscaled("0.00", 3, 2), 0);
  EXPECT_EQ(unscaled("100000000", 9, 0), 100000000);
  EXPECT_EQ(unscaled("12300", 7, 0), 12300);  // numeric(5,-2) is stored as DECIMAL(7,0)
  __int128 largest = 1;
  for (int i = 0; i < 38; ++i) largest *= 10;
  EXPECT_EQ(unscaled("99999999999999999999999999999999999999", 38, 0), largest - 1);
  EXPECT_EQ(unscaled("-9999999999999999999999999999.9999999999", 38, 10), -(largest - 1));
}

TEST(PgBinaryNumeric, UnscaledRefusesWhatDecimalCannotHold) {
  EXPECT_NE(error_of([] { unscaled("NaN", 10, 2); }).find("NaN"), std::string::npos);
  EXPECT_NE(error_of([] { unscaled("Infinity", 10, 2); }).find("Infinity"), std::string::npos);
  EXPECT_NE(error_of([] { unscaled("-Infinity", 10, 2); }).find("-Infinity"), std::string::npos);
  EXPECT_NE(error_of([] { unscaled("123456", 5, 0); }).find("does not fit DECIMAL(5,0)"),
            std::string::npos);
  EXPECT_NE(error_of([] { unscaled("1.234", 5, 2); }).find("would need rounding"),
            std::string::npos);
  EXPECT_NE(error_of([] { unscaled("0.00001", 5, 2); }).find("rounding"), std::string::npos);
  error_of([] { unscaled("100000000000000000000000000000000000000000", 38, 0); });
}

TEST(PgBinaryNumeric, RejectsMalformedBinary) {
  error_of([] { parse_numeric("abc"); });
  std::string bad_digit = numeric_value("1");
  bad_digit[8] = '\x27';  // 0x2710 = 10000 is not a base-10000 digit
  bad_digit[9] = '\x10';
  error_of([&] { parse_numeric(bad_digit); });
  std::string bad_sign = numeric_value("1");
  bad_sign[4] = '\x12';
  error_of([&] { parse_numeric(bad_sign); });
}

TEST(PgBinaryDecimal, BigEndianTwosComplement) {
  auto be = [](__int128 value, int width) {
    std::string out;
    append_big_endian(out, value, width);
    return out;
  };
  EXPECT_EQ(be(-1, 3), std::string("\xff\xff\xff", 3));
  EXPECT_EQ(be(1, 2), std::string("\x00\x01", 2));
  EXPECT_EQ(be(-256, 2), std::string("\xff\x00", 2));
  EXPECT_EQ(be(0x0102030405060708LL, 9), std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08", 9));
}

TEST(PgBinaryDecimal, MinimalByteWidths) {
  EXPECT_EQ(decimal_byte_width(1), 1);
  EXPECT_EQ(decimal_byte_width(2), 1);
  EXPECT_EQ(decimal_byte_width(3), 2);
  EXPECT_EQ(decimal_byte_width(9), 4);
  EXPECT_EQ(decimal_byte_width(10), 5);
  EXPECT_EQ(decimal_byte_width(18), 8);
  EXPECT_EQ(decimal_byte_width(19), 9);
  EXPECT_EQ(decimal_byte_width(20), 9);
  EXPECT_EQ(decimal_byte_width(38), 16);
}

TEST(PgBinaryTime, DatesShiftToTheUnixEpochAndKeepInfinities) {
  EXPECT_EQ(date_to_unix_days(0), 10957);               // 2000-01-01
  EXPECT_EQ(date_to_unix_days(-10957), 0);              // 1970-01-01
  EXPECT_EQ(date_to_unix_days(-2451545), -2440588);     // 4714-11-24 BC, PostgreSQL's first day
  EXPECT_EQ(date_to_unix_days(INT32_MIN), -INT32_MAX);  // -infinity
  EXPECT_EQ(date_to_unix_days(INT32_MAX), INT32_MAX);   // infinity
}

TEST(PgBinaryTime, TimestampsShiftToTheUnixEpochAndKeepInfinities) {
  EXPECT_EQ(timestamp_to_unix_micros(0), 946684800000000);
  EXPECT_EQ(timestamp_to_unix_micros(-946684800000000), 0);
  EXPECT_EQ(timestamp_to_unix_micros(INT64_MIN), -INT64_MAX);  // -infinity
  EXPECT_EQ(timestamp_to_unix_micros(INT64_MAX), INT64_MAX);   // infinity
  // PostgreSQL's earliest timestamp, 4714-11-24 00:00:00 BC.
  EXPECT_EQ(timestamp_to_unix_micros(-211813488000000000), -211813488000000000 + 946684800000000);
  // The last PostgreSQL microsecond that still fits, and the first that does not.
  const int64_t last = INT64_MAX - 946684800000000 - 1;
  EXPECT_EQ(timestamp_to_unix_micros(last), INT64_MAX - 1);
  EXPECT_NE(error_of([&] {
              timestamp_to_unix_micros(last + 1);
            }).find("the timestamp 294247-01-10 04:00:54.775807 is after"),
            std::string::npos);
  // PostgreSQL's last timestamp, 294276-12-31 23:59:59.999999.
  EXPECT_NE(error_of([&] {
              timestamp_to_unix_micros(9223371331199999999);
            }).find("294276-12-31 23:59:59.999999"),
            std::string::npos);
}

TEST(PgBinaryArray, OneDimensionalWithNulls) {
  auto bytes =
      pqtest::array_value(23, {pqtest::int4_value(1), std::nullopt, pqtest::int4_value(-3)});
  auto header = parse_array_header(bytes);
  EXPECT_EQ(header.dimensions, 1);
  EXPECT_EQ(header.element_oid, 23u);
  EXPECT_EQ(header.length, 3);
  EXPECT_EQ(header.lower_bound, 1);
  ArrayElementReader reader(header);
  EXPECT_EQ(reader.next(), pqtest::int4_value(1));
  EXPECT_EQ(reader.next(), std::nullopt);
  EXPECT_EQ(reader.next(), pqtest::int4_value(-3));
  reader.expect_end();
}

TEST(PgBinaryArray, EmptyAndMultiDimensional) {
  auto empty = parse_array_header(pqtest::array_value(25, {}));
  EXPECT_EQ(empty.dimensions, 0);
  EXPECT_EQ(empty.length, 0);
  auto matrix = parse_array_header(pqtest::array_value(23, {pqtest::int4_value(1)}, 0, 2));
  EXPECT_EQ(matrix.dimensions, 2);
  EXPECT_EQ(matrix.lower_bound, 0);
  error_of([] { parse_array_header(std::string(11, '\0')); });
}

TEST(PgBinaryTuple, ReadsFieldsAndChecksTheShape) {
  auto row = pqtest::tuple({pqtest::int4_value(7), std::nullopt, std::string("")});
  TupleReader reader(row, 3);
  EXPECT_EQ(reader.next(), pqtest::int4_value(7));
  EXPECT_EQ(reader.next(), std::nullopt);
  EXPECT_EQ(reader.next(), std::string(""));  // empty is not NULL
  reader.expect_end();
  EXPECT_NE(error_of([&] { TupleReader(row, 2); }).find("3 fields"), std::string::npos);
  error_of([&] {
    TupleReader truncated(row.substr(0, row.size() - 1), 3);
    truncated.next();
    truncated.next();
    truncated.next();
  });
}

}  // namespace
}  // namespace pgexport::format::parquet::pg_binary
