#include "storage/s3/credential_sources.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "http/url.hpp"

namespace pgexport::s3 {

namespace {

// The link-local address of the ECS task metadata endpoint (fixed by AWS).
constexpr std::string_view kEcsHost = "http://169.254.170.2";
// The instance metadata service (fixed by AWS).
constexpr std::string_view kImdsEndpoint = "http://169.254.169.254";

// Link-local metadata endpoints answer within milliseconds; off EC2 or ECS nothing answers,
// and a short timeout keeps the last resort of the chain from stalling startup.
http::Timeouts metadata_timeouts() {
  http::Timeouts timeouts;
  timeouts.connect = std::chrono::milliseconds(1000);
  timeouts.total = std::chrono::milliseconds(5000);
  timeouts.low_speed_window = std::chrono::seconds(5);
  return timeouts;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::string read_secret_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(ErrorKind::credentials_error, "cannot read the {} file {}: {}", what, path,
         std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return trim(buffer.str());
}

// Parses the JSON both ECS and IMDS return (AccessKeyId, SecretAccessKey, Token, Expiration).
Credentials parse_metadata_credentials(const std::string& body, std::string_view source) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) fail(ErrorKind::credentials_error, "{}: the answer is not JSON", source);
  auto text = [&](const char* key) -> std::string {
    auto found = json.find(key);
    return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  if (const std::string code = text("Code"); !code.empty() && code != "Success") {
    fail(ErrorKind::credentials_error, "{}: credentials not available ({}: {})", source, code,
         text("Message"));
  }
  Credentials credentials;
  credentials.access_key_id = text("AccessKeyId");
  credentials.secret_access_key = text("SecretAccessKey");
  credentials.session_token = text("Token");
  credentials.expiration = parse_aws_timestamp(text("Expiration"));
  credentials.source = std::string(source);
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    fail(ErrorKind::credentials_error, "{}: the answer has no access key", source);
  }
  return credentials;
}

// The error for a non-200 answer of a metadata endpoint: 5xx and throttling may pass.
Error metadata_status_error(const http::Response& response) {
  const bool retryable = response.status >= 500 || response.status == 429;
  return Error(retryable ? ErrorKind::storage_transient : ErrorKind::credentials_error,
               fmt::format("HTTP {}", response.status));
}

bool allowed_full_uri(const http::Url& url) {
  if (url.https()) return true;
  const std::string& host = url.host;
  return host == "localhost" || host.starts_with("127.") || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

}  // namespace

std::optional<Credentials> EnvironmentCredentialsSource::fetch(std::string& why_not) {
  const auto key_id = environment_("AWS_ACCESS_KEY_ID");
  if (!key_id) {
    why_not = "AWS_ACCESS_KEY_ID is not set";
    return std::nullopt;
  }
  const auto secret = environment_("AWS_SECRET_ACCESS_KEY");
  if (!secret) {
    fail(ErrorKind::credentials_error,
         "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither");
  }
  Credentials credentials;
  credentials.access_key_id = *key_id;
  credentials.secret_access_key = *secret;
  credentials.session_token = environment_("AWS_SESSION_TOKEN").value_or("");
  credentials.source = "environment";
  return credentials;
}

ProfileCredentialsSource::ProfileCredentialsSource(std::shared_ptr<const AwsConfigFiles> files,
                                                   StsOptions sts)
    : files_(std::move(files)), sts_(std::move(sts)) {}

std::optional<Credentials> ProfileCredentialsSource::fetch(std::string& why_not) {
  const std::string& profile = files_->profile();
  const auto settings = files_->settings(profile);
  if (!settings) {
    if (profile != "default") {
      fail(ErrorKind::credentials_error, "AWS_PROFILE is '{}' but neither {} nor {} has it",
           profile, files_->credentials_path(), files_->config_path());
    }
    why_not = fmt::format("no profile '{}' in {} or {}", profile, files_->credentials_path(),
                          files_->config_path());
    return std::nullopt;
  }
  auto value = [](const ProfileSettings& from, const char* key) {
    auto found = from.find(key);
    return found != from.end() ? found->second : std::string();
  };
  auto static_keys = [&](const ProfileSettings& from, const std::string& name) {
    Credentials credentials;
    credentials.access_key_id = value(from, "aws_access_key_id");
    credentials.secret_access_key = value(from, "aws_secret_access_key");
    credentials.session_token = value(from, "aws_session_token");
    credentials.source = "profile " + name;
    if (credentials.secret_access_key.empty()) {
      fail(ErrorKind::credentials_error,
           "profile '{}' has aws_access_key_id but no aws_secret_access_key", name);
    }
    return credentials;
  };

  const std::string role_arn = value(*settings, "role_arn");
  if (role_arn.empty()) {
    if (value(*settings, "aws_access_key_id").empty()) {
      why_not = fmt::format("profile '{}' has no aws_access_key_id", profile);
      return std::nullopt;
    }
    return static_keys(*settings, profile);
  }

  const std::string source_profile = value(*settings, "source_profile");
  if (source_profile.empty()) {
    fail(ErrorKind::credentials_error,
         "profile '{}' has role_arn without source_profile; only source_profile is supported "
         "(for credential_source, run with the role's credentials directly instead)",
         profile);
  }
  const auto source = files_->settings(source_profile);
  if (!source || value(*source, "aws_access_key_id").empty()) {
    fail(ErrorKind::credentials_error,
         "profile '{}' takes its credentials from source_profile '{}', which has no "
         "aws_access_key_id",
         profile, source_profile);
  }
  AssumeRoleRequest request;
  request.role_arn = role_arn;
  request.session_name = value(*settings, "role_session_name");
  request.external_id = value(*settings, "external_id");
  return sts_assume_role(sts_, static_keys(*source, source_profile), request);
}

ContainerCredentialsSource::ContainerCredentialsSource(
    EnvironmentLookup environment, std::shared_ptr<http::HttpTransport> transport,
    RetryPolicy retry)
    : environment_(std::move(environment)),
      transport_(std::move(transport)),
      retry_(std::move(retry)) {}

std::optional<Credentials> ContainerCredentialsSource::fetch(std::string& why_not) {
  std::string url;
  if (auto relative = environment_("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = std::string(kEcsHost) + *relative;
  } else if (auto full = environment_("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    const auto parsed = http::parse_url(*full);
    if (!parsed || !allowed_full_uri(*parsed)) {
      fail(ErrorKind::credentials_error,
           "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or "
           "the ECS/EKS credentials host (169.254.170.2, 169.254.170.23); got '{}'",
           *full);
    }
    url = *full;
  } else {
    why_not = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set";
    return std::nullopt;
  }

  std::string authorization;
  if (auto token_file = environment_("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    authorization = read_secret_file(*token_file, "container authorization token");
  } else if (auto token = environment_("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    authorization = *token;
  }

  const std::string body = retry(retry_, "fetch container credentials from " + url, [&] {
    http::Request request;
    request.url = url;
    request.timeouts = metadata_timeouts();
    request.bypass_proxy = true;
    if (!authorization.empty()) request.headers.push_back({"Authorization", authorization});
    http::Response response = transport_->perform(request);
    if (response.status != 200) throw metadata_status_error(response);
    return std::move(response.body);
  });
  return parse_metadata_credentials(body, "container endpoint");
}

InstanceMetadataCredentialsSource::InstanceMetadataCredentialsSource(
    EnvironmentLookup environment, std::shared_ptr<http::HttpTransport> transport,
    RetryPolicy retry)
    : environment_(std::move(environment)),
      transport_(std::move(transport)),
      retry_(std::move(retry)) {}

std::optional<Credentials> InstanceMetadataCredentialsSource::fetch(std::string& why_not) {
  if (auto disabled = environment_("AWS_EC2_METADATA_DISABLED");
      disabled && (*disabled == "true" || *disabled == "TRUE" || *disabled == "1")) {
    why_not = "AWS_EC2_METADATA_DISABLED is set";
    return std::nullopt;
  }
  std::string base =
      environment_("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(std::string(kImdsEndpoint));
  while (!base.empty() && base.back() == '/') base.pop_back();

  // The session token: only IMDSv2 (no fallback to v1, which hardened instances disable).
  std::string token;
  try {
    token = retry(retry_, "get an instance metadata token", [&] {
      http::Request request;
      request.method = "PUT";
      request.url = base + "/latest/api/token";
      // Five minutes: the token only serves the two requests that follow.
      request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "300"}};
      request.timeouts = metadata_timeouts();
      request.bypass_proxy = true;
      http::Response response = transport_->perform(request);
      if (response.status != 200) throw metadata_status_error(response);
      return trim(std::move(response.body));
    });
  } catch (const Error& error) {
    // Nothing answering at all is the normal case off EC2: not configured, not an error.
    if (error.kind() != ErrorKind::storage_transient) throw;
    why_not = fmt::format("no instance metadata service at {} ({})", base, error.what());
    return std::nullopt;
  }

  auto get = [&](const std::string& path, std::string_view what) {
    return retry(retry_, std::string(what), [&] {
      http::Request request;
      request.url = base + path;
      request.headers = {{"X-aws-ec2-metadata-token", token}};
      request.timeouts = metadata_timeouts();
      request.bypass_proxy = true;
      http::Response response = transport_->perform(request);
      if (response.status >= 500 || response.status == 429) throw metadata_status_error(response);
      return response;
    });
  };
  constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials/";
  const http::Response roles = get(std::string(kCredentialsPath), "list the instance's IAM role");
  if (roles.status == 404) {
    why_not = "the instance has no IAM role (instance profile)";
    return std::nullopt;
  }
  if (roles.status != 200) throw metadata_status_error(roles);
  const std::string role = trim(roles.body.substr(0, roles.body.find('\n')));
  if (role.empty()) {
    why_not = "the instance has no IAM role (instance profile)";
    return std::nullopt;
  }
  const http::Response credentials =
      get(std::string(kCredentialsPath) + role, "get the instance role's credentials");
  if (credentials.status != 200) throw metadata_status_error(credentials);
  return parse_metadata_credentials(credentials.body, "instance metadata");
}

std::shared_ptr<CredentialsProvider> make_default_credentials_provider(
    const CredentialsChainOptions& options) {
  if (!options.transport) fail(ErrorKind::internal, "credentials chain without an HTTP transport");
  EnvironmentLookup environment = options.environment ? options.environment : process_environment();
  auto files = options.files
                   ? options.files
                   : std::make_shared<const AwsConfigFiles>(AwsConfigFiles::load(environment));
  StsOptions sts;
  sts.transport = options.transport;
  sts.region = options.region;
  sts.fips = options.fips;
  sts.endpoint_url = environment("AWS_ENDPOINT_URL_STS").value_or("");

  std::vector<std::unique_ptr<CredentialsSource>> sources;
  sources.push_back(std::make_unique<EnvironmentCredentialsSource>(environment));
  sources.push_back(std::make_unique<ProfileCredentialsSource>(files, sts));
  sources.push_back(std::make_unique<WebIdentityCredentialsSource>(environment, sts));
  sources.push_back(
      std::make_unique<ContainerCredentialsSource>(environment, options.transport, options.retry));
  sources.push_back(std::make_unique<InstanceMetadataCredentialsSource>(
      environment, options.transport, options.retry));
  auto chain = std::make_shared<CachingCredentialsProvider>(std::move(sources));
  if (options.assume_role_arn.empty()) return chain;

  AssumeRoleRequest request;
  request.role_arn = options.assume_role_arn;
  request.external_id = options.assume_role_external_id;
  request.session_name = options.assume_role_session_name;
  std::vector<std::unique_ptr<CredentialsSource>> assumed;
  assumed.push_back(std::make_unique<AssumeRoleCredentialsSource>(chain, request, sts));
  return std::make_shared<CachingCredentialsProvider>(std::move(assumed));
}

}  // namespace pgexport::s3
