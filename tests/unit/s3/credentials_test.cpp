#include "storage/s3/credentials.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "common/time_format.hpp"
#include "scripted_transport.hpp"
#include "storage/s3/credential_sources.hpp"
#include "storage/s3/sts.hpp"

namespace pgexport::s3 {
namespace {

using testing::ScriptedTransport;
using namespace std::chrono_literals;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET";
constexpr std::string_view kToken = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

std::chrono::system_clock::time_point at(int hour, int minute = 0) {
  using namespace std::chrono;
  return sys_days{2026y / 11 / 24} + hours{hour} + minutes{minute};
}

// A file in the test's temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("pgexport-test-{}-{}", ::getpid(), counter++);
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::string sts_answer(std::string_view action, std::string_view key_id,
                       std::string_view expiration) {
  return fmt::format(
      "<{0}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{0}Result><Credentials>"
      "<AccessKeyId>{1}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>"
      "<SessionToken>assumed-token</SessionToken><Expiration>{2}</Expiration></Credentials>"
      "</{0}Result></{0}Response>",
      action, key_id, expiration);
}

TEST(Credentials, RenderingNeverShowsSecrets) {
  Credentials credentials{"AKIAIOSFODNN7EXAMPLE", std::string(kSecret), std::string(kToken),
                          at(21, 35), "imds"};
  std::ostringstream streamed;
  streamed << credentials;
  for (const std::string& text :
       {redacted(credentials), fmt::format("{}", credentials), streamed.str()}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    EXPECT_EQ(text.find(kToken), std::string::npos) << text;
    EXPECT_EQ(text.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos) << text;
  }
  EXPECT_EQ(redacted(credentials),
            "AKIA…MPLE (secret redacted, session token redacted, expires "
            "2026-11-24T21:35:00.000Z, from imds)");
}

TEST(Credentials, AwsTimestamps) {
  EXPECT_EQ(parse_aws_timestamp("2026-11-24T21:35:00Z"), at(21, 35));
  EXPECT_EQ(parse_aws_timestamp("2026-11-24T21:35:00.000Z"), at(21, 35));
  EXPECT_EQ(parse_aws_timestamp("2026-11-24T21:35:00+00:00"), at(21, 35));
  EXPECT_FALSE(parse_aws_timestamp("2026-11-24 21:35:00"));
  EXPECT_FALSE(parse_aws_timestamp("2026-13-24T21:35:00Z"));
  EXPECT_FALSE(parse_aws_timestamp("2026-11-24T21:35:00+02:00"));
  EXPECT_FALSE(parse_aws_timestamp(""));
}

TEST(EnvironmentSource, KeysAndToken) {
  EnvironmentCredentialsSource source(environment({{"AWS_ACCESS_KEY_ID", "AKID"},
                                                   {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                   {"AWS_SESSION_TOKEN", "token"}}));
  std::string why_not;
  auto credentials = source.fetch(why_not);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "AKID");
  EXPECT_EQ(credentials->session_token, "token");
  EXPECT_FALSE(credentials->expiration);
}

TEST(EnvironmentSource, UnsetOrIncomplete) {
  std::string why_not;
  EXPECT_FALSE(EnvironmentCredentialsSource(environment({})).fetch(why_not));
  EXPECT_NE(why_not.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EnvironmentCredentialsSource half(environment({{"AWS_ACCESS_KEY_ID", "AKID"}}));
  EXPECT_THROW(half.fetch(why_not), Error);
}

StsOptions sts_options(std::shared_ptr<ScriptedTransport> transport,
                       std::string region = "us-gov-west-1") {
  StsOptions options;
  options.transport = std::move(transport);
  options.region = std::move(region);
  options.clock = [] { return at(20); };
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 1ms;
  return options;
}

TEST(ProfileSource, StaticKeysFromTheCredentialsFile) {
  auto files = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text(
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n"
      "[export]\naws_access_key_id=AKIDEXPORT\naws_secret_access_key=s2\naws_session_token=t\n",
      "[profile export]\nregion = us-gov-west-1\n", "export"));
  ProfileCredentialsSource source(files, {});
  std::string why_not;
  auto credentials = source.fetch(why_not);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "AKIDEXPORT");
  EXPECT_EQ(credentials->session_token, "t");
  EXPECT_EQ(credentials->source, "profile export");
}

TEST(ProfileSource, KeysInTheConfigFile) {
  auto files = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text(
      "", "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n", "default"));
  std::string why_not;
  EXPECT_EQ(ProfileCredentialsSource(files, {}).fetch(why_not)->access_key_id, "AKIDCONFIG");
}

TEST(ProfileSource, MissingProfiles) {
  std::string why_not;
  auto none = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text("", "", "default"));
  EXPECT_FALSE(ProfileCredentialsSource(none, {}).fetch(why_not));
  auto region_only = std::make_shared<const AwsConfigFiles>(
      AwsConfigFiles::from_text("", "[default]\nregion = us-east-1\n", "default"));
  EXPECT_FALSE(ProfileCredentialsSource(region_only, {}).fetch(why_not));
  // A profile asked for by name must exist.
  auto named = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text("", "", "typo"));
  EXPECT_THROW(ProfileCredentialsSource(named, {}).fetch(why_not), Error);
}

TEST(ProfileSource, RoleWithSourceProfile) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("POST", "https://sts.us-gov-west-1.amazonaws.com/", 200,
                sts_answer("AssumeRole", "ASIAASSUMED", "2026-11-24T21:00:00Z"));
  auto files = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text(
      "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
      "[profile warehouse]\nrole_arn = arn:aws-us-gov:iam::222233334444:role/writer\n"
      "source_profile = base\nexternal_id = ext-1\nrole_session_name = nightly\n",
      "warehouse"));
  ProfileCredentialsSource source(files, sts_options(transport));
  std::string why_not;
  auto credentials = source.fetch(why_not);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAASSUMED");
  const auto request = transport->requests().at(0);
  EXPECT_NE(request.body.find("ExternalId=ext-1"), std::string::npos);
  EXPECT_NE(request.body.find("RoleSessionName=nightly"), std::string::npos);
  EXPECT_NE(request.header("authorization").find("Credential=AKIDBASE/20261124/us-gov-west-1/sts/"),
            std::string::npos);
}

TEST(Sts, Endpoints) {
  StsOptions options;
  EXPECT_EQ(sts_endpoint(options), "https://sts.amazonaws.com");
  options.region = "us-gov-west-1";
  EXPECT_EQ(sts_endpoint(options), "https://sts.us-gov-west-1.amazonaws.com");
  options.fips = true;
  EXPECT_EQ(sts_endpoint(options), "https://sts.us-gov-west-1.amazonaws.com");
  options.region = "us-east-1";
  EXPECT_EQ(sts_endpoint(options), "https://sts-fips.us-east-1.amazonaws.com");
  options.endpoint_url = "http://127.0.0.1:1234";
  EXPECT_EQ(sts_endpoint(options), "http://127.0.0.1:1234");
}

TEST(Sts, AssumeRoleIsSignedAndParsed) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("POST", "sts.us-gov-west-1", 200,
                sts_answer("AssumeRole", "ASIAASSUMED", "2026-11-24T21:00:00Z"));
  AssumeRoleRequest request{"arn:aws-us-gov:iam::222233334444:role/writer", "", "ext-1"};
  Credentials caller{"AKIDCALLER", "caller-secret", "caller-token", std::nullopt, "env"};
  const Credentials assumed = sts_assume_role(sts_options(transport), caller, request);
  EXPECT_EQ(assumed.access_key_id, "ASIAASSUMED");
  EXPECT_EQ(assumed.secret_access_key, "assumed-secret");
  EXPECT_EQ(assumed.session_token, "assumed-token");
  EXPECT_EQ(assumed.expiration, at(21));
  const auto sent = transport->requests().at(0);
  EXPECT_EQ(sent.header("x-amz-security-token"), "caller-token");
  EXPECT_EQ(sent.header("content-type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_NE(sent.body.find("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws-us-gov%3Aiam"),
            std::string::npos);
  EXPECT_NE(sent.body.find("RoleSessionName=pgexport-"), std::string::npos);
  EXPECT_NE(sent.body.find("DurationSeconds=3600"), std::string::npos);
}

TEST(Sts, ThrottlingIsRetriedAccessDeniedIsNot) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("POST", "sts", 400,
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                "<Message>Rate exceeded</Message></Error></ErrorResponse>",
                1);
  transport->on("POST", "sts", 403,
                "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized"
                "</Message></Error></ErrorResponse>");
  Credentials caller{"AKIDCALLER", "caller-secret", "", std::nullopt, "env"};
  try {
    sts_assume_role(sts_options(transport), caller, {"arn:role", "s", ""});
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::credentials_error);
    const std::string message = error.what();
    EXPECT_NE(message.find("after 2 attempts: 400 Throttling: Rate exceeded; 403 AccessDenied"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("trust policy"), std::string::npos);
    EXPECT_EQ(message.find("caller-secret"), std::string::npos);
  }
}

TEST(WebIdentitySource, ExchangesTheTokenFile) {
  TempFile token("eyJhbGciOiJSUzI1NiJ9.payload.signature\n");
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("POST", "https://sts.us-gov-west-1.amazonaws.com/", 200,
                sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB", "2026-11-24T21:00:00Z"));
  WebIdentityCredentialsSource source(
      environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", token.path()},
                   {"AWS_ROLE_ARN", "arn:aws-us-gov:iam::1:role/pod"},
                   {"AWS_ROLE_SESSION_NAME", "pod-session"}}),
      sts_options(transport));
  std::string why_not;
  auto credentials = source.fetch(why_not);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAWEB");
  const auto sent = transport->requests().at(0);
  EXPECT_FALSE(sent.has_header("authorization"));  // the token is the proof
  EXPECT_TRUE(sent.body.ends_with("&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.payload.signature"))
      << sent.body;
  EXPECT_NE(sent.body.find("RoleSessionName=pod-session"), std::string::npos);
}

TEST(WebIdentitySource, NotConfiguredOrIncomplete) {
  std::string why_not;
  EXPECT_FALSE(WebIdentityCredentialsSource(environment({}), {}).fetch(why_not));
  EXPECT_THROW(WebIdentityCredentialsSource(
                   environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent"}}), {})
                   .fetch(why_not),
               Error);
  EXPECT_THROW(WebIdentityCredentialsSource(
                   environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token"},
                                {"AWS_ROLE_ARN", "arn"}}),
                   {})
                   .fetch(why_not),
               Error);
}

constexpr std::string_view kMetadataJson =
    R"({"AccessKeyId":"ASIAMETA","SecretAccessKey":"meta-secret","Token":"meta-token",)"
    R"("Expiration":"2026-11-24T21:00:00Z","RoleArn":"arn:aws:iam::1:role/task"})";

TEST(ContainerSource, RelativeUriAgainstTheEcsHost) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "http://169.254.170.2/v2/credentials/abc", 200, std::string(kMetadataJson));
  ContainerCredentialsSource source(
      environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}}), transport,
      {});
  std::string why_not;
  auto credentials = source.fetch(why_not);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAMETA");
  EXPECT_EQ(credentials->session_token, "meta-token");
  EXPECT_EQ(credentials->expiration, at(21));
  EXPECT_FALSE(transport->requests().at(0).has_header("authorization"));
}

TEST(ContainerSource, FullUriWithTokenFile) {
  TempFile token("token-from-file\n");
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "http://169.254.170.23/v1/credentials", 200, std::string(kMetadataJson));
  ContainerCredentialsSource source(
      environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.path()},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored"}}),
      transport, {});
  std::string why_not;
  ASSERT_TRUE(source.fetch(why_not));
  EXPECT_EQ(transport->requests().at(0).header("authorization"), "token-from-file");
}

TEST(ContainerSource, FullUriMustStayLocalUnlessHttps) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "", 200, std::string(kMetadataJson));
  std::string why_not;
  for (const char* allowed : {"http://127.0.0.1:8080/c", "http://localhost/c", "http://[::1]/c",
                              "http://169.254.170.2/c", "https://creds.example.com/c"}) {
    ContainerCredentialsSource source(
        environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed}}), transport, {});
    EXPECT_TRUE(source.fetch(why_not)) << allowed;
  }
  for (const char* refused : {"http://creds.example.com/c", "http://10.0.0.5/c", "not a url"}) {
    ContainerCredentialsSource source(
        environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", refused}}), transport, {});
    EXPECT_THROW(source.fetch(why_not), Error) << refused;
  }
}

TEST(ContainerSource, ServerErrorsAreRetried) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "169.254.170.2", 500, "oops", 1);
  transport->on("GET", "169.254.170.2", 200, std::string(kMetadataJson));
  RetryPolicy retry;
  retry.initial_backoff = 1ms;
  ContainerCredentialsSource source(environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"}}),
                                    transport, retry);
  std::string why_not;
  EXPECT_TRUE(source.fetch(why_not));
  EXPECT_EQ(transport->requests().size(), 2u);
}

TEST(InstanceMetadataSource, TokenThenRoleThenCredentials) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("PUT", "http://169.254.169.254/latest/api/token", 200, "imds-session-token");
  transport->on("GET", "/latest/meta-data/iam/security-credentials/export-role", 200,
                std::string(kMetadataJson));
  transport->on("GET", "/latest/meta-data/iam/security-credentials/", 200, "export-role\n");
  InstanceMetadataCredentialsSource source(environment({}), transport, {});
  std::string why_not;
  auto credentials = source.fetch(why_not);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "ASIAMETA");
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "300");
  EXPECT_EQ(requests[1].header("x-aws-ec2-metadata-token"), "imds-session-token");
  EXPECT_EQ(requests[2].header("x-aws-ec2-metadata-token"), "imds-session-token");
}

TEST(InstanceMetadataSource, DisabledUnreachableOrWithoutRole) {
  std::string why_not;
  auto transport = std::make_shared<ScriptedTransport>();
  EXPECT_FALSE(InstanceMetadataCredentialsSource(
                   environment({{"AWS_EC2_METADATA_DISABLED", "true"}}), transport, {})
                   .fetch(why_not));
  EXPECT_TRUE(transport->requests().empty());

  transport->refuse("PUT", "http://127.0.0.1:9/latest/api/token");
  RetryPolicy quick;
  quick.max_attempts = 2;
  quick.initial_backoff = 1ms;
  EXPECT_FALSE(InstanceMetadataCredentialsSource(
                   environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"}}),
                   transport, quick)
                   .fetch(why_not));
  EXPECT_NE(why_not.find("no instance metadata service at http://127.0.0.1:9"), std::string::npos)
      << why_not;

  auto no_role = std::make_shared<ScriptedTransport>();
  no_role->on("PUT", "/latest/api/token", 200, "t");
  no_role->on("GET", "/security-credentials/", 404, "");
  EXPECT_FALSE(InstanceMetadataCredentialsSource(environment({}), no_role, {}).fetch(why_not));
  EXPECT_NE(why_not.find("no IAM role"), std::string::npos);
}

// A source whose answers a test scripts, counting fetches.
class ScriptedSource final : public CredentialsSource {
 public:
  std::string name() const override { return "scripted"; }
  std::optional<Credentials> fetch(std::string& why_not) override {
    ++fetches;
    if (failing) fail(ErrorKind::storage_transient, "endpoint down");
    if (!configured) {
      why_not = "not configured";
      return std::nullopt;
    }
    Credentials credentials{fmt::format("ASIA{}", fetches.load()), "secret", "token", expiration,
                            ""};
    return credentials;
  }
  std::atomic<int> fetches{0};
  bool configured = true;
  bool failing = false;
  std::optional<std::chrono::system_clock::time_point> expiration;
};

TEST(CachingProvider, RefreshesAFewMinutesBeforeExpiry) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  source->expiration = at(21);
  auto now = at(20);
  std::vector<std::unique_ptr<CredentialsSource>> sources;
  sources.push_back(std::move(owned));
  CachingCredentialsProvider provider(std::move(sources), 5min, [&] { return now; });

  EXPECT_EQ(provider.get().access_key_id, "ASIA1");
  EXPECT_EQ(provider.get().source, "scripted");
  now = at(20, 54);
  EXPECT_EQ(provider.get().access_key_id, "ASIA1");  // 6 minutes left: still fresh
  now = at(20, 56);
  source->expiration = at(22);
  EXPECT_EQ(provider.get().access_key_id, "ASIA2");  // inside the 5-minute margin
  EXPECT_EQ(source->fetches.load(), 2);

  // Refresh fails while the current credentials still work: keep them.
  now = at(21, 57);
  source->failing = true;
  EXPECT_EQ(provider.get().access_key_id, "ASIA2");
  // ...but not once they have expired.
  now = at(22, 1);
  EXPECT_THROW(provider.get(), Error);
  source->failing = false;
  EXPECT_EQ(provider.get().access_key_id, "ASIA5");

  provider.invalidate();
  EXPECT_EQ(provider.get().access_key_id, "ASIA6");
}

TEST(CachingProvider, LongTermKeysAreFetchedOnce) {
  auto owned = std::make_unique<ScriptedSource>();
  ScriptedSource* source = owned.get();
  std::vector<std::unique_ptr<CredentialsSource>> sources;
  sources.push_back(std::move(owned));
  CachingCredentialsProvider provider(std::move(sources));
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) provider.get();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(source->fetches.load(), 1);
}

TEST(CachingProvider, FirstConfiguredSourceWinsAndSticks) {
  auto first = std::make_unique<ScriptedSource>();
  first->configured = false;
  auto second = std::make_unique<ScriptedSource>();
  ScriptedSource* chosen = second.get();
  chosen->expiration = at(21);
  auto now = at(20);
  std::vector<std::unique_ptr<CredentialsSource>> sources;
  sources.push_back(std::move(first));
  sources.push_back(std::move(second));
  CachingCredentialsProvider provider(std::move(sources), 5min, [&] { return now; });
  EXPECT_EQ(provider.get().access_key_id, "ASIA1");
  now = at(20, 58);
  EXPECT_EQ(provider.get().access_key_id, "ASIA2");
  EXPECT_EQ(chosen->fetches.load(), 2);
}

TEST(DefaultChain, NothingFoundListsEverySource) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->refuse("PUT", "169.254.169.254");
  CredentialsChainOptions options;
  options.environment = environment({});
  options.transport = transport;
  options.files =
      std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text("", "", "default"));
  options.retry.initial_backoff = 1ms;
  auto provider = make_default_credentials_provider(options);
  try {
    provider->get();
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::credentials_error);
    const std::string message = error.what();
    for (const char* source : {"environment:", "profile default:", "web identity:",
                               "container endpoint:", "instance metadata:"}) {
      EXPECT_NE(message.find(source), std::string::npos) << message;
    }
  }
}

TEST(DefaultChain, EnvironmentComesFirst) {
  auto transport = std::make_shared<ScriptedTransport>();
  CredentialsChainOptions options;
  options.environment = environment({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                     {"AWS_SECRET_ACCESS_KEY", "s"},
                                     {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"}});
  options.transport = transport;
  options.files = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text(
      "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n", "", "default"));
  EXPECT_EQ(make_default_credentials_provider(options)->get().access_key_id, "AKIDENV");
  EXPECT_TRUE(transport->requests().empty());
}

TEST(DefaultChain, AssumedRoleOnTopOfTheContainerRole) {
  auto transport = std::make_shared<ScriptedTransport>();
  transport->on("GET", "169.254.170.2", 200, std::string(kMetadataJson));
  transport->on("POST", "sts.us-gov-west-1", 200,
                sts_answer("AssumeRole", "ASIAWAREHOUSE", "2099-01-01T00:00:00Z"));
  CredentialsChainOptions options;
  options.environment = environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"}});
  options.transport = transport;
  options.files =
      std::make_shared<const AwsConfigFiles>(AwsConfigFiles::from_text("", "", "default"));
  options.region = "us-gov-west-1";
  options.assume_role_arn = "arn:aws-us-gov:iam::222233334444:role/warehouse-writer";
  options.assume_role_external_id = "ext";
  auto provider = make_default_credentials_provider(options);
  EXPECT_EQ(provider->get().access_key_id, "ASIAWAREHOUSE");
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  // Signed with the task role's credentials from the container endpoint.
  EXPECT_NE(requests[1].header("authorization").find("Credential=ASIAMETA/"), std::string::npos);
  EXPECT_EQ(requests[1].header("x-amz-security-token"), "meta-token");
}

TEST(AwsIni, Dialect) {
  const auto sections = parse_aws_ini(
      "# comment\n; also a comment\n[default]\nregion = us-east-1\n"
      "s3 =\n  addressing_style = path\n[profile x] \nkey = v = w \nbroken line\n[unterminated\n"
      "orphan = 1\n");
  EXPECT_EQ(sections.at("default").at("region"), "us-east-1");
  EXPECT_EQ(sections.at("default").count("addressing_style"), 0u);
  EXPECT_EQ(sections.at("profile x").at("key"), "v = w");
  EXPECT_EQ(sections.size(), 2u);
}

TEST(AwsIni, FilesFromTheEnvironment) {
  TempFile credentials("[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = s\n");
  TempFile config("[profile ci]\nregion = us-gov-east-1\n");
  auto files =
      AwsConfigFiles::load(environment({{"AWS_SHARED_CREDENTIALS_FILE", credentials.path()},
                                        {"AWS_CONFIG_FILE", config.path()},
                                        {"AWS_PROFILE", "ci"}}));
  EXPECT_EQ(files.profile(), "ci");
  auto settings = files.settings("ci");
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->at("region"), "us-gov-east-1");
  EXPECT_EQ(settings->at("aws_access_key_id"), "AKIDCI");
  // No HOME and no variables: no files, no error.
  auto none = AwsConfigFiles::load(environment({}));
  EXPECT_FALSE(none.settings("default"));
}

}  // namespace
}  // namespace pgexport::s3
