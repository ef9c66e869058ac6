// PostgreSQL's text forms of numeric, real and double precision, as the export session prints
// them (extra_float_digits >= 1: the shortest text that reads back as the same float), read into
// and printed from their binary send forms. Pure functions; readers return false or nullopt for
// a text PostgreSQL would not print, and the callers name the column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgexport::format::parquet::pg_text {

// numeric_out's text ("-12.50", "0.001", "0", "NaN", "Infinity", "-Infinity") as numeric_send's
// bytes, appended to `out`: the base-10000 digits with leading and trailing zero digits
// stripped, the weight of the first, the sign and the display scale (the digits after the
// point). False, with `out` unchanged, for any other text.
bool append_numeric_binary(std::string& out, std::string_view text);

// The DECIMAL(precision, scale) value `unscaled` * 10^-scale as numeric_out prints a value of
// that scale: every fractional digit ("1.50", "-0.05", "0.00").
void append_decimal_text(std::string& out, __int128 unscaled, int scale);

// float8out's / float4out's text ("0.1", "1e+20", "-0", "NaN", "Infinity", "1.4e-45") as the
// value. The shortest form always reads back as the value it was printed from; NaN is the
// canonical quiet NaN, as float8in makes it.
std::optional<double> parse_float8(std::string_view text);
std::optional<float> parse_float4(std::string_view text);

// Exactly what float8out and float4out print with extra_float_digits >= 1 (Ryu's shortest
// digits; fixed notation for decimal exponents from -4 up to 14 (double) or 5 (real), else
// "d.ddde+XX" with at least two exponent digits).
void append_float8_text(std::string& out, double value);
void append_float4_text(std::string& out, float value);

}  // namespace pgexport::format::parquet::pg_text
