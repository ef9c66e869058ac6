// The AWS Lambda Runtime API (version 2018-06-01), the HTTP interface through which a custom
// runtime inside a Lambda execution environment takes one invocation after another and answers
// each: GET /runtime/invocation/next, POST /runtime/invocation/{id}/response or /error, and
// POST /runtime/init/error when the runtime cannot start. It speaks through the HttpTransport
// seam, so unit tests script the service's answers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/http.hpp"

namespace pgexport::lambda {

struct Invocation {
  std::string request_id;                          // Lambda-Runtime-Aws-Request-Id
  std::chrono::system_clock::time_point deadline;  // Lambda-Runtime-Deadline-Ms
  std::string function_arn;                        // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;                            // Lambda-Runtime-Trace-Id (may be empty)
  std::string event;                               // the payload, a JSON document
};

// What an invocation or the initialisation failed with: errorType names the kind
// ("pgexport.deadline"), errorMessage says what happened and what to do.
struct FunctionError {
  std::string type;
  std::string message;
};

class RuntimeApiClient {
 public:
  // `api_host` is AWS_LAMBDA_RUNTIME_API, "host:port" (the service speaks plain HTTP on a
  // link-local address inside the execution environment).
  RuntimeApiClient(http::HttpTransport& transport, std::string api_host);

  // Waits for the next invocation, for as long as it takes: Lambda freezes the environment
  // between invocations, and the poll is answered when one arrives. Throws runtime_api when
  // the service answers with an error (it does when the environment must shut down) or an
  // answer without the request id or deadline; interrupted when a stop signal came.
  Invocation next();

  // Answers an invocation with its result, a JSON document.
  void respond(const Invocation& invocation, std::string_view body);
  // Answers an invocation with an error.
  void respond_error(const Invocation& invocation, const FunctionError& error);
  // Tells the service the runtime could not start (bad configuration); Lambda then reports
  // the invocation as failed with this error.
  void report_init_error(const FunctionError& error);

 private:
  void post(const std::string& path, std::string_view body, const http::Headers& headers,
            std::string_view what);

  http::HttpTransport& transport_;
  std::string base_url_;
};

// The body of an error answer: {"errorMessage": ..., "errorType": ...}.
std::string error_document(const FunctionError& error);

}  // namespace pgexport::lambda
