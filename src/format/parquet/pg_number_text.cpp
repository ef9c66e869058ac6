#include "format/parquet/pg_number_text.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>
#include <type_traits>

#include "format/parquet/pg_binary.hpp"

namespace pgexport::format::parquet::pg_text {
namespace {

// numeric's base: each stored digit holds four decimal digits.
constexpr size_t kDigitsPerGroup = 4;

void append_u16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xff));
}

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void append_numeric_header(std::string& out, int16_t ndigits, int16_t weight, uint16_t sign,
                           int16_t dscale) {
  append_u16(out, static_cast<uint16_t>(ndigits));
  append_u16(out, static_cast<uint16_t>(weight));
  append_u16(out, sign);
  append_u16(out, static_cast<uint16_t>(dscale));
}

// PostgreSQL prints floats in fixed notation when the decimal exponent of the first digit is
// at least -4 and below this (printf's %g rule with 15 and 6 significant digits).
constexpr int kFloat8FixedBelow = 15;
constexpr int kFloat4FixedBelow = 6;

using u128 = unsigned __int128;

// Whether digits × 10^exponent (digits a decimal integer of at most 17 digits) is exactly
// mantissa × 2^binary_exponent. Both sides are split into an odd part and a power of two.
bool decimal_equals_binary(uint64_t digits, int exponent, u128 mantissa, int binary_exponent) {
  if (digits == 0 || mantissa == 0) return digits == mantissa;
  int twos = 0;
  while (digits % 2 == 0) {
    digits /= 2;
    ++twos;
  }
  while (mantissa % 2 == 0) {
    mantissa /= 2;
    ++binary_exponent;
  }
  // digits·2^twos · 2^exponent · 5^exponent = mantissa · 2^binary_exponent, odd parts apart.
  if (twos + exponent != binary_exponent) return false;
  u128 left = digits, right = mantissa;
  for (int i = 0; i < (exponent < 0 ? -exponent : exponent); ++i) {
    u128& side = exponent > 0 ? left : right;
    side *= 5;
    if (side > (u128(1) << 64)) return false;  // the other side is below 2^64
  }
  return left == right;
}

// Whether digits × 10^exponent is exactly halfway between `value` and a neighbouring float.
template <typename Float>
bool is_midpoint(uint64_t digits, int exponent, Float value) {
  constexpr int kMantissaBits = std::numeric_limits<Float>::digits - 1;  // 52 or 23
  constexpr int kBias = std::numeric_limits<Float>::max_exponent - 1 + kMantissaBits;
  using Bits = std::conditional_t<sizeof(Float) == 8, uint64_t, uint32_t>;
  const Bits bits = std::bit_cast<Bits>(value) & ~(Bits(1) << (sizeof(Float) * 8 - 1));
  const int biased = static_cast<int>(bits >> kMantissaBits);
  const u128 fraction = bits & ((Bits(1) << kMantissaBits) - 1);
  const u128 mantissa = biased == 0 ? fraction : fraction | (u128(1) << kMantissaBits);
  const int binary_exponent = (biased == 0 ? 1 : biased) - kBias;
  // Halfway up: (2m + 1)·2^(e-1); halfway down: (2m - 1)·2^(e-1), or (4m - 1)·2^(e-2) where
  // m is a power of two and the float below has the smaller exponent.
  if (decimal_equals_binary(digits, exponent, 2 * mantissa + 1, binary_exponent - 1)) return true;
  if (fraction == 0 && biased > 1) {
    return decimal_equals_binary(digits, exponent, 4 * mantissa - 1, binary_exponent - 2);
  }
  return mantissa > 0 &&
         decimal_equals_binary(digits, exponent, 2 * mantissa - 1, binary_exponent - 1);
}

// Splits to_chars/printf scientific text ("-1.25e+07") into its digits and the decimal
// exponent of the first digit, dropping the sign and trailing zeros of the digits.
void split_scientific(std::string_view scientific, std::string& digits, int& exponent) {
  if (scientific.starts_with('-')) scientific.remove_prefix(1);
  const size_t e = scientific.find('e');
  digits.clear();
  for (char c : scientific.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string_view exponent_text = scientific.substr(e + 1);
  if (exponent_text.starts_with('+')) exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
}

// The digits PostgreSQL's Ryu prints for a finite `value` (src/common/ryu_common.h): the
// shortest that read back as the value, except that it never prints the exact midpoint between
// two floats (STRICTLY_SHORTEST 0: readers get round-half-even wrong), taking the next shortest
// correctly rounded digits instead (1e23 as a double prints as 9.999999999999999e+22).
template <typename Float>
void postgres_shortest_digits(Float value, std::string& digits, int& exponent) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  split_scientific(std::string_view(buffer, static_cast<size_t>(result.ptr - buffer)), digits,
                   exponent);
  auto exact = [&](const std::string& candidate, int first_exponent) {
    uint64_t integer = 0;
    std::from_chars(candidate.data(), candidate.data() + candidate.size(), integer);
    return is_midpoint(integer, first_exponent - static_cast<int>(candidate.size()) + 1, value);
  };
  if (digits == "0" || !exact(digits, exponent)) return;
  constexpr int kMaxDigits = std::numeric_limits<Float>::max_digits10;
  for (int precision = static_cast<int>(digits.size()) + 1; precision <= kMaxDigits; ++precision) {
    int length =
        std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, static_cast<double>(value));
    std::string candidate;
    int candidate_exponent = 0;
    split_scientific(std::string_view(buffer, static_cast<size_t>(length)), candidate,
                     candidate_exponent);
    Float back;
    std::from_chars(buffer, buffer + length, back);
    if (back == value && !exact(candidate, candidate_exponent)) {
      digits = candidate;
      exponent = candidate_exponent;
      return;
    }
  }
}

template <typename Float>
void append_float_text(std::string& out, Float value, int fixed_below) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
    return;
  }
  if (std::signbit(value)) out += '-';
  std::string digits;
  int exponent = 0;
  postgres_shortest_digits(value, digits, exponent);
  const int length = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < fixed_below) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<size_t>(-exponent - 1), '0');
      out += digits;
    } else if (length <= exponent + 1) {
      out += digits;
      out.append(static_cast<size_t>(exponent + 1 - length), '0');
    } else {
      out.append(digits, 0, static_cast<size_t>(exponent + 1));
      out += '.';
      out.append(digits, static_cast<size_t>(exponent + 1));
    }
    return;
  }
  out += digits[0];
  if (length > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = exponent < 0 ? -exponent : exponent;
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
}

template <typename Float>
std::optional<Float> parse_float_text(std::string_view text) {
  Float value;
  if (text == "NaN") {
    value = std::numeric_limits<Float>::quiet_NaN();
  } else if (text == "Infinity") {
    value = std::numeric_limits<Float>::infinity();
  } else if (text == "-Infinity") {
    value = -std::numeric_limits<Float>::infinity();
  } else {
    if (text.empty() || text.size() > 40) return std::nullopt;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range) {
      // Subnormals, for libraries whose from_chars reports them as out of range; strtod and
      // strtof round them correctly (and read no locale for digits, 'e' and '.').
      std::string copy(text);
      char* stop = nullptr;
      if constexpr (std::is_same_v<Float, float>) {
        value = std::strtof(copy.c_str(), &stop);
      } else {
        value = std::strtod(copy.c_str(), &stop);
      }
      if (stop != copy.c_str() + copy.size() || value == 0 || std::isinf(value)) {
        return std::nullopt;
      }
    } else if (error != std::errc() || end != text.data() + text.size()) {
      return std::nullopt;
    }
  }
  // Only the text PostgreSQL prints for that value: the round trip is then exact.
  std::string printed;
  append_float_text(printed, value,
                    std::is_same_v<Float, float> ? kFloat4FixedBelow : kFloat8FixedBelow);
  if (printed != text) return std::nullopt;
  return value;
}

}  // namespace

bool append_numeric_binary(std::string& out, std::string_view text) {
  if (text == "NaN") {
    append_numeric_header(out, 0, 0, pg_binary::kNumericNaN, 0);
    return true;
  }
  // numeric_send reads the display scale of an infinity from bits its short header shares
  // with the sign (0xD000/0xF000 & 0x1F80 >> 7): 32. Readers ignore it; we send what the
  // server sends.
  constexpr int16_t kInfinityDisplayScale = 32;
  if (text == "Infinity") {
    append_numeric_header(out, 0, 0, pg_binary::kNumericPositiveInfinity, kInfinityDisplayScale);
    return true;
  }
  if (text == "-Infinity") {
    append_numeric_header(out, 0, 0, pg_binary::kNumericNegativeInfinity, kInfinityDisplayScale);
    return true;
  }
  std::string_view rest = text;
  const bool negative = rest.starts_with('-');
  if (negative) rest.remove_prefix(1);
  const size_t point = rest.find('.');
  std::string_view integer = rest.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? "" : rest.substr(point + 1);
  // numeric_out: at least one integer digit, no leading zeros, digits after a point.
  if (integer.empty() || !all_digits(integer) || !all_digits(fraction) ||
      (integer.size() > 1 && integer[0] == '0') ||
      (point != std::string_view::npos && fraction.empty())) {
    return false;
  }
  if (fraction.size() > static_cast<size_t>(INT16_MAX)) return false;
  // Group the digits by four around the point: zeros pad the integer part on the left and the
  // fraction on the right.
  const size_t pad_left = (kDigitsPerGroup - integer.size() % kDigitsPerGroup) % kDigitsPerGroup;
  const size_t pad_right = (kDigitsPerGroup - fraction.size() % kDigitsPerGroup) % kDigitsPerGroup;
  std::string all(pad_left, '0');
  all += integer;
  all += fraction;
  all.append(pad_right, '0');
  const size_t groups = all.size() / kDigitsPerGroup;
  int64_t weight = static_cast<int64_t>((pad_left + integer.size()) / kDigitsPerGroup) - 1;
  auto group = [&](size_t index) {
    const char* p = all.data() + index * kDigitsPerGroup;
    return static_cast<uint16_t>((p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
                                 (p[3] - '0'));
  };
  size_t first = 0;
  while (first < groups && group(first) == 0) {
    ++first;
    --weight;
  }
  size_t last = groups;
  while (last > first && group(last - 1) == 0) --last;
  const size_t ndigits = last - first;
  if (ndigits == 0) {
    if (negative) return false;  // numeric has no negative zero
    weight = 0;
  }
  if (ndigits > static_cast<size_t>(INT16_MAX) || weight > INT16_MAX || weight < INT16_MIN) {
    return false;
  }
  append_numeric_header(out, static_cast<int16_t>(ndigits), static_cast<int16_t>(weight),
                        negative ? pg_binary::kNumericNegative : pg_binary::kNumericPositive,
                        static_cast<int16_t>(fraction.size()));
  for (size_t i = first; i < last; ++i) append_u16(out, group(i));
  return true;
}

void append_decimal_text(std::string& out, __int128 unscaled, int scale) {
  using u128 = unsigned __int128;
  const bool negative = unscaled < 0;
  u128 magnitude =
      negative ? static_cast<u128>(0) - static_cast<u128>(unscaled) : static_cast<u128>(unscaled);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (digits.size() < static_cast<size_t>(scale) + 1) {
    digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  }
  if (negative) out += '-';
  const size_t integer_digits = digits.size() - static_cast<size_t>(scale);
  out.append(digits, 0, integer_digits);
  if (scale > 0) {
    out += '.';
    out.append(digits, integer_digits);
  }
}

std::optional<double> parse_float8(std::string_view text) {
  return parse_float_text<double>(text);
}

std::optional<float> parse_float4(std::string_view text) {
  return parse_float_text<float>(text);
}

void append_float8_text(std::string& out, double value) {
  append_float_text(out, value, kFloat8FixedBelow);
}

void append_float4_text(std::string& out, float value) {
  append_float_text(out, value, kFloat4FixedBelow);
}

}  // namespace pgexport::format::parquet::pg_text
