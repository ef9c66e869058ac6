#include "lambda/runtime_api.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "common/error.hpp"

namespace pgexport::lambda {

namespace {

constexpr std::string_view kApiVersion = "/2018-06-01";

std::string required_header(const http::Response& response, std::string_view name) {
  auto value = response.header(name);
  if (!value || value->empty()) {
    fail(ErrorKind::runtime_api,
         "the Lambda Runtime API sent an invocation without the {} header; the runtime stops",
         name);
  }
  return std::string(*value);
}

std::chrono::system_clock::time_point parse_deadline(const std::string& text) {
  int64_t milliseconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), milliseconds);
  if (error != std::errc() || end != text.data() + text.size() || milliseconds <= 0) {
    fail(ErrorKind::runtime_api,
         "the Lambda Runtime API sent Lambda-Runtime-Deadline-Ms '{}', which is not a time in "
         "milliseconds; the runtime stops",
         text);
  }
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(milliseconds));
}

}  // namespace

std::string error_document(const FunctionError& error) {
  return nlohmann::json{{"errorMessage", error.message}, {"errorType", error.type}}.dump();
}

RuntimeApiClient::RuntimeApiClient(http::HttpTransport& transport, std::string api_host)
    : transport_(transport), base_url_("http://" + api_host + std::string(kApiVersion)) {}

Invocation RuntimeApiClient::next() {
  http::Request request;
  request.method = "GET";
  request.url = base_url_ + "/runtime/invocation/next";
  // The poll is answered when an invocation arrives, which may be hours away: no stall
  // detection and no overall limit. A stop signal still ends it (interruptible).
  request.timeouts.low_speed_window = std::chrono::seconds(0);
  request.timeouts.total = std::chrono::milliseconds(0);
  // The service is on a link-local address: never through a proxy.
  request.bypass_proxy = true;
  const http::Response response = transport_.perform(request);
  if (response.status != 200) {
    fail(ErrorKind::runtime_api,
         "the Lambda Runtime API answered the poll for the next invocation with HTTP {}; the "
         "execution environment is ending, so the runtime stops",
         response.status);
  }
  Invocation invocation;
  invocation.request_id = required_header(response, "Lambda-Runtime-Aws-Request-Id");
  invocation.deadline = parse_deadline(required_header(response, "Lambda-Runtime-Deadline-Ms"));
  invocation.function_arn =
      std::string(response.header("Lambda-Runtime-Invoked-Function-Arn").value_or(""));
  invocation.trace_id = std::string(response.header("Lambda-Runtime-Trace-Id").value_or(""));
  invocation.event = response.body;
  return invocation;
}

void RuntimeApiClient::respond(const Invocation& invocation, std::string_view body) {
  post("/runtime/invocation/" + invocation.request_id + "/response", body,
       {{"Content-Type", "application/json"}}, "the response of an invocation");
}

void RuntimeApiClient::respond_error(const Invocation& invocation, const FunctionError& error) {
  post("/runtime/invocation/" + invocation.request_id + "/error", error_document(error),
       {{"Content-Type", "application/json"}, {"Lambda-Runtime-Function-Error-Type", error.type}},
       "the error of an invocation");
}

void RuntimeApiClient::report_init_error(const FunctionError& error) {
  post("/runtime/init/error", error_document(error),
       {{"Content-Type", "application/json"}, {"Lambda-Runtime-Function-Error-Type", error.type}},
       "the initialisation error");
}

void RuntimeApiClient::post(const std::string& path, std::string_view body,
                            const http::Headers& headers, std::string_view what) {
  http::Request request;
  request.method = "POST";
  request.url = base_url_ + path;
  request.headers = headers;
  request.body = body;
  request.bypass_proxy = true;
  // An answer is sent after a stop too (the invocation's deadline stopped the export): it is
  // how the caller learns why.
  request.interruptible = false;
  // The service answers at once; 10 s means it is gone, and the deadline is near anyway.
  request.timeouts.total = std::chrono::milliseconds(10'000);
  const http::Response response = transport_.perform(request);
  if (response.status < 200 || response.status > 299) {
    fail(ErrorKind::runtime_api, "the Lambda Runtime API refused {} with HTTP {}: {}", what,
         response.status, response.body.substr(0, 200));
  }
}

}  // namespace pgexport::lambda
