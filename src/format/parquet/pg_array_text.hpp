// PostgreSQL's array literals as array_out prints them: "{1,NULL,"a b","x\"y"}", "{}",
// "{{1,2},{3,4}}", "[0:1]={1,2}"; int2vector and oidvector print "1 2 3". Read into their
// shape and element texts, and printed from a one-dimensional list of element texts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::format::parquet::pg_text {

struct ArrayLiteral {
  // Per dimension, outermost first; both empty for the empty array "{}".
  std::vector<int32_t> lengths;
  std::vector<int32_t> lower_bounds;
  std::vector<std::optional<std::string>> elements;  // in storage order; nullopt is NULL
};

// Reads an array literal whose elements are separated by `delimiter` (',' for every built-in
// type but box, whose arrays use ';'). nullopt for a text array_out would not print: unbalanced
// braces or quotes, sub-arrays of different lengths, bounds that disagree with the elements.
std::optional<ArrayLiteral> parse_array_literal(std::string_view text, char delimiter);

// Reads int2vector's and oidvector's output: element texts separated by single spaces, lower
// bound 0 (as their send form says).
std::optional<ArrayLiteral> parse_vector_literal(std::string_view text);

// Appends a one-dimensional array starting at 1, quoted as array_out quotes: an element in
// double quotes (with '"' and '\' backslash-escaped) when it is empty, NULL in any case, or holds
// a brace, the delimiter, a quote, a backslash or white space; NULL elements as NULL.
void append_array_literal(std::string& out, std::span<const std::optional<std::string>> elements,
                          char delimiter);

}  // namespace pgexport::format::parquet::pg_text
