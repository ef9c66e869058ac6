#include "storage/s3/endpoint.hpp"

#include <cctype>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::s3 {

namespace {

constexpr std::string_view kScheme = "s3://";

// S3's bucket naming rules, checked loosely: enough to catch a typo or a pasted https URL
// before the first request. 3 to 63 characters is S3's documented limit.
bool plausible_bucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

// Whether the bucket can be the first label(s) of a host name: lowercase letters, digits,
// hyphens and dots, starting and ending with a letter or digit.
bool dns_compatible(std::string_view bucket) {
  if (bucket.empty() || bucket.front() == '-' || bucket.back() == '-' || bucket.front() == '.' ||
      bucket.back() == '.') {
    return false;
  }
  for (char c : bucket) {
    const bool lower_or_digit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!lower_or_digit && c != '-' && c != '.') return false;
  }
  return bucket.find("..") == std::string_view::npos;
}

std::string strip_slashes(std::string_view text) {
  while (!text.empty() && text.front() == '/') text.remove_prefix(1);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

S3Location parse_s3_url(std::string_view url) {
  if (!url.starts_with(kScheme)) {
    fail(ErrorKind::usage, "'{}' is not an S3 URL: expected s3://bucket or s3://bucket/prefix",
         url);
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.prefix = strip_slashes(rest.substr(slash + 1));
  if (!plausible_bucket(location.bucket)) {
    fail(ErrorKind::usage,
         "'{}' in '{}' is not a valid bucket name (3-63 letters, digits, dots or hyphens)",
         location.bucket, url);
  }
  return location;
}

std::string resolve_region(const std::string& option, const EnvironmentLookup& environment,
                           const AwsConfigFiles& files, bool custom_endpoint) {
  if (!option.empty()) return option;
  if (auto region = environment("AWS_REGION")) return *region;
  if (auto region = environment("AWS_DEFAULT_REGION")) return *region;
  if (auto settings = files.settings(files.profile())) {
    if (auto found = settings->find("region"); found != settings->end() && !found->second.empty()) {
      return found->second;
    }
  }
  // S3-compatible servers accept any region in the signature scope by default, and
  // us-east-1 is the one they document.
  if (custom_endpoint) return "us-east-1";
  fail(ErrorKind::usage,
       "no AWS region configured: pass --s3-region (for GovCloud, e.g. us-gov-west-1) or set "
       "AWS_REGION");
}

std::string resolve_endpoint_url(const std::string& option, const EnvironmentLookup& environment) {
  if (!option.empty()) return option;
  if (auto url = environment("AWS_ENDPOINT_URL_S3")) return *url;
  if (auto url = environment("AWS_ENDPOINT_URL")) return *url;
  return "";
}

std::string aws_s3_host(const std::string& region, bool fips) {
  const std::string domain = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return (fips ? "s3-fips." : "s3.") + region + "." + domain;
}

Endpoint::Endpoint(std::string bucket, const EndpointOptions& options)
    : bucket_(std::move(bucket)), region_(options.region) {
  const bool custom = !options.endpoint_url.empty();
  if (custom) {
    if (options.fips) {
      fail(ErrorKind::usage,
           "FIPS mode chooses AWS's FIPS endpoints and cannot be combined with a custom "
           "endpoint ({}); point the endpoint at the FIPS host instead",
           options.endpoint_url);
    }
    auto url = http::parse_url(options.endpoint_url);
    if (!url || (!url->path_and_query.empty() && url->path_and_query != "/")) {
      fail(ErrorKind::usage,
           "endpoint '{}' must be an http(s) URL without a path, e.g. https://s3.example.com:9000",
           options.endpoint_url);
    }
    base_ = *url;
    path_style_ = options.path_style.value_or(true);
  } else {
    // AWS publishes FIPS endpoints for S3 only in the US (GovCloud included) and Canada.
    if (options.fips && !region_.starts_with("us-") && !region_.starts_with("ca-")) {
      fail(ErrorKind::usage, "AWS has no FIPS endpoint for S3 in region {}", region_);
    }
    base_.scheme = "https";
    base_.host = aws_s3_host(region_, options.fips);
    path_style_ = options.path_style.value_or(false);
  }

  if (!path_style_) {
    std::string reason;
    if (!dns_compatible(bucket_)) {
      reason = "the bucket name is not a valid host name";
    } else if (base_.https() && bucket_.find('.') != std::string::npos) {
      // "a.b.s3.<region>.amazonaws.com" does not match the certificate's single-label
      // wildcard "*.s3.<region>.amazonaws.com", so TLS verification would fail.
      reason = "the bucket name contains dots, which the TLS certificate cannot cover";
    }
    if (!reason.empty()) {
      log::debug("using path-style S3 requests",
                 {log::field("bucket", bucket_), log::field("reason", reason)});
      path_style_ = true;
    }
  }
  if (!path_style_) base_.host = bucket_ + "." + base_.host;
}

std::string Endpoint::path(std::string_view key) const {
  std::string out = "/";
  if (path_style_) {
    out += bucket_;
    if (!key.empty()) out += '/';
  }
  out += key;
  return out;
}

std::string Endpoint::url(std::string_view key, const std::vector<NameValue>& query) const {
  std::string out = base_.origin() + canonical_uri(path(key), PathRules::s3);
  if (!query.empty()) out += "?" + canonical_query_string(query);
  return out;
}

}  // namespace pgexport::s3
