#include "http/http.hpp"

#include <cctype>

namespace pgexport::http {

namespace {
bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (equal_ignoring_case(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

}  // namespace pgexport::http
