#include "http/curl_transport.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>

#include "common/cancellation.hpp"
#include "common/error.hpp"

namespace pgexport::http {

namespace {

// curl_global_init is not safe to race with other curl calls, so it runs exactly once, on
// first use. There is no matching cleanup: handles may live until exit, and the OS reclaims
// everything then.
void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      fail(ErrorKind::internal, "libcurl could not be initialised");
    }
  });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) throw std::bad_alloc();
  (void)list.release();  // curl_slist_append returned the same head (or a new one)
  list.reset(grown);
}

// Everything one exchange needs inside the curl callbacks.
struct Exchange {
  const Request* request = nullptr;
  CURL* curl = nullptr;
  Response response;
  size_t body_offset = 0;      // of request->body
  std::exception_ptr failure;  // thrown inside a callback; rethrown after curl returns
  bool stopped = false;
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const Request& request = *exchange->request;
  const size_t capacity = size * count;
  try {
    if (request.body_reader) return request.body_reader(buffer, capacity);
    const size_t n = std::min(capacity, request.body.size() - exchange->body_offset);
    std::memcpy(buffer, request.body.data() + exchange->body_offset, n);
    exchange->body_offset += n;
    return n;
  } catch (...) {
    exchange->failure = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

// curl rewinds the body when a reused keep-alive connection turns out to be dead and it
// resends on a fresh one; without this, that ends in CURLE_SEND_FAIL_REWIND.
int seek_body(void* user, curl_off_t offset, int origin) {
  auto* exchange = static_cast<Exchange*>(user);
  const Request& request = *exchange->request;
  if (request.body_reader || origin != SEEK_SET || offset < 0 ||
      static_cast<uint64_t>(offset) > request.body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;  // the retry loop starts the request over instead
  }
  exchange->body_offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  try {
    long status = 0;
    curl_easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &status);
    if (exchange->request->response_sink && status >= 200 && status < 300) {
      exchange->request->response_sink(std::string_view(data, bytes));
    } else {
      exchange->response.body.append(data, bytes);
    }
    return bytes;
  } catch (...) {
    exchange->failure = std::current_exception();
    return 0;  // any other count makes curl fail with CURLE_WRITE_ERROR
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    exchange->response.headers.clear();  // a new response (after 100 Continue or a redirect)
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    exchange->response.headers.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  // Polled about once a second even when no data flows: lets SIGTERM end a stalled upload.
  auto* exchange = static_cast<Exchange*>(user);
  if (exchange->request->interruptible && interrupt_requested()) {
    exchange->stopped = true;
    return 1;
  }
  return 0;
}

bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:  // DNS hiccups happen; a wrong name fails 5 times fast
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_FAIL_REWIND:   // a dead connection mid-body; the next attempt starts over
    case CURLE_SSL_CONNECT_ERROR:  // handshake cut off mid-way; certificate errors differ
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

// A short description for retry messages: "connection reset", "stalled", ...
std::string describe_failure(CURLcode code, const Request& request, const char* detail) {
  const std::string extra = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      if (request.timeouts.low_speed_window.count() > 0 &&
          std::string_view(extra).find("too slow") != std::string_view::npos) {
        return fmt::format("stalled: less than {} bytes/s for {} s",
                           request.timeouts.low_speed_bytes_per_second,
                           request.timeouts.low_speed_window.count());
      }
      return fmt::format("timed out ({})", extra);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      if (extra.find("reset") != std::string::npos)
        return fmt::format("connection reset ({})", extra);
      return fmt::format("connection broken ({})", extra);
    case CURLE_GOT_NOTHING:
      return "connection closed without a response";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return fmt::format("cannot connect ({})", extra);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return fmt::format(
          "TLS certificate of the server not trusted ({}); if the endpoint uses a private CA, "
          "pass its PEM bundle with --ca-bundle",
          extra);
    default:
      return extra;
  }
}

}  // namespace

class CurlTransport::Handle {
 public:
  Handle() : curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::bad_alloc();
  }
  ~Handle() { curl_easy_cleanup(curl_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  CURL* get() const { return curl_; }

 private:
  CURL* curl_;
};

CurlTransport::CurlTransport(CurlOptions options) : options_(std::move(options)) {
  global_init_once();
}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<CurlTransport::Handle> CurlTransport::take_handle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return std::make_unique<Handle>();
}

void CurlTransport::return_handle(std::unique_ptr<Handle> handle) noexcept {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
}

long CurlTransport::connections_opened() const {
  std::lock_guard lock(mutex_);
  return connections_opened_;
}

Response CurlTransport::perform(const Request& request) {
  auto handle = take_handle();
  CURL* curl = handle->get();
  // Reset clears the options of the previous request but keeps its connection cache.
  curl_easy_reset(curl);

  Exchange exchange;
  exchange.request = &request;
  exchange.curl = curl;
  char error_buffer[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // Keys may contain "/./" or "//": send the path exactly as signed.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // required with threads; timeouts still work
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  // TLS 1.2 at least, whatever the system's OpenSSL configuration allows: AWS endpoints and
  // the bucket policies of docs/security.md refuse anything older anyway.
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  if (!options_.ca_bundle.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  if (request.bypass_proxy) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");

  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.timeouts.connect.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeouts.total.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT,
                   static_cast<long>(request.timeouts.low_speed_bytes_per_second));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(request.timeouts.low_speed_window.count()));

  const bool sends_body = request.method == "PUT" || request.method == "POST" ||
                          !request.body.empty() || request.body_reader;
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    if (request.body_reader && !request.body_size) {
      fail(ErrorKind::internal, "streamed request body without a size for {}", request.url);
    }
    const uint64_t size = request.body_reader ? *request.body_size : request.body.size();
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_body);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &exchange);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  Slist headers;
  for (const auto& header : request.headers) {
    append(headers, header.value.empty() ? header.name + ";" : header.name + ": " + header.value);
  }
  // No "Expect: 100-continue": it costs a round trip per part (or a 1 s wait on servers
  // that never answer it), and a rejected part wastes at most one part's upload.
  append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);

  const CURLcode code = curl_easy_perform(curl);
  long new_connections = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &new_connections);
  {
    std::lock_guard lock(mutex_);
    connections_opened_ += new_connections;
  }

  if (exchange.failure) {
    // A callback failed (the body reader or sink threw). The connection may be mid-message:
    // drop the handle rather than pool it.
    std::rethrow_exception(exchange.failure);
  }
  if (exchange.stopped) fail(ErrorKind::interrupted, "stop requested");
  if (code != CURLE_OK) {
    const std::string message = describe_failure(code, request, error_buffer);
    throw Error(retryable(code) ? ErrorKind::storage_transient : ErrorKind::storage_error, message);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.response.status);
  return_handle(std::move(handle));
  return std::move(exchange.response);
}

}  // namespace pgexport::http
