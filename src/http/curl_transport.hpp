// The production HttpTransport, over libcurl. Easy handles are pooled and reused, so
// consecutive requests from any thread ride kept-alive connections (and TLS sessions)
// instead of paying a handshake per S3 call.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/http.hpp"

namespace pgexport::http {

struct CurlOptions {
  // PEM file of trusted CAs (e.g. a corporate proxy's); empty uses the system store. TLS
  // peers are always verified: there is deliberately no option to turn that off.
  std::string ca_bundle;
  std::string user_agent = "pgexport/" PGEXPORT_VERSION;
  // Idle handles (each holding one kept-alive connection) retained between requests: more
  // than the concurrent requests a run makes (workers × parts in flight), fewer than the
  // default open-file limit would notice.
  size_t max_idle_handles = 64;
};

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Response perform(const Request& request) override;

  // Connections opened so far (not reused): lets tests verify keep-alive.
  long connections_opened() const;

 private:
  class Handle;
  std::unique_ptr<Handle> take_handle();
  void return_handle(std::unique_ptr<Handle> handle) noexcept;

  CurlOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> idle_;
  long connections_opened_ = 0;
};

}  // namespace pgexport::http
