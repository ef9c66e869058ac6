// A tiny HTTP/1.1 server on 127.0.0.1 for tests: a listening thread plus one thread per
// connection, keep-alive supported, each request answered by a handler. The handler can
// also misbehave (stall mid-body, close without answering) to exercise failure paths of the
// real curl transport. Test-only; it trusts its peer and parses just enough HTTP.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pgexport::testing {

struct ServedRequest {
  std::string method;
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;

  std::string header(const std::string& lowercase_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lowercase_name) return value;
    }
    return "";
  }
  bool has_header(const std::string& lowercase_name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& header) { return header.first == lowercase_name; });
  }
};

struct ServedResponse {
  enum class Behaviour {
    respond,
    close_without_response,  // read the request, then close the socket
    stall,                   // send headers and `body`, then nothing until the client gives up
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Behaviour behaviour = Behaviour::respond;
  // For stall: the Content-Length announced (larger than `body`).
  size_t announced_length = 0;
};

class LocalHttpServer {
 public:
  using Handler = std::function<ServedResponse(const ServedRequest&)>;

  explicit LocalHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int yes = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~LocalHttpServer() {
    stopping_ = true;
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(connection_threads_);
    }
    for (auto& thread : threads) thread.join();
    ::close(listen_fd_);
  }

  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections_accepted() const { return connections_accepted_.load(); }
  std::vector<ServedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  // How often blocked threads look at `stopping_`: short enough for fast test teardown.
  static constexpr int kPollMillis = 20;

  void accept_loop() {
    while (!stopping_) {
      pollfd ready{listen_fd_, POLLIN, 0};
      if (::poll(&ready, 1, kPollMillis) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_accepted_;
      std::lock_guard lock(mutex_);
      connection_threads_.emplace_back([this, fd] {
        serve_connection(fd);
        ::close(fd);
      });
    }
  }

  // Reads until `predicate(buffer)` holds; false when the peer closed or we are stopping.
  template <typename Predicate>
  bool read_until(int fd, std::string& buffer, Predicate predicate) {
    char chunk[16384];
    while (!predicate(buffer)) {
      if (stopping_) return false;
      pollfd ready{fd, POLLIN, 0};
      if (::poll(&ready, 1, kPollMillis) <= 0) continue;
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }

  static bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void serve_connection(int fd) {
    std::string buffer;
    while (!stopping_) {
      if (!read_until(fd, buffer, [](const std::string& b) {
            return b.find("\r\n\r\n") != std::string::npos;
          })) {
        return;
      }
      const size_t head_end = buffer.find("\r\n\r\n");
      ServedRequest request = parse_head(buffer.substr(0, head_end));
      buffer.erase(0, head_end + 4);
      const std::string length_text = request.header("content-length");
      const size_t length = length_text.empty() ? 0 : std::stoul(length_text);
      if (!read_until(fd, buffer, [&](const std::string& b) { return b.size() >= length; })) return;
      request.body = buffer.substr(0, length);
      buffer.erase(0, length);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }

      ServedResponse response = handler_(request);
      if (response.behaviour == ServedResponse::Behaviour::close_without_response) return;
      const bool head = request.method == "HEAD";
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " Status\r\n";
      for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
      const size_t announced = response.behaviour == ServedResponse::Behaviour::stall
                                   ? response.announced_length
                                   : response.body.size();
      out += "Content-Length: " + std::to_string(announced) + "\r\n\r\n";
      if (!head) out += response.body;
      if (!send_all(fd, out)) return;
      if (response.behaviour == ServedResponse::Behaviour::stall) {
        // Hold the connection open, sending nothing, until the client hangs up.
        std::string ignored;
        read_until(fd, ignored, [](const std::string&) { return false; });
        return;
      }
    }
  }

  static ServedRequest parse_head(const std::string& head) {
    ServedRequest request;
    size_t line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    const size_t space1 = first.find(' ');
    const size_t space2 = first.rfind(' ');
    request.method = first.substr(0, space1);
    request.target = first.substr(space1 + 1, space2 - space1 - 1);
    size_t start = line_end == std::string::npos ? head.size() : line_end + 2;
    while (start < head.size()) {
      line_end = head.find("\r\n", start);
      if (line_end == std::string::npos) line_end = head.size();
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t value_start = line.find_first_not_of(' ', colon + 1);
        request.headers.emplace_back(
            name, value_start == std::string::npos ? "" : line.substr(value_start));
      }
      start = line_end + 2;
    }
    return request;
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_accepted_{0};
  std::thread accept_thread_;
  mutable std::mutex mutex_;
  std::vector<std::thread> connection_threads_;
  std::vector<ServedRequest> requests_;
};

}  // namespace pgexport::testing
