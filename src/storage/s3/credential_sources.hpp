// The credential sources of the standard AWS chain, and the chain itself, in the usual
// order: environment, shared profile files, web identity, ECS container endpoint, EC2
// instance metadata (IMDSv2); optionally with a role assumed on top.
#pragma once

#include <memory>
#include <string>

#include "http/http.hpp"
#include "storage/s3/aws_config.hpp"
#include "storage/s3/credentials.hpp"
#include "storage/s3/sts.hpp"

namespace pgexport::s3 {

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN.
class EnvironmentCredentialsSource final : public CredentialsSource {
 public:
  explicit EnvironmentCredentialsSource(EnvironmentLookup environment)
      : environment_(std::move(environment)) {}
  std::string name() const override { return "environment"; }
  std::optional<Credentials> fetch(std::string& why_not) override;

 private:
  EnvironmentLookup environment_;
};

// Keys from the profile's aws_access_key_id / aws_secret_access_key / aws_session_token, or
// a role_arn assumed with the static keys of its source_profile.
class ProfileCredentialsSource final : public CredentialsSource {
 public:
  ProfileCredentialsSource(std::shared_ptr<const AwsConfigFiles> files, StsOptions sts);
  std::string name() const override { return "profile " + files_->profile(); }
  std::optional<Credentials> fetch(std::string& why_not) override;

 private:
  std::shared_ptr<const AwsConfigFiles> files_;
  StsOptions sts_;
};

// The ECS (and EKS Pod Identity) container credentials endpoint:
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against 169.254.170.2) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http only to loopback or the ECS/EKS
// link-local hosts, so credentials never cross a network in clear text), with
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
class ContainerCredentialsSource final : public CredentialsSource {
 public:
  ContainerCredentialsSource(EnvironmentLookup environment,
                             std::shared_ptr<http::HttpTransport> transport, RetryPolicy retry);
  std::string name() const override { return "container endpoint"; }
  std::optional<Credentials> fetch(std::string& why_not) override;

 private:
  EnvironmentLookup environment_;
  std::shared_ptr<http::HttpTransport> transport_;
  RetryPolicy retry_;
};

// EC2 instance metadata, IMDSv2 only (session token first, as hardened instances require):
// PUT /latest/api/token, GET the role name, GET its credentials. The base URL is
// AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254; AWS_EC2_METADATA_DISABLED=true
// turns the source off.
class InstanceMetadataCredentialsSource final : public CredentialsSource {
 public:
  InstanceMetadataCredentialsSource(EnvironmentLookup environment,
                                    std::shared_ptr<http::HttpTransport> transport,
                                    RetryPolicy retry);
  std::string name() const override { return "instance metadata"; }
  std::optional<Credentials> fetch(std::string& why_not) override;

 private:
  EnvironmentLookup environment_;
  std::shared_ptr<http::HttpTransport> transport_;
  RetryPolicy retry_;
};

struct CredentialsChainOptions {
  EnvironmentLookup environment;  // null: the process environment
  std::shared_ptr<http::HttpTransport> transport;
  std::shared_ptr<const AwsConfigFiles> files;  // null: loaded from the environment
  std::string region;                           // for STS
  bool fips = false;
  // A role to assume on top of whatever the chain finds (cross-account buckets).
  std::string assume_role_arn;
  std::string assume_role_external_id;
  std::string assume_role_session_name;
  // Retries for credential endpoints; IMDS and the container endpoint are local and fast,
  // so a few quick attempts suffice.
  RetryPolicy retry = {.max_attempts = 3,
                       .initial_backoff = std::chrono::milliseconds(100),
                       .max_backoff = std::chrono::milliseconds(1000),
                       .deadline = std::chrono::milliseconds(30'000),
                       .is_retryable = nullptr};
};

// The standard chain, cached and refreshed; with the assumed role layered on top if asked.
std::shared_ptr<CredentialsProvider> make_default_credentials_provider(
    const CredentialsChainOptions& options);

}  // namespace pgexport::s3
