// The Runtime API client against a scripted service: what it asks for, what it makes of the
// answers, and how it reports what it cannot use.
#include "lambda/runtime_api.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../s3/scripted_transport.hpp"
#include "common/error.hpp"

namespace pgexport::lambda {
namespace {

using s3::testing::ScriptedTransport;

http::Response invocation_answer(http::Headers headers, std::string body) {
  http::Response response;
  response.status = 200;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

const http::Headers kInvocationHeaders = {
    {"Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"},
    {"Lambda-Runtime-Deadline-Ms", "1542409706888"},
    {"Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-2:123456789012:function:x"},
    {"Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700"}};

TEST(RuntimeApi, NextReadsTheInvocationFromTheHeadersAndTheBody) {
  ScriptedTransport transport;
  transport.on("GET", "/runtime/invocation/next", [](const http::Request&) {
    return invocation_answer(kInvocationHeaders, R"({"format":"parquet"})");
  });
  RuntimeApiClient client(transport, "127.0.0.1:9001");
  const Invocation invocation = client.next();
  EXPECT_EQ(invocation.request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(invocation.deadline.time_since_epoch(), std::chrono::milliseconds(1542409706888));
  EXPECT_EQ(invocation.function_arn, "arn:aws:lambda:us-east-2:123456789012:function:x");
  EXPECT_EQ(invocation.trace_id, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700");
  EXPECT_EQ(invocation.event, R"({"format":"parquet"})");
  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next");
}

TEST(RuntimeApi, TheLongPollHasNoStallDetectionNorTimeLimitButAStopEndsIt) {
  ScriptedTransport transport;
  http::Request seen;
  transport.on("GET", "/next", [&](const http::Request& request) {
    seen = request;
    return invocation_answer(kInvocationHeaders, "{}");
  });
  RuntimeApiClient(transport, "127.0.0.1:9001").next();
  EXPECT_EQ(seen.timeouts.low_speed_window.count(), 0);
  EXPECT_EQ(seen.timeouts.total.count(), 0);
  EXPECT_TRUE(seen.interruptible);
  EXPECT_TRUE(seen.bypass_proxy);
}

TEST(RuntimeApi, AnErrorStatusOnTheNextPollEndsTheRuntime) {
  ScriptedTransport transport;
  transport.on("GET", "/next", 500, R"({"errorMessage":"environment ending"})");
  RuntimeApiClient client(transport, "127.0.0.1:9001");
  try {
    client.next();
    FAIL() << "expected runtime_api";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::runtime_api);
    EXPECT_NE(std::string(error.what()).find("HTTP 500"), std::string::npos) << error.what();
  }
}

TEST(RuntimeApi, AnInvocationWithoutRequestIdOrWithABadDeadlineIsRefused) {
  for (const auto& headers : {http::Headers{{"Lambda-Runtime-Deadline-Ms", "1542409706888"}},
                              http::Headers{{"Lambda-Runtime-Aws-Request-Id", "r1"}},
                              http::Headers{{"Lambda-Runtime-Aws-Request-Id", "r1"},
                                            {"Lambda-Runtime-Deadline-Ms", "soon"}}}) {
    ScriptedTransport transport;
    transport.on("GET", "/next",
                 [headers](const http::Request&) { return invocation_answer(headers, "{}"); });
    try {
      RuntimeApiClient(transport, "127.0.0.1:9001").next();
      FAIL() << "expected runtime_api";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::runtime_api) << error.what();
    }
  }
}

TEST(RuntimeApi, RespondPostsTheBodyToTheInvocationsResponsePath) {
  ScriptedTransport transport;
  transport.on("GET", "/next",
               [](const http::Request&) { return invocation_answer(kInvocationHeaders, "{}"); });
  transport.on("POST", "/response", 202, R"({"status":"OK"})");
  RuntimeApiClient client(transport, "127.0.0.1:9001");
  const auto invocation = client.next();
  client.respond(invocation, R"({"run_id":"r"})");
  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].url,
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/"
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd/response");
  EXPECT_EQ(requests[1].body, R"({"run_id":"r"})");
}

TEST(RuntimeApi, AnErrorIsPostedAsErrorMessageAndErrorTypeWithTheTypeHeader) {
  ScriptedTransport transport;
  transport.on("GET", "/next",
               [](const http::Request&) { return invocation_answer(kInvocationHeaders, "{}"); });
  http::Request seen;
  transport.on("POST", "/error", [&](const http::Request& request) {
    seen = request;
    http::Response response;
    response.status = 202;
    return response;
  });
  RuntimeApiClient client(transport, "127.0.0.1:9001");
  const auto invocation = client.next();
  client.respond_error(invocation, {"pgexport.deadline", "too late"});
  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].url,
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/"
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd/error");
  EXPECT_EQ(requests[1].header("Lambda-Runtime-Function-Error-Type"), "pgexport.deadline");
  const auto body = nlohmann::json::parse(requests[1].body);
  EXPECT_EQ(body["errorMessage"], "too late");
  EXPECT_EQ(body["errorType"], "pgexport.deadline");
  // An answer must go out even though the deadline's stop is requested at that moment.
  EXPECT_FALSE(seen.interruptible);
}

TEST(RuntimeApi, AnInitErrorGoesToTheInitPath) {
  ScriptedTransport transport;
  transport.on("POST", "/runtime/init/error", 202, "");
  RuntimeApiClient(transport, "127.0.0.1:9001").report_init_error({"pgexport.usage", "bad jobs"});
  const auto requests = transport.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9001/2018-06-01/runtime/init/error");
  EXPECT_EQ(requests[0].header("Lambda-Runtime-Function-Error-Type"), "pgexport.usage");
}

TEST(RuntimeApi, ARefusedAnswerIsARuntimeApiError) {
  ScriptedTransport transport;
  transport.on("GET", "/next",
               [](const http::Request&) { return invocation_answer(kInvocationHeaders, "{}"); });
  transport.on("POST", "/response", 413, R"({"errorType":"RequestEntityTooLarge"})");
  RuntimeApiClient client(transport, "127.0.0.1:9001");
  const auto invocation = client.next();
  try {
    client.respond(invocation, "{}");
    FAIL() << "expected runtime_api";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::runtime_api);
    EXPECT_NE(std::string(error.what()).find("HTTP 413"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace pgexport::lambda
