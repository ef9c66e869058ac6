#include "format/jsonl/value_renderer.hpp"

#include <charconv>
#include <cstring>

#include "common/error.hpp"
#include "format/jsonl/json_text.hpp"

namespace pgexport::format::jsonl {

namespace {

// Built-in types that are not in pg::oid.
constexpr pg::Oid kInt2VectorOid = 22, kOidVectorOid = 30, kBoxOid = 603;

// PostgreSQL's MAXDIM: no array has more dimensions.
constexpr int kMaxDimensions = 6;

// Number.MAX_SAFE_INTEGER: every integer up to it in magnitude is exact in an IEEE double,
// and RFC 7493 (I-JSON) calls larger ones not interoperable.
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

Rendering scalar_rendering(pg::Oid oid) {
  switch (oid) {
    case pg::oid::kBool:
      return Rendering::boolean;
    case pg::oid::kInt2:
    case pg::oid::kInt4:
    case pg::oid::kOid:
      return Rendering::integer;
    case pg::oid::kInt8:
      return Rendering::int8;
    case pg::oid::kFloat4:
    case pg::oid::kFloat8:
      return Rendering::floating;
    case pg::oid::kJson:
    case pg::oid::kJsonb:
      return Rendering::json;
    case pg::oid::kBytea:
      return Rendering::bytea;
    default:
      return Rendering::text;
  }
}

[[noreturn]] void malformed(std::string_view what, std::string_view text) {
  // The value itself stays out of the message: it may be personal data.
  fail(ErrorKind::data_error,
       "{} (a value of {} bytes); is the export session's DateStyle/bytea_output/"
       "extra_float_digits setting what pgexport expects?",
       what, text.size());
}

// Appends `text` with each line break replaced by a space. In valid JSON a raw CR or LF can
// only be whitespace between tokens (inside strings they must be escaped), so the value is
// unchanged while the JSON Lines record stays on one line.
void append_single_line(std::string& out, std::string_view text) {
  const size_t start = out.size();
  out.append(text);
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
  }
}

bool equals_null_keyword(std::string_view text) {
  return text.size() == 4 && (text[0] | 0x20) == 'n' && (text[1] | 0x20) == 'u' &&
         (text[2] | 0x20) == 'l' && (text[3] | 0x20) == 'l';
}

}  // namespace

ValuePlan plan_value(const pg::TypeDesc& type) {
  ValuePlan plan;
  // int2vector and oidvector are arrays inside the server but print as "1 2 3".
  if (type.kind == pg::TypeKind::array && type.element && type.oid != kInt2VectorOid &&
      type.oid != kOidVectorOid) {
    plan.rendering = Rendering::array;
    const pg::TypeDesc& element = *type.element;
    if (element.kind == pg::TypeKind::array) {
      // An array of a domain over an array: its elements are printed as nested literals.
      // Rare enough to keep as text rather than recurse.
      plan.element = Rendering::text;
    } else {
      plan.element = scalar_rendering(element.oid);
      // A JSON null element would be indistinguishable from a NULL element.
      if (plan.element == Rendering::json) plan.element = Rendering::json_text;
    }
    // box is the only built-in type whose typdelim is not ','.
    plan.element_delimiter = element.oid == kBoxOid ? ';' : ',';
    return plan;
  }
  if (type.kind == pg::TypeKind::base) plan.rendering = scalar_rendering(type.oid);
  return plan;
}

nlohmann::json describe_value(const ValuePlan& plan) {
  switch (plan.rendering) {
    case Rendering::boolean:
      return {{"json_type", "boolean"}};
    case Rendering::integer:
      return {{"json_type", "number"}};
    case Rendering::int8:
      return {{"json_type", "number"}, {"unsafe_integers", "string"}};
    case Rendering::floating:
      return {{"json_type", "number"}, {"special_values", "string"}};
    case Rendering::json:
      return {{"json_type", "json"}, {"sql_null", "key_omitted"}};
    case Rendering::json_text:
      return {{"json_type", "string"}, {"encoding", "json_text"}};
    case Rendering::bytea:
      return {{"json_type", "string"}, {"encoding", "base64"}};
    case Rendering::array: {
      ValuePlan element;
      element.rendering = plan.element;
      return {{"json_type", "array"},
              {"element", describe_value(element)},
              {"nondefault_lower_bounds", "object"}};
    }
    case Rendering::text:
      break;
  }
  return {{"json_type", "string"}, {"encoding", "pg_text"}};
}

void ValueRenderer::render(const ValuePlan& plan, std::string_view text, std::string& out) {
  if (plan.rendering == Rendering::array) {
    render_array(plan, text, out);
  } else {
    render_scalar(plan.rendering, text, out);
  }
}

void ValueRenderer::render_scalar(Rendering rendering, std::string_view text, std::string& out) {
  switch (rendering) {
    case Rendering::boolean:
      if (text == "t") {
        out.append("true");
      } else if (text == "f") {
        out.append("false");
      } else {
        malformed("not a boolean", text);
      }
      return;
    case Rendering::integer:
      if (!is_json_number(text)) malformed("not an integer", text);
      out.append(text);
      return;
    case Rendering::int8: {
      int64_t value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || !is_json_number(text)) {
        malformed("not a bigint", text);
      }
      if (value >= -kMaxSafeInteger && value <= kMaxSafeInteger) {
        out.append(text);
      } else {
        append_json_string(out, text);
      }
      return;
    }
    case Rendering::floating:
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        append_json_string(out, text);
      } else if (is_json_number(text)) {
        out.append(text);
      } else {
        malformed("not a floating-point number", text);
      }
      return;
    case Rendering::json:
      if (text.empty()) malformed("empty json value", text);
      append_single_line(out, text);
      return;
    case Rendering::bytea:
      render_bytea(text, out);
      return;
    case Rendering::json_text:
    case Rendering::text:
    case Rendering::array:  // an array element that is itself an array literal
      append_json_string(out, text);
      return;
  }
}

void ValueRenderer::render_bytea(std::string_view text, std::string& out) {
  out.push_back('"');
  if (text.starts_with("\\x")) {
    if (!append_base64_from_hex(out, text.substr(2))) malformed("not a hex bytea", text);
    out.push_back('"');
    return;
  }
  // bytea_output=escape: "\\" is a backslash, "\ooo" an octal byte, the rest themselves.
  bytes_.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      bytes_.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      bytes_.push_back('\\');
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
               text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
               text[i + 3] <= '7') {
      bytes_.push_back(static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) |
                                         (text[i + 3] - '0')));
      i += 3;
    } else {
      malformed("not an escape-format bytea", text);
    }
  }
  append_base64(out, bytes_);
  out.push_back('"');
}

// Walks an array literal as array_out writes it, emitting JSON as it goes:
//   [lower:upper][lower:upper]={{e,e},{e,"quoted \"e\""},{NULL,e}}
// The dimension decoration appears only when some lower bound is not 1.
void ValueRenderer::render_array(const ValuePlan& plan, std::string_view text, std::string& out) {
  const char* position = text.data();
  const char* const end = text.data() + text.size();
  const char delimiter = plan.element_delimiter;

  int lower_bounds[kMaxDimensions];
  int dimensions = 0;
  bool default_bounds = true;
  while (position != end && *position == '[') {
    int lower = 0, upper = 0;
    auto parsed = std::from_chars(position + 1, end, lower);
    if (parsed.ec != std::errc() || parsed.ptr == end || *parsed.ptr != ':') {
      malformed("malformed array dimensions", text);
    }
    parsed = std::from_chars(parsed.ptr + 1, end, upper);
    if (parsed.ec != std::errc() || parsed.ptr == end || *parsed.ptr != ']' ||
        dimensions == kMaxDimensions) {
      malformed("malformed array dimensions", text);
    }
    lower_bounds[dimensions++] = lower;
    default_bounds = default_bounds && lower == 1;
    position = parsed.ptr + 1;
  }
  if (dimensions > 0) {
    if (position == end || *position != '=') malformed("malformed array dimensions", text);
    ++position;
  }
  if (!default_bounds) {
    out.append("{\"lower_bounds\":[");
    for (int i = 0; i < dimensions; ++i) {
      if (i > 0) out.push_back(',');
      char digits[16];
      auto written = std::to_chars(digits, digits + sizeof digits, lower_bounds[i]);
      out.append(digits, written.ptr);
    }
    out.append("],\"values\":");
  }

  if (position == end || *position != '{') malformed("malformed array literal", text);
  out.push_back('[');
  ++position;
  int depth = 1;
  bool expect_value = true;  // just after '{' or a delimiter
  bool just_opened = true;   // just after '{': '}' closes an empty array
  while (depth > 0) {
    if (position == end) malformed("unterminated array literal", text);
    char c = *position;
    if (expect_value) {
      if (c == '{') {
        if (++depth > kMaxDimensions) malformed("array literal nested too deep", text);
        out.push_back('[');
        ++position;
        just_opened = true;
        continue;
      }
      if (c == '}' && just_opened) {
        out.push_back(']');
        ++position;
        --depth;
        expect_value = false;
        continue;
      }
      std::string_view element;
      bool is_null = false;
      if (c == '"') {
        // Quoted: a backslash escapes the next character; the quotes are not the value's.
        ++position;
        const char* start = position;
        while (position != end && *position != '"' && *position != '\\') ++position;
        if (position != end && *position == '"') {
          element = std::string_view(start, static_cast<size_t>(position - start));
        } else {
          element_.assign(start, position);
          while (position != end && *position != '"') {
            if (*position == '\\') {
              if (++position == end) break;
            }
            element_.push_back(*position++);
          }
          element = element_;
        }
        if (position == end) malformed("unterminated quoted array element", text);
        ++position;  // the closing quote
      } else {
        const char* start = position;
        while (position != end && *position != delimiter && *position != '}' && *position != '\\' &&
               *position != '"' && *position != '{') {
          ++position;
        }
        if (position == end || position == start || *position == '\\' || *position == '"' ||
            *position == '{') {
          malformed("malformed array element", text);
        }
        element = std::string_view(start, static_cast<size_t>(position - start));
        is_null = equals_null_keyword(element);
      }
      if (is_null) {
        out.append("null");
      } else {
        render_scalar(plan.element, element, out);
      }
      expect_value = false;
      continue;
    }
    // After a value or a closed sub-array: a delimiter or a closing brace.
    if (c == delimiter) {
      out.push_back(',');
      expect_value = true;
      just_opened = false;
    } else if (c == '}') {
      out.push_back(']');
      --depth;
    } else {
      malformed("malformed array literal", text);
    }
    ++position;
  }
  if (position != end) malformed("trailing characters after array literal", text);
  if (!default_bounds) out.push_back('}');
}

}  // namespace pgexport::format::jsonl
