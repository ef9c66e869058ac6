#include "storage/s3/rds_auth_token.hpp"

#include <fmt/format.h>

#include "common/log.hpp"
#include "common/time_format.hpp"
#include "storage/s3/sigv4.hpp"

namespace pgexport::s3 {

namespace {

constexpr std::string_view kService = "rds-db";
constexpr std::string_view kRdsDomains[] = {".rds.amazonaws.com", ".rds.amazonaws.com.cn"};

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string rds_auth_token(const RdsTokenRequest& request, const Credentials& credentials,
                           std::chrono::system_clock::time_point now) {
  const std::string host = fmt::format("{}:{}", request.host, request.port);
  PresignInput input;
  input.method = "GET";
  input.host = host;
  input.path = "/";
  input.query = {{"Action", "connect"}, {"DBUser", request.user}};
  input.region = request.region;
  input.service = kService;
  input.time = now;
  input.expires = kRdsTokenLifetime;
  // Not S3: the canonical request carries the hash of the empty body, as the SDKs' tokens do.
  input.payload_sha256 = kEmptyPayloadSha256;
  return fmt::format("{}/?{}", host, presign_v4(input, credentials).query);
}

std::optional<std::string> region_from_rds_host(std::string_view host) {
  const std::string name = lowercase(host);
  for (std::string_view domain : kRdsDomains) {
    if (!std::string_view(name).ends_with(domain)) continue;
    const std::string_view rest = std::string_view(name).substr(0, name.size() - domain.size());
    const size_t dot = rest.rfind('.');
    // At least "<id>.<hash>." before the region: a bare "<region>.rds.amazonaws.com" is the
    // RDS API endpoint, not a database.
    if (dot == std::string_view::npos || dot == 0 || rest.substr(0, dot).find('.') == rest.npos) {
      return std::nullopt;
    }
    std::string region(rest.substr(dot + 1));
    if (region.empty()) return std::nullopt;
    return region;
  }
  return std::nullopt;
}

std::string partition_of_region(std::string_view region) {
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-isob-")) return "aws-iso-b";
  if (region.starts_with("us-iso-")) return "aws-iso";
  return "aws";
}

RdsTokenSource::RdsTokenSource(RdsTokenRequest request,
                               std::shared_ptr<CredentialsProvider> credentials, Clock clock)
    : request_(std::move(request)),
      credentials_(std::move(credentials)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

std::string RdsTokenSource::token() const {
  const Credentials credentials = credentials_->get();
  const auto now = clock_();
  // The token is a password for its 15 minutes: log that one was made, never the token.
  log::debug("RDS IAM token made",
             {log::field("host", request_.host), log::field("user", request_.user),
              log::field("region", request_.region),
              log::field("expires", format_utc_timestamp(now + kRdsTokenLifetime)),
              log::field("credentials", redacted(credentials))});
  return rds_auth_token(request_, credentials, now);
}

}  // namespace pgexport::s3
