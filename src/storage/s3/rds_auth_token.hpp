// RDS IAM database authentication: the token a client gives as its password is a SigV4
// presigned URL, without its scheme, for the `connect` action of the `rds-db` service on the
// database's host and port:
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.html
// RDS checks the signature, the expiry and the IAM policy of the signing identity when the
// session logs in; a session that logged in stays open after the token expires.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/s3/credentials.hpp"

namespace pgexport::s3 {

// The longest validity RDS accepts, and the one every SDK uses.
inline constexpr std::chrono::seconds kRdsTokenLifetime{900};

struct RdsTokenRequest {
  std::string host;  // as the client connects to it: "mydb.abc123.us-gov-west-1.rds.amazonaws.com"
  int port = 5432;
  std::string user;    // the database user (DBUser)
  std::string region;  // the database's region: the signature's scope
};

// "<host>:<port>/?Action=connect&DBUser=<user>&X-Amz-Algorithm=...&X-Amz-Signature=<hex>",
// valid for kRdsTokenLifetime from `now`. Pure: same inputs, same token.
std::string rds_auth_token(const RdsTokenRequest& request, const Credentials& credentials,
                           std::chrono::system_clock::time_point now);

// The region in an RDS endpoint name: "<id>.<hash>.<region>.rds.amazonaws.com" (instances,
// clusters, proxies; ".amazonaws.com.cn" in China). nullopt for any other name (a custom
// DNS alias, an IP address).
std::optional<std::string> region_from_rds_host(std::string_view host);

// The AWS partition a region belongs to, as IAM ARNs name it: "aws-us-gov" for us-gov-*,
// "aws-cn" for cn-*, "aws-iso" / "aws-iso-b" for the isolated regions, else "aws".
std::string partition_of_region(std::string_view region);

// Makes a fresh token on every call, with the credentials the provider holds now (they
// rotate) and the time now, so each session logs in with a token minted for it.
class RdsTokenSource {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // `clock` null: the system clock.
  RdsTokenSource(RdsTokenRequest request, std::shared_ptr<CredentialsProvider> credentials,
                 Clock clock = nullptr);
  // Throws pgexport::Error (credentials_error, ...) when no credentials can be had.
  std::string token() const;
  const RdsTokenRequest& request() const { return request_; }

 private:
  RdsTokenRequest request_;
  std::shared_ptr<CredentialsProvider> credentials_;
  Clock clock_;
};

}  // namespace pgexport::s3
