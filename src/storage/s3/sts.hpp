// AWS STS: AssumeRole (a cross-account role layered on top of the base credentials) and
// AssumeRoleWithWebIdentity (EKS service accounts and other OIDC federations), and the two
// credential sources built on them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/retry.hpp"
#include "http/http.hpp"
#include "storage/s3/credentials.hpp"

namespace pgexport::s3 {

struct StsOptions {
  std::shared_ptr<http::HttpTransport> transport;
  // The regional endpoint sts.<region>.amazonaws.com is used (it keeps GovCloud traffic in
  // GovCloud); empty falls back to the global sts.amazonaws.com.
  std::string region;
  // Overrides the endpoint (AWS_ENDPOINT_URL_STS, VPC endpoints, tests).
  std::string endpoint_url;
  bool fips = false;
  RetryPolicy retry;
  std::function<std::chrono::system_clock::time_point()> clock;  // null: the system clock
};

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;  // empty: "pgexport-<unix seconds>"
  std::string external_id;   // only for AssumeRole; empty: none
  // One hour: the default maximum session of an IAM role, and the hard limit when roles
  // are chained; refreshes happen well before it ends anyway.
  std::chrono::seconds duration{3600};
};

// The STS endpoint URL for the options: "https://sts.us-gov-west-1.amazonaws.com".
std::string sts_endpoint(const StsOptions& options);

// Calls sts:AssumeRole signed with `caller`. Throws credentials_error when STS refuses.
Credentials sts_assume_role(const StsOptions& options, const Credentials& caller,
                            const AssumeRoleRequest& request);

// Calls sts:AssumeRoleWithWebIdentity (unsigned: the token is the proof).
Credentials sts_assume_role_with_web_identity(const StsOptions& options,
                                              const AssumeRoleRequest& request,
                                              const std::string& web_identity_token);

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME). The token file is
// read on every fetch because the platform rotates it.
class WebIdentityCredentialsSource final : public CredentialsSource {
 public:
  WebIdentityCredentialsSource(EnvironmentLookup environment, StsOptions options);
  std::string name() const override { return "web identity"; }
  std::optional<Credentials> fetch(std::string& why_not) override;

 private:
  EnvironmentLookup environment_;
  StsOptions options_;
};

// Assumes a role using credentials from another provider: the cross-account warehouse
// bucket case (--assume-role), and profiles with role_arn + source_profile.
class AssumeRoleCredentialsSource final : public CredentialsSource {
 public:
  AssumeRoleCredentialsSource(std::shared_ptr<CredentialsProvider> base, AssumeRoleRequest request,
                              StsOptions options);
  std::string name() const override { return "assume role " + request_.role_arn; }
  std::optional<Credentials> fetch(std::string& why_not) override;

 private:
  std::shared_ptr<CredentialsProvider> base_;
  AssumeRoleRequest request_;
  StsOptions options_;
};

}  // namespace pgexport::s3
