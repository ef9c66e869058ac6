// HTTP requests and responses, and the HttpTransport seam: S3 and the credential sources talk
// to an HttpTransport, which is libcurl in production (curl_transport.hpp) and a script of
// canned responses in unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The first header with this name, compared case-insensitively.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

// Parses an HTTP date in the preferred format of RFC 7231 section 7.1.1.1 (IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT"), as S3 sends Last-Modified. nullopt when it is not one:
// the obsolete RFC 850 and asctime forms are not accepted, since no S3 server sends them.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

struct Timeouts {
  // Ten seconds: a reachable endpoint completes TCP and TLS handshakes well within one; a
  // connect that takes longer is a wrong address or a black-holed route, better retried.
  std::chrono::milliseconds connect{10'000};
  // Stall detection: the transfer fails when fewer than `low_speed_bytes_per_second` flow
  // for `low_speed_window`. 1 KiB/s for 30 s catches a dead peer or a half-open connection
  // while tolerating a slow link, and S3 keeps even long CompleteMultipartUpload calls
  // alive with whitespace well within 30 s.
  uint32_t low_speed_bytes_per_second = 1024;
  std::chrono::seconds low_speed_window{30};
  // Limit for the whole exchange; zero means none, because a large part over a slow link is
  // legitimately slow (stall detection above catches the dead ones).
  std::chrono::milliseconds total{0};
};

// Fills up to `capacity` bytes of the request body; returns how many, 0 at the end.
using BodyReader = std::function<size_t(char* buffer, size_t capacity)>;
// Receives the response body of a successful (2xx) response chunk by chunk.
using BodySink = std::function<void(std::string_view chunk)>;

struct Request {
  std::string method = "GET";
  std::string url;  // already encoded: the transport sends the path exactly as given
  Headers headers;
  // The body, sent as is; it must outlive perform(). Ignored when body_reader is set.
  std::string_view body;
  // A streamed body of exactly body_size bytes (S3 does not accept chunked uploads).
  BodyReader body_reader;
  std::optional<uint64_t> body_size;
  // When set, a 2xx response body goes here instead of Response::body; error bodies are
  // still collected in Response::body so they can be parsed.
  BodySink response_sink;
  Timeouts timeouts;
  // Talk to the host directly even if HTTPS_PROXY/HTTP_PROXY is set: instance metadata and
  // container credential endpoints are link-local and must never go through a proxy.
  bool bypass_proxy = false;
  // Whether a stop request (SIGTERM) cuts the transfer short. Cleanup requests, such as
  // aborting a multipart upload while the task shuts down, must be allowed to finish.
  bool interruptible = true;
};

struct Response {
  long status = 0;
  Headers headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Performs one exchange; never retries (common/retry is the caller's business). Returns
  // whatever status the server sent. Throws pgexport::Error when no complete response
  // arrived: storage_transient for failures that may pass (refused, reset, timed out,
  // stalled), storage_error for ones that cannot (malformed URL, TLS certificate rejected),
  // interrupted when a stop was requested. Thread-safe.
  virtual Response perform(const Request& request) = 0;
};

}  // namespace pgexport::http
