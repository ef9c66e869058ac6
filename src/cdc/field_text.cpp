#include "cdc/field_text.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace pgexport::cdc {

namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && is_json_space(text[at])) ++at;
  return at;
}

// The index just past the string token starting at `at` (a '"').
size_t end_of_string(std::string_view text, size_t at) {
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  fail(ErrorKind::data_error, "a JSON string is not closed");
}

// The index just past the value starting at `at`: a string, an object or array (brackets
// balanced, strings inside skipped), or a number or literal (up to the next delimiter).
size_t end_of_value(std::string_view text, size_t at) {
  if (at >= text.size()) fail(ErrorKind::data_error, "a JSON value is missing");
  const char first = text[at];
  if (first == '"') return end_of_string(text, at);
  if (first == '{' || first == '[') {
    int depth = 0;
    for (size_t i = at; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') {
        i = end_of_string(text, i) - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    fail(ErrorKind::data_error, "a JSON object or array is not closed");
  }
  size_t i = at;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
         !is_json_space(text[i])) {
    ++i;
  }
  if (i == at) fail(ErrorKind::data_error, "a JSON value is missing");
  return i;
}

}  // namespace

void CsvRecordReader::write(std::string_view bytes) {
  for (char c : bytes) {
    record_open_ = true;
    if (in_quotes_) {
      if (c == '"') {
        in_quotes_ = false;
        after_quote_ = true;
      } else {
        field_ += c;
      }
      continue;
    }
    if (after_quote_) {
      after_quote_ = false;
      if (c == '"') {  // "" inside quotes: one quote, and still inside
        field_ += '"';
        in_quotes_ = true;
        continue;
      }
    }
    if (c == '"') {
      in_quotes_ = true;
      field_quoted_ = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_field();
      end_record();
    } else {
      field_ += c;
    }
  }
}

void CsvRecordReader::end_field() {
  if (field_quoted_ || !field_.empty()) {
    fields_.emplace_back(std::move(field_));
  } else {
    fields_.emplace_back(std::nullopt);
  }
  field_.clear();
  field_quoted_ = false;
}

void CsvRecordReader::end_record() {
  ++records_;
  record_open_ = false;
  on_record_(fields_);
  fields_.clear();
}

void CsvRecordReader::finish() {
  if (in_quotes_) fail(ErrorKind::data_error, "csv: it ends inside a quoted field");
  if (record_open_) {
    end_field();
    end_record();
  }
}

void JsonlObjectReader::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      line_.append(bytes);
      return;
    }
    if (line_.empty()) {
      parse_line(bytes.substr(0, newline));  // the whole line is here: no copy
    } else {
      line_.append(bytes.substr(0, newline));
      parse_line(line_);
      line_.clear();
    }
    bytes.remove_prefix(newline + 1);
  }
}

void JsonlObjectReader::finish() {
  if (!line_.empty()) {
    parse_line(line_);
    line_.clear();
  }
}

void JsonlObjectReader::parse_line(std::string_view line) {
  ++lines_;
  try {
    parse_json_object_members(line, members_);
  } catch (const Error& error) {
    fail(ErrorKind::data_error, "jsonl: line {} is not one JSON object: {}", lines_, error.what());
  }
  on_object_(members_);
}

void parse_json_object_members(std::string_view line, std::vector<JsonMember>& members) {
  members.clear();
  size_t at = skip_space(line, 0);
  if (at >= line.size() || line[at] != '{')
    fail(ErrorKind::data_error, "it does not start with {{");
  at = skip_space(line, at + 1);
  if (at < line.size() && line[at] == '}') {
    at = skip_space(line, at + 1);
  } else {
    while (true) {
      if (at >= line.size() || line[at] != '"') {
        fail(ErrorKind::data_error, "a member name is expected at byte {}", at);
      }
      const size_t name_end = end_of_string(line, at);
      auto name = json_string_text(line.substr(at, name_end - at));
      if (!name) fail(ErrorKind::data_error, "a member name is not a JSON string");
      at = skip_space(line, name_end);
      if (at >= line.size() || line[at] != ':') {
        fail(ErrorKind::data_error, "':' is expected at byte {}", at);
      }
      at = skip_space(line, at + 1);
      const size_t value_end = end_of_value(line, at);
      members.push_back({std::move(*name), line.substr(at, value_end - at)});
      at = skip_space(line, value_end);
      if (at < line.size() && line[at] == ',') {
        at = skip_space(line, at + 1);
        continue;
      }
      if (at < line.size() && line[at] == '}') {
        at = skip_space(line, at + 1);
        break;
      }
      fail(ErrorKind::data_error, "',' or '}}' is expected at byte {}", at);
    }
  }
  if (at != line.size()) fail(ErrorKind::data_error, "there is more after the object");
}

std::optional<std::string> json_string_text(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::nullopt;
  const std::string_view inside = raw.substr(1, raw.size() - 2);
  if (inside.find('\\') == std::string_view::npos) return std::string(inside);
  // Escapes (\uXXXX with surrogate pairs among them) are rare in names and metadata: let the
  // JSON library decode them.
  auto value = nlohmann::json::parse(raw, nullptr, false);
  if (value.is_discarded() || !value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

std::vector<std::string> parse_pg_text_array(std::string_view literal) {
  auto malformed = [&]() -> void {
    fail(ErrorKind::data_error, "'{}' is not a text[] literal such as {{a,\"b c\"}}", literal);
  };
  std::vector<std::string> elements;
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') malformed();
  const std::string_view inside = literal.substr(1, literal.size() - 2);
  if (inside.empty()) return elements;
  size_t at = 0;
  while (true) {
    std::string element;
    if (at < inside.size() && inside[at] == '"') {
      ++at;
      bool closed = false;
      while (at < inside.size()) {
        const char c = inside[at++];
        if (c == '\\') {
          if (at >= inside.size()) malformed();
          element += inside[at++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          element += c;
        }
      }
      if (!closed) malformed();
    } else {
      const size_t end = inside.find(',', at);
      element = std::string(inside.substr(at, end == std::string_view::npos ? end : end - at));
      if (element.empty() || element.find_first_of("{}\"\\") != std::string::npos) malformed();
      if (element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
          (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l') {
        fail(ErrorKind::data_error, "'{}' has a NULL element where column names are expected",
             literal);
      }
      at += element.size();
    }
    elements.push_back(std::move(element));
    if (at == inside.size()) break;
    if (inside[at] != ',') malformed();
    ++at;
  }
  return elements;
}

}  // namespace pgexport::cdc
