// Where requests for a bucket go: s3://bucket/prefix parsing, region resolution, and the
// host and path of each request (virtual-hosted or path style, FIPS, custom endpoints).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/url.hpp"
#include "storage/s3/aws_config.hpp"
#include "storage/s3/sigv4.hpp"

namespace pgexport::s3 {

struct S3Location {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'; may be empty
};

// "s3://bucket/some/prefix/" -> {"bucket", "some/prefix"}. Throws pgexport::Error (usage)
// for anything else, saying what a valid URL looks like.
S3Location parse_s3_url(std::string_view url);

// The region, from the first of: the option, AWS_REGION, AWS_DEFAULT_REGION, the profile's
// "region" in ~/.aws/config; for a custom endpoint "us-east-1" (what RGW and MinIO expect by
// default). Throws pgexport::Error (usage) when none applies to an AWS endpoint.
std::string resolve_region(const std::string& option, const EnvironmentLookup& environment,
                           const AwsConfigFiles& files, bool custom_endpoint);

// The custom endpoint, from the option, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; empty
// means AWS itself.
std::string resolve_endpoint_url(const std::string& option, const EnvironmentLookup& environment);

struct EndpointOptions {
  std::string region;        // resolved already
  std::string endpoint_url;  // custom endpoint; empty for AWS
  // Path style ("host/bucket/key") instead of virtual-hosted ("bucket.host/key"). Default:
  // path style for custom endpoints (S3-compatible servers rarely have wildcard DNS),
  // virtual-hosted for AWS (path style is deprecated there).
  std::optional<bool> path_style;
  bool fips = false;  // FIPS 140 endpoints (s3-fips.<region>.amazonaws.com)
};

class Endpoint {
 public:
  // Throws pgexport::Error (usage) for impossible combinations (FIPS with a custom
  // endpoint or outside the US and Canada, a malformed endpoint URL).
  Endpoint(std::string bucket, const EndpointOptions& options);

  const std::string& bucket() const { return bucket_; }
  const std::string& region() const { return region_; }
  bool path_style() const { return path_style_; }
  // Whether requests travel over TLS (every AWS endpoint; custom ones by their URL).
  bool https() const { return base_.https(); }
  // The value of the Host header: "bucket.s3.us-east-1.amazonaws.com", "127.0.0.1:7480".
  std::string host() const { return base_.authority(); }
  // The decoded path that is signed: "/bucket/key" (path style) or "/key"; "/bucket" or "/"
  // for bucket-level requests (empty key).
  std::string path(std::string_view key) const;
  // The full URL to send, with the same encoding as the signature.
  std::string url(std::string_view key, const std::vector<NameValue>& query) const;

 private:
  std::string bucket_;
  std::string region_;
  bool path_style_ = false;
  http::Url base_;
};

// The AWS host name for a region: "s3.<region>.amazonaws.com", "s3-fips.<region>..." (with
// the ".amazonaws.com.cn" domain in China).
std::string aws_s3_host(const std::string& region, bool fips);

}  // namespace pgexport::s3
