#include "storage/s3/s3_error.hpp"

#include <fmt/format.h>

#include <cctype>

#include "storage/s3/xml.hpp"

namespace pgexport::s3 {

namespace {

// What to do about errors that will not pass by themselves. Kept short: the message also
// names the object and the operation.
bool mentions_kms(const S3ErrorDetails& details) {
  std::string message = details.message;
  for (char& c : message) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return message.find("kms") != std::string::npos;
}

// A name for the status of an answer without an error body (HEAD answers have none).
std::string status_code_name(long status) {
  switch (status) {
    case 301:
      return "MovedPermanently";
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 412:
      return "PreconditionFailed";
    case 500:
      return "InternalServerError";
    case 503:
      return "ServiceUnavailable";
    default:
      return fmt::format("HTTP{}", status);
  }
}

std::string advice(const S3ErrorDetails& details) {
  const std::string& code = details.code;
  // Ceph RGW reports an unusable KMS key as InvalidAccessKeyId; the message tells them apart.
  if (code.starts_with("KMS.") || code == "KMSKeyNotFound" || mentions_kms(details)) {
    return "the KMS key cannot be used: check the key id, that it is enabled, and its key policy";
  }
  if (code == "AccessDenied" || code == "Forbidden") {
    return "the credentials are not allowed to do this: check the IAM policy, the bucket "
           "policy, the KMS key policy (with SSE-KMS) and the expected bucket owner";
  }
  if (code == "InvalidAccessKeyId") {
    return "this endpoint does not know the access key id: check which credentials are used "
           "(AWS_ACCESS_KEY_ID, AWS_PROFILE, task role) and that the endpoint/region is right";
  }
  if (code == "SignatureDoesNotMatch") {
    return "the secret key does not belong to the access key id, or a proxy rewrote the "
           "request: check AWS_SECRET_ACCESS_KEY or the profile";
  }
  if (code == "InvalidToken" || code == "ExpiredToken" || code == "TokenRefreshRequired") {
    return "the session token is invalid or expired: refresh AWS_SESSION_TOKEN or the profile";
  }
  if (code == "NoSuchBucket" || code == "NotFound") {
    return "the bucket does not exist: check the bucket name and the region/endpoint";
  }
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      code == "IllegalLocationConstraintException" || code == "MovedPermanently") {
    if (!details.region.empty()) {
      return fmt::format("the bucket is in region {}: pass --s3-region {}", details.region,
                         details.region);
    }
    return "the bucket is in another region: pass its region with --s3-region";
  }
  if (code == "RequestTimeTooSkewed") {
    return "the system clock is off by more than 15 minutes: fix time synchronisation";
  }
  if (code == "InvalidStorageClass") return "check --storage-class";
  if (code == "EntityTooSmall")
    return "a part below 5 MiB that was not the last: a bug in pgexport";
  if (code == "AccessControlListNotSupported") {
    return "the bucket enforces bucket-owner ownership and rejects ACLs: drop --acl";
  }
  return "";
}

}  // namespace

S3ErrorDetails parse_s3_error_body(long status, const std::string& body) {
  S3ErrorDetails details;
  details.status = status;
  details.code = status_code_name(status);
  if (body.empty()) return details;
  try {
    const XmlElement root = parse_xml(body);
    if (root.name == "Error") {
      if (std::string code = root.child_text("Code"); !code.empty()) details.code = code;
      details.message = root.child_text("Message");
      details.request_id = root.child_text("RequestId");
      details.region = root.child_text("Region");
    }
  } catch (const Error&) {
    // Not XML: a load balancer's or proxy's page. The status is all we know.
  }
  return details;
}

S3ErrorDetails parse_s3_error(const http::Response& response) {
  S3ErrorDetails details = parse_s3_error_body(response.status, response.body);
  if (details.request_id.empty()) {
    if (auto id = response.header("x-amz-request-id")) details.request_id = *id;
  }
  if (details.region.empty()) {
    if (auto region = response.header("x-amz-bucket-region")) details.region = *region;
  }
  return details;
}

bool credentials_expired(const S3ErrorDetails& details) {
  return details.code == "ExpiredToken" || details.code == "TokenRefreshRequired";
}

bool retryable_s3_error(const S3ErrorDetails& details) {
  const std::string& code = details.code;
  if (details.status >= 500 && details.status != 501) return true;
  if (details.status == 429) return true;
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
         code == "ServiceUnavailable" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded" || code == "OperationAborted" ||
         // AWS: another conditional write to the key was in progress; resend to learn whether
         // the condition still holds.
         code == "ConditionalRequestConflict" ||
         // The body arrived damaged (Content-MD5 or payload hash mismatch): resend it.
         code == "BadDigest" || code == "XAmzContentSHA256Mismatch" || credentials_expired(details);
}

Error s3_error(const S3ErrorDetails& details) {
  std::string message = fmt::format("{} {}", details.status, details.code);
  if (!details.message.empty()) message += ": " + details.message;
  if (retryable_s3_error(details)) return Error(ErrorKind::storage_transient, message);

  if (const std::string hint = advice(details); !hint.empty()) message += " (" + hint + ")";
  if (!details.request_id.empty()) message += fmt::format(" [request id {}]", details.request_id);
  const std::string& code = details.code;
  ErrorKind kind = ErrorKind::storage_error;
  if ((code == "InvalidAccessKeyId" && !mentions_kms(details)) || code == "SignatureDoesNotMatch" ||
      code == "InvalidToken") {
    kind = ErrorKind::credentials_error;
  } else if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
             code == "MovedPermanently" || code == "InvalidStorageClass") {
    kind = ErrorKind::usage;
  }
  return Error(kind, message);
}

}  // namespace pgexport::s3
