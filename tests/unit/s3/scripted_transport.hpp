// An HttpTransport that answers from a script: each rule matches a method and a URL
// substring and answers (or throws) a given number of times. Records every request.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "http/http.hpp"

namespace pgexport::s3::testing {

struct RecordedRequest {
  std::string method;
  std::string url;
  http::Headers headers;
  std::string body;

  std::string header(std::string_view name) const {
    return std::string(http::find_header(headers, name).value_or(""));
  }
  bool has_header(std::string_view name) const {
    return http::find_header(headers, name).has_value();
  }
};

class ScriptedTransport final : public http::HttpTransport {
 public:
  using Answer = std::function<http::Response(const http::Request&)>;

  // Answers requests whose method matches and whose URL contains `url_part`, `times` times
  // (-1: always). Earlier rules win.
  void on(std::string method, std::string url_part, Answer answer, int times = -1) {
    std::lock_guard lock(mutex_);
    rules_.push_back({std::move(method), std::move(url_part), std::move(answer), times});
  }
  void on(std::string method, std::string url_part, long status, std::string body, int times = -1) {
    on(
        std::move(method), std::move(url_part),
        [status, body](const http::Request&) {
          http::Response response;
          response.status = status;
          response.body = body;
          return response;
        },
        times);
  }
  void refuse(std::string method, std::string url_part, int times = -1) {
    on(
        std::move(method), std::move(url_part),
        [](const http::Request&) -> http::Response {
          fail(ErrorKind::storage_transient, "cannot connect (refused)");
        },
        times);
  }

  http::Response perform(const http::Request& request) override {
    Answer answer;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(
          {request.method, request.url, request.headers, std::string(request.body)});
      for (auto& rule : rules_) {
        if (rule.times == 0 || rule.method != request.method ||
            request.url.find(rule.url_part) == std::string::npos) {
          continue;
        }
        if (rule.times > 0) --rule.times;
        answer = rule.answer;
        break;
      }
    }
    if (!answer) fail(ErrorKind::internal, "unscripted request {} {}", request.method, request.url);
    return answer(request);
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct Rule {
    std::string method;
    std::string url_part;
    Answer answer;
    int times;
  };
  mutable std::mutex mutex_;
  std::vector<Rule> rules_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace pgexport::s3::testing
