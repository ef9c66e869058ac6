#include "storage/s3/xml.hpp"

#include <charconv>

#include "common/error.hpp"

namespace pgexport::s3 {

namespace {

// Nesting deeper than any S3 or STS response; stops a hostile body from exhausting the
// stack through recursion.
constexpr int kMaxDepth = 32;

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input) {}

  XmlElement document() {
    skip_prolog();
    if (!at('<')) malformed("no root element");
    XmlElement root = element(0);
    skip_misc();
    if (position_ != input_.size()) malformed("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void malformed(std::string_view what) const {
    fail(ErrorKind::storage_transient, "malformed XML in response ({} at byte {})", what,
         position_);
  }

  bool at(char c) const { return position_ < input_.size() && input_[position_] == c; }
  bool at(std::string_view text) const { return input_.substr(position_).starts_with(text); }

  void skip_whitespace() {
    while (position_ < input_.size() && (input_[position_] == ' ' || input_[position_] == '\t' ||
                                         input_[position_] == '\r' || input_[position_] == '\n')) {
      ++position_;
    }
  }

  void skip_past(std::string_view terminator) {
    const size_t end = input_.find(terminator, position_);
    if (end == std::string_view::npos) malformed("unterminated markup");
    position_ = end + terminator.size();
  }

  // Whitespace, comments and processing instructions (<?xml ...?>) between elements.
  void skip_misc() {
    for (;;) {
      skip_whitespace();
      if (at("<?")) {
        skip_past("?>");
      } else if (at("<!--")) {
        skip_past("-->");
      } else {
        return;
      }
    }
  }

  void skip_prolog() {
    skip_misc();
    if (at("<!DOCTYPE")) skip_past(">");  // never expanded: entities stay the five built-ins
    skip_misc();
  }

  std::string name() {
    const size_t start = position_;
    while (position_ < input_.size()) {
      const char c = input_[position_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/' || c == '=') {
        break;
      }
      ++position_;
    }
    if (position_ == start) malformed("empty name");
    std::string_view full = input_.substr(start, position_ - start);
    if (const size_t colon = full.find(':'); colon != std::string_view::npos) {
      full.remove_prefix(colon + 1);
    }
    return std::string(full);
  }

  // Skips attributes; returns true for a self-closing tag ("<a/>").
  bool skip_attributes() {
    for (;;) {
      skip_whitespace();
      if (at("/>")) {
        position_ += 2;
        return true;
      }
      if (at('>')) {
        ++position_;
        return false;
      }
      name();
      skip_whitespace();
      if (!at('=')) malformed("attribute without value");
      ++position_;
      skip_whitespace();
      if (!at('"') && !at('\'')) malformed("unquoted attribute");
      const char quote = input_[position_++];
      const size_t end = input_.find(quote, position_);
      if (end == std::string_view::npos) malformed("unterminated attribute");
      position_ = end + 1;
    }
  }

  void append_utf8(std::string& out, unsigned long code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x110000) {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      malformed("character reference out of range");
    }
  }

  void entity(std::string& out) {
    const size_t end = input_.find(';', position_);
    if (end == std::string_view::npos) malformed("unterminated entity");
    const std::string_view body = input_.substr(position_ + 1, end - position_ - 1);
    position_ = end + 1;
    if (body == "amp") {
      out += '&';
    } else if (body == "lt") {
      out += '<';
    } else if (body == "gt") {
      out += '>';
    } else if (body == "quot") {
      out += '"';
    } else if (body == "apos") {
      out += '\'';
    } else if (body.starts_with('#')) {
      const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
      const std::string_view digits = body.substr(hex ? 2 : 1);
      unsigned long code = 0;
      auto [ptr, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (digits.empty() || error != std::errc() || ptr != digits.data() + digits.size()) {
        malformed("bad character reference");
      }
      append_utf8(out, code);
    } else {
      malformed("unknown entity");
    }
  }

  XmlElement element(int depth) {
    if (depth > kMaxDepth) malformed("nesting too deep");
    ++position_;  // '<'
    XmlElement result;
    result.name = name();
    if (skip_attributes()) return result;
    for (;;) {
      if (position_ >= input_.size()) malformed("unterminated element");
      const char c = input_[position_];
      if (c == '&') {
        entity(result.text);
      } else if (c != '<') {
        result.text += c;
        ++position_;
      } else if (at("</")) {
        position_ += 2;
        if (name() != result.name) malformed("mismatched closing tag");
        skip_whitespace();
        if (!at('>')) malformed("bad closing tag");
        ++position_;
        return result;
      } else if (at("<!--")) {
        skip_past("-->");
      } else if (at("<![CDATA[")) {
        position_ += 9;
        const size_t end = input_.find("]]>", position_);
        if (end == std::string_view::npos) malformed("unterminated CDATA");
        result.text.append(input_.substr(position_, end - position_));
        position_ = end + 3;
      } else if (at("<?")) {
        skip_past("?>");
      } else {
        result.children.push_back(element(depth + 1));
      }
    }
  }

  std::string_view input_;
  size_t position_ = 0;
};

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& element : children) {
    if (element.name == child_name) return &element;
  }
  return nullptr;
}

std::string XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* element = child(child_name);
  return element != nullptr ? element->text : std::string();
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const auto& element : children) {
    if (element.name == child_name) found.push_back(&element);
  }
  return found;
}

XmlElement parse_xml(std::string_view document) {
  return Parser(document).document();
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      // A raw CR would be read back as LF (XML line-end normalisation), changing the key.
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace pgexport::s3
