#include "format/parquet/pg_array_text.hpp"

#include <charconv>

namespace pgexport::format::parquet::pg_text {
namespace {

// PostgreSQL allows at most 6 dimensions (MAXDIM).
constexpr size_t kMaxDimensions = 6;

bool is_array_space(char c) {
  // array_isspace(): the white space array_in skips and array_out therefore quotes.
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool needs_quotes(std::string_view element, char delimiter) {
  if (element.empty()) return true;
  if (element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
      (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l') {
    return true;  // an unquoted NULL is the null element
  }
  for (char c : element) {
    if (c == '{' || c == '}' || c == delimiter || c == '"' || c == '\\' || is_array_space(c)) {
      return true;
    }
  }
  return false;
}

bool is_null_word(std::string_view element) {
  return element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
         (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l';
}

class LiteralParser {
 public:
  LiteralParser(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

  std::optional<ArrayLiteral> parse() {
    std::vector<int32_t> bounds_lower, bounds_upper;
    if (peek() == '[') {
      while (peek() == '[') {
        ++at_;
        auto lower = integer();
        if (!lower || !take(':')) return std::nullopt;
        auto upper = integer();
        if (!upper || !take(']')) return std::nullopt;
        bounds_lower.push_back(*lower);
        bounds_upper.push_back(*upper);
      }
      if (!take('=')) return std::nullopt;
    }
    if (peek() != '{') return std::nullopt;
    if (text_.substr(at_) == "{}") {
      if (!bounds_lower.empty()) return std::nullopt;
      return ArrayLiteral{};
    }
    if (!level(0) || at_ != text_.size() || !leaf_depth_ ||
        result_.lengths.size() != *leaf_depth_ + 1) {
      return std::nullopt;
    }
    if (!bounds_lower.empty()) {
      if (bounds_lower.size() != result_.lengths.size()) return std::nullopt;
      for (size_t i = 0; i < bounds_lower.size(); ++i) {
        if (int64_t{bounds_upper[i]} - bounds_lower[i] + 1 != result_.lengths[i]) {
          return std::nullopt;
        }
      }
      result_.lower_bounds = bounds_lower;
    } else {
      result_.lower_bounds.assign(result_.lengths.size(), 1);
    }
    return std::move(result_);
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }

  std::optional<int32_t> integer() {
    int32_t value = 0;
    auto [end, error] = std::from_chars(text_.data() + at_, text_.data() + text_.size(), value);
    if (error != std::errc()) return std::nullopt;
    at_ = static_cast<size_t>(end - text_.data());
    return value;
  }

  // One brace-enclosed level at `depth`; elements only at the deepest level, and every
  // sub-array of a level as long as the first.
  bool level(size_t depth) {
    if (depth >= kMaxDimensions || !take('{')) return false;
    int32_t count = 0;
    for (;;) {
      if (peek() == '{') {
        if (leaf_depth_ && *leaf_depth_ <= depth) return false;
        if (!level(depth + 1)) return false;
      } else {
        if (!leaf_depth_) leaf_depth_ = depth;
        if (*leaf_depth_ != depth || !element()) return false;
      }
      ++count;
      if (take(delimiter_)) continue;
      if (take('}')) break;
      return false;
    }
    // Inner levels close first, so lengths are filled from the inside out.
    if (result_.lengths.size() <= depth) result_.lengths.resize(depth + 1, 0);
    if (result_.lengths[depth] == 0) {
      result_.lengths[depth] = count;
    } else if (result_.lengths[depth] != count) {
      return false;
    }
    return true;
  }

  bool element() {
    if (take('"')) {
      std::string value;
      for (;;) {
        if (at_ >= text_.size()) return false;
        char c = text_[at_++];
        if (c == '"') break;
        if (c == '\\') {
          if (at_ >= text_.size()) return false;
          c = text_[at_++];
        }
        value += c;
      }
      result_.elements.emplace_back(std::move(value));
      return true;
    }
    std::string value;
    while (at_ < text_.size() && text_[at_] != delimiter_ && text_[at_] != '}') {
      char c = text_[at_++];
      if (c == '{' || c == '"' || is_array_space(c)) return false;  // array_out quotes these
      if (c == '\\') {
        if (at_ >= text_.size()) return false;
        c = text_[at_++];
      }
      value += c;
    }
    if (value.empty()) return false;
    if (is_null_word(value)) {
      result_.elements.emplace_back(std::nullopt);
    } else {
      result_.elements.emplace_back(std::move(value));
    }
    return true;
  }

  std::string_view text_;
  char delimiter_;
  size_t at_ = 0;
  std::optional<size_t> leaf_depth_;
  ArrayLiteral result_;
};

}  // namespace

std::optional<ArrayLiteral> parse_array_literal(std::string_view text, char delimiter) {
  return LiteralParser(text, delimiter).parse();
}

std::optional<ArrayLiteral> parse_vector_literal(std::string_view text) {
  ArrayLiteral literal;
  if (text.empty()) return literal;  // an empty int2vector prints as nothing
  size_t start = 0;
  for (;;) {
    const size_t space = text.find(' ', start);
    std::string_view element = text.substr(start, space - start);
    if (element.empty()) return std::nullopt;
    literal.elements.emplace_back(std::string(element));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  literal.lengths = {static_cast<int32_t>(literal.elements.size())};
  literal.lower_bounds = {0};
  return literal;
}

void append_array_literal(std::string& out, std::span<const std::optional<std::string>> elements,
                          char delimiter) {
  out += '{';
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += delimiter;
    if (!elements[i]) {
      out += "NULL";
      continue;
    }
    const std::string& element = *elements[i];
    if (!needs_quotes(element, delimiter)) {
      out += element;
      continue;
    }
    out += '"';
    for (char c : element) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
}

}  // namespace pgexport::format::parquet::pg_text
