#include "http/curl_transport.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/error.hpp"
#include "local_http_server.hpp"

namespace pgexport::http {
namespace {

using testing::LocalHttpServer;
using testing::ServedRequest;
using testing::ServedResponse;

TEST(CurlTransport, GetReturnsStatusHeadersAndBody) {
  LocalHttpServer server([](const ServedRequest& request) {
    ServedResponse response;
    response.status = 203;
    response.headers = {{"ETag", "\"abc\""}, {"X-Echo", request.target}};
    response.body = "hello";
    return response;
  });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/a/b?x=1";
  request.headers = {{"X-Custom", "v"}};
  const Response response = transport.perform(request);
  EXPECT_EQ(response.status, 203);
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(response.header("etag"), "\"abc\"");
  EXPECT_EQ(response.header("x-echo"), "/a/b?x=1");
  const auto served = server.requests();
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].method, "GET");
  EXPECT_EQ(served[0].header("x-custom"), "v");
  EXPECT_TRUE(served[0].header("user-agent").starts_with("pgexport/"));
}

TEST(CurlTransport, PathIsSentAsIs) {
  LocalHttpServer server([](const ServedRequest&) { return ServedResponse{}; });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/bucket/a//b/./c/../d%20e";
  transport.perform(request);
  EXPECT_EQ(server.requests().at(0).target, "/bucket/a//b/./c/../d%20e");
}

TEST(CurlTransport, PutSendsBodyWithLengthAndNoExpect) {
  LocalHttpServer server([](const ServedRequest&) { return ServedResponse{}; });
  CurlTransport transport;
  const std::string body(3 * 1024 * 1024, 'x');  // above curl's 1 MiB Expect threshold
  Request request;
  request.method = "PUT";
  request.url = server.url() + "/k";
  request.body = body;
  request.headers = {{"Content-Type", "application/octet-stream"}};
  EXPECT_EQ(transport.perform(request).status, 200);
  const auto served = server.requests().at(0);
  EXPECT_EQ(served.method, "PUT");
  EXPECT_EQ(served.body, body);
  EXPECT_EQ(served.header("content-length"), std::to_string(body.size()));
  EXPECT_FALSE(served.has_header("expect"));
  EXPECT_FALSE(served.has_header("transfer-encoding"));
}

TEST(CurlTransport, PostWithEmptyBodyAndDelete) {
  LocalHttpServer server([](const ServedRequest&) { return ServedResponse{}; });
  CurlTransport transport;
  Request post;
  post.method = "POST";
  post.url = server.url() + "/k?uploads";
  transport.perform(post);
  Request remove;
  remove.method = "DELETE";
  remove.url = server.url() + "/k";
  transport.perform(remove);
  const auto served = server.requests();
  ASSERT_EQ(served.size(), 2u);
  EXPECT_EQ(served[0].method, "POST");
  EXPECT_EQ(served[0].header("content-length"), "0");
  EXPECT_EQ(served[1].method, "DELETE");
}

TEST(CurlTransport, HeadHasNoBody) {
  LocalHttpServer server([](const ServedRequest&) {
    ServedResponse response;
    response.status = 404;
    response.body = "ignored for HEAD";
    return response;
  });
  CurlTransport transport;
  Request request;
  request.method = "HEAD";
  request.url = server.url() + "/k";
  const Response response = transport.perform(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(response.body.empty());
}

TEST(CurlTransport, StreamedRequestAndResponseBodies) {
  LocalHttpServer server([](const ServedRequest& request) {
    ServedResponse response;
    response.body = "echo:" + request.body;
    return response;
  });
  CurlTransport transport;
  std::string source = "0123456789";
  size_t offset = 0;
  Request request;
  request.method = "PUT";
  request.url = server.url() + "/k";
  request.body_size = source.size();
  request.body_reader = [&](char* buffer, size_t capacity) {
    const size_t n = std::min<size_t>({capacity, 3, source.size() - offset});
    std::copy_n(source.data() + offset, n, buffer);
    offset += n;
    return n;
  };
  std::string received;
  request.response_sink = [&](std::string_view chunk) { received += chunk; };
  const Response response = transport.perform(request);
  EXPECT_EQ(received, "echo:0123456789");
  EXPECT_TRUE(response.body.empty());
}

TEST(CurlTransport, ErrorBodyIsKeptEvenWithASink) {
  LocalHttpServer server([](const ServedRequest&) {
    ServedResponse response;
    response.status = 404;
    response.body = "<Error><Code>NoSuchKey</Code></Error>";
    return response;
  });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/k";
  std::string received;
  request.response_sink = [&](std::string_view chunk) { received += chunk; };
  const Response response = transport.perform(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(received.empty());
  EXPECT_EQ(response.body, "<Error><Code>NoSuchKey</Code></Error>");
}

TEST(CurlTransport, SinkExceptionPropagates) {
  LocalHttpServer server([](const ServedRequest&) {
    ServedResponse response;
    response.body = "data";
    return response;
  });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/k";
  request.response_sink = [](std::string_view) { fail(ErrorKind::data_error, "sink refused"); };
  try {
    transport.perform(request);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    EXPECT_STREQ(error.what(), "sink refused");
  }
}

TEST(CurlTransport, ConnectionsAreKeptAlive) {
  LocalHttpServer server([](const ServedRequest&) { return ServedResponse{}; });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/k";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(transport.perform(request).status, 200);
  EXPECT_EQ(server.connections_accepted(), 1);
  EXPECT_EQ(transport.connections_opened(), 1);
}

TEST(CurlTransport, RefusedConnectionIsRetryable) {
  int port = 0;
  {
    LocalHttpServer server([](const ServedRequest&) { return ServedResponse{}; });
    port = server.port();
  }  // closed: nothing listens there now
  CurlTransport transport;
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/k";
  try {
    transport.perform(request);
    FAIL();
  } catch (const Error& error) {
    EXPECT_TRUE(error.retryable());
    EXPECT_EQ(error.kind(), ErrorKind::storage_transient);
    EXPECT_NE(std::string(error.what()).find("cannot connect"), std::string::npos) << error.what();
  }
}

TEST(CurlTransport, ClosedWithoutResponseIsRetryable) {
  LocalHttpServer server([](const ServedRequest&) {
    ServedResponse response;
    response.behaviour = ServedResponse::Behaviour::close_without_response;
    return response;
  });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/k";
  try {
    transport.perform(request);
    FAIL();
  } catch (const Error& error) {
    EXPECT_TRUE(error.retryable()) << error.what();
  }
}

TEST(CurlTransport, StalledTransferFailsInsteadOfHanging) {
  LocalHttpServer server([](const ServedRequest&) {
    ServedResponse response;
    response.behaviour = ServedResponse::Behaviour::stall;
    response.body = "partial";
    response.announced_length = 1'000'000;
    return response;
  });
  CurlTransport transport;
  Request request;
  request.url = server.url() + "/k";
  request.timeouts.low_speed_window = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  try {
    transport.perform(request);
    FAIL();
  } catch (const Error& error) {
    EXPECT_TRUE(error.retryable());
    EXPECT_NE(std::string(error.what()).find("stalled"), std::string::npos) << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(CurlTransport, UnreadableCaBundleFailsWithAHintAndIsNotRetried) {
  // TLS is set up after the TCP connect, so the local (plain) server is reachable and the
  // bad bundle is what fails.
  LocalHttpServer server([](const ServedRequest&) { return ServedResponse{}; });
  CurlTransport transport(CurlOptions{.ca_bundle = "/nonexistent/ca.pem"});
  Request request;
  request.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/k";
  try {
    transport.perform(request);
    FAIL();
  } catch (const Error& error) {
    EXPECT_FALSE(error.retryable()) << error.what();
    EXPECT_NE(std::string(error.what()).find("--ca-bundle"), std::string::npos) << error.what();
  }
}

TEST(CurlTransport, MalformedUrlIsNotRetryable) {
  CurlTransport transport;
  Request request;
  request.url = "ftp://example.com/k";
  try {
    transport.perform(request);
    FAIL();
  } catch (const Error& error) {
    EXPECT_FALSE(error.retryable()) << error.what();
  }
}

}  // namespace
}  // namespace pgexport::http
