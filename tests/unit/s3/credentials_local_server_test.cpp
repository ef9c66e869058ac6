// The container and instance-metadata credential sources over the real curl transport,
// against a local HTTP server standing in for the ECS credentials endpoint and IMDSv2.

#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "../http/local_http_server.hpp"
#include "http/curl_transport.hpp"
#include "storage/s3/credential_sources.hpp"

namespace pgexport::s3 {
namespace {

using pgexport::testing::LocalHttpServer;
using pgexport::testing::ServedRequest;
using pgexport::testing::ServedResponse;

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

constexpr std::string_view kCredentialsJson =
    R"({"Code":"Success","AccessKeyId":"ASIALOCAL","SecretAccessKey":"local-secret",)"
    R"("Token":"local-token","Expiration":"2099-01-01T00:00:00Z"})";

RetryPolicy quick_retry(int attempts) {
  RetryPolicy policy;
  policy.max_attempts = attempts;
  policy.initial_backoff = std::chrono::milliseconds(1);
  return policy;
}

ServedResponse answer(int status, std::string body = "") {
  ServedResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST(LocalServer, ContainerEndpointWithAuthorizationToken) {
  LocalHttpServer server([](const ServedRequest& request) {
    if (request.method != "GET" || request.target != "/v2/credentials/task") return answer(404);
    if (request.header("authorization") != "Bearer local-auth") return answer(401);
    return answer(200, std::string(kCredentialsJson));
  });
  auto transport = std::make_shared<http::CurlTransport>();
  CredentialsChainOptions options;
  options.environment =
      environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/v2/credentials/task"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer local-auth"},
                   {"AWS_EC2_METADATA_DISABLED", "true"}});
  options.transport = transport;
  options.files =
      std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text("", "", "default"));
  auto provider = make_default_credentials_provider(options);
  const Credentials credentials = provider->get();
  EXPECT_EQ(credentials.access_key_id, "ASIALOCAL");
  EXPECT_EQ(credentials.session_token, "local-token");
  EXPECT_EQ(credentials.source, "container endpoint");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(LocalServer, ContainerEndpointRetriesAServerError) {
  std::atomic<int> calls{0};
  LocalHttpServer server([&](const ServedRequest&) {
    return ++calls == 1 ? answer(503, "busy") : answer(200, std::string(kCredentialsJson));
  });
  ContainerCredentialsSource source(
      environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"}}),
      std::make_shared<http::CurlTransport>(), quick_retry(3));
  std::string why_not;
  EXPECT_TRUE(source.fetch(why_not));
  EXPECT_EQ(calls.load(), 2);
}

// IMDSv2 as EC2 implements it: a PUT for a session token, then token-authenticated GETs.
ServedResponse imds(const ServedRequest& request) {
  if (request.method == "PUT" && request.target == "/latest/api/token") {
    if (request.header("x-aws-ec2-metadata-token-ttl-seconds").empty()) return answer(400);
    return answer(200, "AQAEAlocal-imds-token==");
  }
  if (request.header("x-aws-ec2-metadata-token") != "AQAEAlocal-imds-token==") return answer(401);
  if (request.target == "/latest/meta-data/iam/security-credentials/") {
    return answer(200, "pgexport-instance-role");
  }
  if (request.target == "/latest/meta-data/iam/security-credentials/pgexport-instance-role") {
    return answer(200, std::string(kCredentialsJson));
  }
  return answer(404);
}

TEST(LocalServer, InstanceMetadataV2) {
  LocalHttpServer server(imds);
  CredentialsChainOptions options;
  options.environment = environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()}});
  options.transport = std::make_shared<http::CurlTransport>();
  options.files =
      std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text("", "", "default"));
  auto provider = make_default_credentials_provider(options);
  const Credentials credentials = provider->get();
  EXPECT_EQ(credentials.access_key_id, "ASIALOCAL");
  EXPECT_EQ(credentials.source, "instance metadata");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  // Long-lived credentials are served from the cache.
  provider->get();
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(LocalServer, InstanceMetadataNotReachableMeansNotConfigured) {
  int port = 0;
  {
    LocalHttpServer closed([](const ServedRequest&) { return answer(200); });
    port = closed.port();
  }
  InstanceMetadataCredentialsSource source(
      environment(
          {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(port)}}),
      std::make_shared<http::CurlTransport>(), quick_retry(2));
  std::string why_not;
  EXPECT_FALSE(source.fetch(why_not));
  EXPECT_NE(why_not.find("no instance metadata service"), std::string::npos) << why_not;
}

}  // namespace
}  // namespace pgexport::s3
