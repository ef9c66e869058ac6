// AWS Signature Version 4, as a pure function of the request, the credentials and the
// clock: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// The caller passes the decoded path and query; the same encoding functions below must
// build the URL that goes on the wire, so that what is signed is what is sent.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/s3/credentials.hpp"

namespace pgexport::s3 {

using NameValue = std::pair<std::string, std::string>;

enum class PathRules {
  // S3: the path is used as is (a key may contain "//" or "/./"); each segment is
  // URI-encoded once.
  s3,
  // Every other service, and the published test suite: remove "." and ".." segments and
  // empty segments, then URI-encode each segment once.
  normalize,
};

// The SHA-256 of an empty payload, in hex: bodiless requests send it as the payload hash.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningInput {
  std::string_view method;
  std::string_view path;           // decoded, starting with '/': "/bucket/my key.txt"
  std::vector<NameValue> query;    // decoded names and values, in any order
  std::vector<NameValue> headers;  // every header to sign, host included, any case
  // Lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  std::string_view payload_sha256;
  std::string_view region;
  std::string_view service;
  std::chrono::system_clock::time_point time;
  PathRules path_rules = PathRules::s3;
  // S3 wants the payload hash in x-amz-content-sha256 (signed); other services do not.
  bool add_content_sha256_header = true;
  // Sign x-amz-security-token (S3, STS). When false, it is added after signing, which is
  // what some services (and the suite's post-sts-header-after case) expect.
  bool sign_session_token = true;
};

struct SigningResult {
  // Headers to add to the request: x-amz-date, x-amz-content-sha256 (if asked),
  // x-amz-security-token (if the credentials have one) and authorization.
  std::vector<NameValue> headers;
  // Intermediate forms, for tests and for debugging a SignatureDoesNotMatch (they hold no
  // secret: S3 echoes both in its error body).
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;
};

// Signs a request. Deterministic; the derived signing key is cached per (secret, date,
// region, service) so the four HMACs run once a day, not once per request.
SigningResult sign_v4(const SigningInput& input, const Credentials& credentials);

struct PresignInput {
  std::string_view method;
  std::string_view host;         // the Host header, the only header signed: "db.example:5432"
  std::string_view path;         // decoded, starting with '/'
  std::vector<NameValue> query;  // the request's own decoded parameters, in any order
  std::string_view region;
  std::string_view service;
  std::chrono::system_clock::time_point time;
  std::chrono::seconds expires;  // X-Amz-Expires
  // Lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD": S3 presigns with the latter,
  // every other service (rds-db among them) with the hash of the empty body.
  std::string_view payload_sha256 = kEmptyPayloadSha256;
};

struct PresignResult {
  // The whole query string, encoded and sorted, X-Amz-Signature last: what follows '?'.
  std::string query;
  std::string canonical_request;
  std::string string_to_sign;
};

// Signs a request in its query string (a presigned URL): the X-Amz-Algorithm, -Credential,
// -Date, -Expires, -SignedHeaders and (with session credentials) -Security-Token parameters
// join the request's own, all of them signed, then X-Amz-Signature is appended.
// Deterministic, like sign_v4, and with the same canonical forms and key derivation.
PresignResult presign_v4(const PresignInput& input, const Credentials& credentials);

// Percent-encodes every byte except the unreserved characters A-Z a-z 0-9 - . _ ~ (and
// '/' when `keep_slash`), with uppercase hex: RFC 3986 as SigV4 requires.
std::string uri_encode(std::string_view bytes, bool keep_slash);

// The canonical (and wire) form of a decoded path under the given rules.
std::string canonical_uri(std::string_view decoded_path, PathRules rules);

// "a=1&b=2": names and values encoded, sorted by name then value. Also the wire form.
std::string canonical_query_string(const std::vector<NameValue>& query);

}  // namespace pgexport::s3
