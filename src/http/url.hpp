// Just enough URL parsing for endpoints: scheme, host, port and path of an absolute
// http(s) URL such as "https://s3.us-gov-west-1.amazonaws.com" or "http://[::1]:8080/creds".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgexport::http {

struct Url {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // lowercase; IPv6 without brackets
  std::optional<int> port;
  std::string path_and_query;  // "/..." or empty

  bool https() const { return scheme == "https"; }
  // The port, or the scheme's default.
  int effective_port() const { return port.value_or(https() ? 443 : 80); }
  // "host" or "host:port" (port only when not the default), brackets around IPv6: the
  // value of the Host header, which SigV4 signs.
  std::string authority() const;
  // "scheme://authority".
  std::string origin() const;
};

// Parses an absolute http or https URL; nullopt when it is not one.
std::optional<Url> parse_url(std::string_view text);

}  // namespace pgexport::http
