// The XML that S3 and STS send is small and regular: elements, text and entities, no DTDs.
// This reads it into a tree, forgivingly: namespaces are dropped, attributes ignored, and an
// empty or missing element reads as empty text (RGW sends "<Message></Message>").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgexport::s3 {

struct XmlElement {
  std::string name;  // local name, without a namespace prefix
  std::string text;  // concatenated character data directly inside this element
  std::vector<XmlElement> children;

  // The first child with this name, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  // The text of the first child with this name, or "" when there is none.
  std::string child_text(std::string_view child_name) const;
  // Every child with this name, in document order.
  std::vector<const XmlElement*> children_named(std::string_view child_name) const;
};

// Parses a document and returns its root element. Throws pgexport::Error (storage_transient:
// a truncated body is the usual cause, and worth a retry) when it is not well-formed.
XmlElement parse_xml(std::string_view document);

// Escapes text for use in element content: & < > " ' and carriage return.
std::string xml_escape(std::string_view text);

}  // namespace pgexport::s3
