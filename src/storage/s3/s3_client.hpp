// The S3 operations pgexport needs, over an HttpTransport, signed with SigV4. Every
// operation retries through common/retry, sends x-amz-expected-bucket-owner when configured,
// and every write carries the configured object options (SSE, ACL, storage class) and
// integrity checks (Content-MD5, x-amz-checksum-crc32c, signed x-amz-content-sha256).
// Thread-safe: part uploads of many writers share one client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/retry.hpp"
#include "http/http.hpp"
#include "storage/s3/credentials.hpp"
#include "storage/s3/endpoint.hpp"

namespace pgexport::s3 {

enum class ServerSideEncryption { none, aes256, aws_kms };

// "", "none", "AES256", "aws:kms" (as the CLI takes them). Throws pgexport::Error (usage).
ServerSideEncryption parse_server_side_encryption(std::string_view text);

// Applied to every object written (PutObject and CreateMultipartUpload).
struct ObjectWriteOptions {
  ServerSideEncryption encryption = ServerSideEncryption::none;
  std::string kms_key_id;     // with aws_kms; empty: the bucket's or AWS-managed key
  std::string acl;            // e.g. "bucket-owner-full-control" for cross-account buckets
  std::string storage_class;  // e.g. "STANDARD_IA"; empty: the bucket default
};

struct S3ClientOptions {
  std::shared_ptr<http::HttpTransport> transport;
  std::shared_ptr<CredentialsProvider> credentials;
  ObjectWriteOptions write;
  // The account that must own the bucket (x-amz-expected-bucket-owner on every request),
  // so data never lands in a bucket someone else re-created under the same name.
  std::string expected_bucket_owner;
  RetryPolicy retry;
  RetryClock* retry_clock = nullptr;                             // null: the real clock
  std::function<std::chrono::system_clock::time_point()> clock;  // signing time; null: now
};

struct CompletedPart {
  int number = 0;
  std::string etag;
  std::string crc32c;  // base64, as sent with the part
};

struct ObjectSummary {
  std::string key;
  uint64_t size = 0;
  std::string etag;
};

struct ObjectListing {
  std::vector<ObjectSummary> objects;
  std::string next_continuation_token;  // empty on the last page
};

struct MultipartUploadSummary {
  std::string key;
  std::string upload_id;
};

struct ObjectHead {
  uint64_t size = 0;
  std::string etag;
};

class S3Client {
 public:
  S3Client(Endpoint endpoint, S3ClientOptions options);

  const Endpoint& endpoint() const { return endpoint_; }
  // "s3://bucket/key", for messages.
  std::string describe(std::string_view key) const;

  // Writes an object in one request. Returns its ETag.
  std::string put_object(const std::string& key, std::string_view body);

  // Starts a multipart upload (with CRC32C part checksums). Returns the upload id.
  std::string create_multipart_upload(const std::string& key);
  // Uploads one part (1..10000). Returns its ETag and CRC32C, as Complete needs them.
  CompletedPart upload_part(const std::string& key, const std::string& upload_id, int number,
                            std::string_view body);
  // Completes the upload with parts in ascending order. Handles S3's "200 OK with an
  // <Error> body", and a retried Complete whose first attempt had in fact succeeded.
  void complete_multipart_upload(const std::string& key, const std::string& upload_id,
                                 const std::vector<CompletedPart>& parts);
  // Aborts an upload; an upload that no longer exists is not an error.
  void abort_multipart_upload(const std::string& key, const std::string& upload_id);

  // One page of ListObjectsV2 (up to 1000 keys).
  ObjectListing list_objects_page(const std::string& prefix, const std::string& continuation_token);
  // Every object under the prefix, following pagination.
  std::vector<ObjectSummary> list_objects(const std::string& prefix);
  // Every unfinished multipart upload under the prefix, following pagination.
  std::vector<MultipartUploadSummary> list_multipart_uploads(const std::string& prefix);

  // Deletes one object; a missing object is not an error.
  void delete_object(const std::string& key);
  // Deletes many objects (DeleteObjects, 1000 per request); throws if any was not deleted.
  void delete_objects(const std::vector<std::string>& keys);

  // The whole object, or nullopt when there is none (meant for small objects).
  std::optional<std::string> get_object(const std::string& key);
  std::optional<ObjectHead> head_object(const std::string& key);
  // Succeeds when the bucket exists and the credentials may list it.
  void head_bucket();

 private:
  struct Call;
  // Sends one signed request (one attempt). Non-2xx answers become errors, except the
  // "absent" 404s the call expects.
  http::Response send(const Call& call);
  // send() inside the retry loop, under the name `what`.
  http::Response execute(const std::string& what, const Call& call);
  void add_write_options(Call& call) const;

  Endpoint endpoint_;
  S3ClientOptions options_;
};

}  // namespace pgexport::s3
