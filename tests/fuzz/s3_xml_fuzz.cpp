// S3 and STS response bodies: the XML parser, walked the way the client reads a listing, and
// the error-body reader every failed request goes through.
#include "fuzz_target.hpp"
#include "storage/s3/s3_error.hpp"
#include "storage/s3/xml.hpp"

namespace {

size_t walk(const pgexport::s3::XmlElement& element, int depth) {
  size_t seen = element.name.size() + element.text.size();
  if (depth > 64) return seen;
  for (const auto* contents : element.children_named("Contents")) {
    seen += contents->child_text("Key").size() + contents->child_text("Size").size();
  }
  for (const auto& child : element.children) seen += walk(child, depth + 1);
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto document = pgexport::fuzz::as_text(data, size);
  pgexport::fuzz::refusal_allowed([&] {
    auto root = pgexport::s3::parse_xml(document);
    volatile size_t seen = walk(root, 0);
    (void)seen;
  });
  pgexport::fuzz::refusal_allowed([&] {
    auto details = pgexport::s3::parse_s3_error_body(403, std::string(document));
    (void)pgexport::s3::retryable_s3_error(details);
  });
  return 0;
}
