// What an S3 error answer means for us: retry it, or stop with a message that says what to
// do. The one place that knows S3's error codes.
#pragma once

#include <string>

#include "common/error.hpp"
#include "http/http.hpp"

namespace pgexport::s3 {

struct S3ErrorDetails {
  long status = 0;
  // "SlowDown"; for answers without a body (HEAD) a name for the status: "NotFound", ...
  std::string code;
  std::string message;     // may be empty (RGW sends an empty <Message>)
  std::string request_id;  // for AWS support cases
  std::string region;      // where the bucket really is, when S3 says so
};

// Reads the <Error> body (and x-amz-request-id / x-amz-bucket-region headers) of a failed
// answer; copes with empty and non-XML bodies.
S3ErrorDetails parse_s3_error(const http::Response& response);
// The same for an <Error> document received with status 200 (CompleteMultipartUpload and
// CopyObject may fail after the 200 has been sent).
S3ErrorDetails parse_s3_error_body(long status, const std::string& body);

// Whether the operation may succeed if simply sent again: 5xx (but 501), 429, throttling,
// timeouts, expired temporary credentials (after a refresh), corrupted transfers.
bool retryable_s3_error(const S3ErrorDetails& details);
// Temporary credentials expired between signing and arrival: refresh, then retry.
bool credentials_expired(const S3ErrorDetails& details);

// The pgexport::Error for a failed S3 answer. The message starts with "<status> <code>" (what
// retry lists per attempt) and, for errors that will not pass, says what to do.
Error s3_error(const S3ErrorDetails& details);

}  // namespace pgexport::s3
