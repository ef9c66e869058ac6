// How one PostgreSQL value becomes one JSON value. The input is PostgreSQL's own text output
// of the value (what COPY TEXT carries, already unescaped), produced under the session
// settings the export connection applies (DateStyle=ISO, IntervalStyle=postgres,
// TimeZone=UTC, extra_float_digits=1, bytea_output=hex, client_encoding=UTF8). The choices
// are documented, with their reasons, in docs/jsonl.md.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "pg/types.hpp"

namespace pgexport::format::jsonl {

enum class Rendering : uint8_t {
  boolean,    // bool: true / false
  integer,    // int2, int4, oid: a JSON number, PostgreSQL's digits
  int8,       // a JSON number within +-(2^53 - 1), else a JSON string of the digits
  floating,   // float4, float8: a JSON number; NaN, Infinity, -Infinity as JSON strings
  json,       // json, jsonb: the JSON value itself
  json_text,  // json, jsonb as array elements: a JSON string holding the JSON text
  bytea,      // a JSON string: standard padded base64 of the bytes
  array,      // a JSON array of the element rendering (nested for more dimensions)
  text,       // everything else: a JSON string of PostgreSQL's text
};

// The rendering of one column, chosen once per table from its type.
struct ValuePlan {
  Rendering rendering = Rendering::text;
  Rendering element = Rendering::text;  // arrays only
  char element_delimiter = ',';         // arrays only: the element type's typdelim
};

// Chooses the rendering for a column type (domains already resolved in `type`).
ValuePlan plan_value(const pg::TypeDesc& type);

// The manifest's description of a rendering: {"json_type":"number"}, ...
nlohmann::json describe_value(const ValuePlan& plan);

// Renders values. Holds scratch buffers that it reuses, so rendering allocates nothing once
// the buffers have grown to the largest value seen. Not thread-safe: one per encoder.
class ValueRenderer {
 public:
  // Appends the JSON rendering of one non-NULL value, given as PostgreSQL's text output.
  // Throws pgexport::Error (data_error) when the text is not what PostgreSQL produces for
  // the type, so no malformed JSON is ever written.
  void render(const ValuePlan& plan, std::string_view text, std::string& out);

 private:
  void render_scalar(Rendering rendering, std::string_view text, std::string& out);
  void render_array(const ValuePlan& plan, std::string_view text, std::string& out);
  void render_bytea(std::string_view text, std::string& out);

  std::string element_;  // an array element with its quoting removed
  std::string bytes_;    // bytea decoded from bytea_output=escape
};

}  // namespace pgexport::format::jsonl
