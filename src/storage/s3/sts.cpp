#include "storage/s3/sts.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "http/url.hpp"
#include "storage/s3/sigv4.hpp"
#include "storage/s3/xml.hpp"

namespace pgexport::s3 {

namespace {

constexpr std::string_view kApiVersion = "2011-06-15";

std::chrono::system_clock::time_point now(const StsOptions& options) {
  return options.clock ? options.clock() : std::chrono::system_clock::now();
}

std::string form_encode(const std::vector<NameValue>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += uri_encode(name, false) + "=" + uri_encode(value, false);
  }
  return body;
}

std::string session_name(const AssumeRoleRequest& request, const StsOptions& options) {
  if (!request.session_name.empty()) return request.session_name;
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now(options).time_since_epoch()).count();
  return fmt::format("pgexport-{}", seconds);
}

// STS errors that may pass: throttling, and the identity provider being briefly unreachable.
bool retryable_sts_code(std::string_view code) {
  return code == "Throttling" || code == "IDPCommunicationError" || code == "ServiceUnavailable" ||
         code == "InternalFailure" || code == "RequestTimeout";
}

// One STS call: POST the form, retrying through common/retry, and return the
// <Credentials> element of the answer.
Credentials call_sts(const StsOptions& options, std::string_view action,
                     std::vector<NameValue> fields, const Credentials* caller,
                     std::string_view role_arn) {
  fields.insert(fields.begin(),
                {{"Action", std::string(action)}, {"Version", std::string(kApiVersion)}});
  const std::string body = form_encode(fields);
  const std::string endpoint = sts_endpoint(options);
  const auto url = http::parse_url(endpoint);
  if (!url) fail(ErrorKind::usage, "STS endpoint '{}' is not an http(s) URL", endpoint);
  const std::string signing_region = options.region.empty() ? "us-east-1" : options.region;
  const std::string what = fmt::format("STS {} for {}", action, role_arn);

  const std::string response_body = retry(options.retry, what, [&] {
    http::Request request;
    request.method = "POST";
    request.url = url->origin() + "/";
    request.body = body;
    request.headers = {{"Host", url->authority()},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    if (caller != nullptr) {
      SigningInput input;
      input.method = "POST";
      input.path = "/";
      input.headers = {{"host", url->authority()},
                       {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
      const std::string payload_hash = hex_encode(sha256(body));
      input.payload_sha256 = payload_hash;
      input.region = signing_region;
      input.service = "sts";
      input.time = now(options);
      input.path_rules = PathRules::normalize;
      input.add_content_sha256_header = false;
      for (auto& [name, value] : sign_v4(input, *caller).headers) {
        request.headers.push_back({name, value});
      }
    }
    const http::Response response = options.transport->perform(request);
    if (response.status == 200) return response.body;
    std::string code = "HTTP" + std::to_string(response.status);
    std::string message;
    try {
      const XmlElement root = parse_xml(response.body);
      if (const XmlElement* error = root.child("Error")) {
        code = error->child_text("Code");
        message = error->child_text("Message");
      }
    } catch (const Error&) {
      // Not XML (a proxy's error page): the status says enough.
    }
    if (code == "AccessDenied") {
      message +=
          " (check that the role's trust policy allows this caller, and the external id "
          "if the role requires one)";
    }
    const bool retryable =
        response.status >= 500 || response.status == 429 || retryable_sts_code(code);
    throw Error(
        retryable ? ErrorKind::storage_transient : ErrorKind::credentials_error,
        fmt::format("{} {}{}{}", response.status, code, message.empty() ? "" : ": ", message));
  });

  const XmlElement root = parse_xml(response_body);
  const XmlElement* result = root.child(std::string(action) + "Result");
  const XmlElement* element = result != nullptr ? result->child("Credentials") : nullptr;
  if (element == nullptr)
    fail(ErrorKind::credentials_error, "{}: no credentials in the answer", what);
  Credentials credentials;
  credentials.access_key_id = element->child_text("AccessKeyId");
  credentials.secret_access_key = element->child_text("SecretAccessKey");
  credentials.session_token = element->child_text("SessionToken");
  credentials.expiration = parse_aws_timestamp(element->child_text("Expiration"));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      !credentials.expiration) {
    fail(ErrorKind::credentials_error, "{}: incomplete credentials in the answer", what);
  }
  return credentials;
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(ErrorKind::credentials_error, "cannot read the web identity token file {}: {}", path,
         std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token = buffer.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty())
    fail(ErrorKind::credentials_error, "the web identity token file {} is empty", path);
  return token;
}

}  // namespace

std::string sts_endpoint(const StsOptions& options) {
  if (!options.endpoint_url.empty()) return options.endpoint_url;
  if (options.region.empty()) return "https://sts.amazonaws.com";
  const std::string domain =
      options.region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  // GovCloud's regional STS endpoints are FIPS-validated already and have no "sts-fips".
  const bool fips_host = options.fips && !options.region.starts_with("us-gov-");
  return fmt::format("https://{}.{}.{}", fips_host ? "sts-fips" : "sts", options.region, domain);
}

Credentials sts_assume_role(const StsOptions& options, const Credentials& caller,
                            const AssumeRoleRequest& request) {
  std::vector<NameValue> fields = {{"RoleArn", request.role_arn},
                                   {"RoleSessionName", session_name(request, options)},
                                   {"DurationSeconds", std::to_string(request.duration.count())}};
  if (!request.external_id.empty()) fields.emplace_back("ExternalId", request.external_id);
  Credentials credentials = call_sts(options, "AssumeRole", fields, &caller, request.role_arn);
  credentials.source = "assume role " + request.role_arn;
  return credentials;
}

Credentials sts_assume_role_with_web_identity(const StsOptions& options,
                                              const AssumeRoleRequest& request,
                                              const std::string& web_identity_token) {
  std::vector<NameValue> fields = {{"RoleArn", request.role_arn},
                                   {"RoleSessionName", session_name(request, options)},
                                   {"DurationSeconds", std::to_string(request.duration.count())},
                                   {"WebIdentityToken", web_identity_token}};
  Credentials credentials =
      call_sts(options, "AssumeRoleWithWebIdentity", fields, nullptr, request.role_arn);
  credentials.source = "web identity " + request.role_arn;
  return credentials;
}

WebIdentityCredentialsSource::WebIdentityCredentialsSource(EnvironmentLookup environment,
                                                           StsOptions options)
    : environment_(std::move(environment)), options_(std::move(options)) {}

std::optional<Credentials> WebIdentityCredentialsSource::fetch(std::string& why_not) {
  const auto token_file = environment_("AWS_WEB_IDENTITY_TOKEN_FILE");
  const auto role_arn = environment_("AWS_ROLE_ARN");
  if (!token_file) {
    why_not = "AWS_WEB_IDENTITY_TOKEN_FILE is not set";
    return std::nullopt;
  }
  if (!role_arn) {
    fail(ErrorKind::credentials_error,
         "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role to assume");
  }
  AssumeRoleRequest request;
  request.role_arn = *role_arn;
  request.session_name = environment_("AWS_ROLE_SESSION_NAME").value_or("");
  return sts_assume_role_with_web_identity(options_, request, read_token_file(*token_file));
}

AssumeRoleCredentialsSource::AssumeRoleCredentialsSource(std::shared_ptr<CredentialsProvider> base,
                                                         AssumeRoleRequest request,
                                                         StsOptions options)
    : base_(std::move(base)), request_(std::move(request)), options_(std::move(options)) {}

std::optional<Credentials> AssumeRoleCredentialsSource::fetch(std::string&) {
  return sts_assume_role(options_, base_->get(), request_);
}

}  // namespace pgexport::s3
