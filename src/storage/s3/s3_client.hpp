// The S3 operations pgexport needs, over an HttpTransport, signed with SigV4. Every
// operation retries through common/retry, sends x-amz-expected-bucket-owner when configured,
// and every write carries the configured object options (SSE, ACL, storage class) and one
// transport checksum that the store verifies before it stores the body (see "Transport
// checksums" below and docs/s3.md, "Integrity"). Thread-safe: part uploads of many writers
// share one client.
//
// Transport checksums of data bodies (PutObject, UploadPart), one per body:
// - the signed SHA-256 in x-amz-content-sha256, which the signature covers and S3 recomputes
//   (XAmzContentSHA256Mismatch): over plain HTTP (unless unsigned_payload_over_http), and
//   with stores that ignore flexible checksums;
// - x-amz-checksum-crc32c (BadDigest) with x-amz-content-sha256: UNSIGNED-PAYLOAD, over TLS
//   or with unsigned_payload_over_http, where the store verifies CRC32Cs, as AWS does. It
//   shows that by echoing the CRC32C of the first write, which is sent signed and with a
//   CRC32C to find out.
// Content-MD5 is never needed for data: where CRC32C is not verified, the signed SHA-256 is
// both the stronger checksum and, on CPUs with SHA extensions, the faster one.
// Control bodies (CompleteMultipartUpload, DeleteObjects) are small and always signed.
#pragma once

#include <atomic>
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
  // Allow UNSIGNED-PAYLOAD data bodies over plain HTTP too, as over TLS: where the store
  // verifies CRC32Cs, one SHA-256 pass less per byte, at the cost of the signature no longer
  // covering the body.
  bool unsigned_payload_over_http = false;
  RetryPolicy retry;
  RetryClock* retry_clock = nullptr;                             // null: the real clock
  std::function<std::chrono::system_clock::time_point()> clock;  // signing time; null: now
};

struct CompletedPart {
  int number = 0;
  std::string etag;
  std::string crc32c;  // base64, as sent with the part; empty when it carried none
};

// What a store has shown about flexible checksums (x-amz-checksum-crc32c).
enum class FlexibleChecksums {
  unknown,   // no unsigned write answered yet
  verified,  // it echoed the CRC32C of a body: it checks them
  ignored,   // it answered without one (Ceph RGW 16): payloads stay signed
};

using TimePoint = std::chrono::system_clock::time_point;

struct ObjectSummary {
  std::string key;  // decoded (listings are requested with encoding-type=url)
  uint64_t size = 0;
  std::string etag;
  std::optional<TimePoint> last_modified;  // nullopt when the server sent none we could read
};

struct ObjectListing {
  std::vector<ObjectSummary> objects;
  std::string next_continuation_token;  // empty on the last page
};

struct MultipartUploadSummary {
  std::string key;  // decoded
  std::string upload_id;
  std::optional<TimePoint> initiated;  // nullopt when the server sent none we could read
};

struct ObjectHead {
  uint64_t size = 0;
  std::string etag;
  std::optional<TimePoint> last_modified;  // nullopt when the server sent none we could read
};

// A whole object with the ETag it was read at.
struct ObjectData {
  std::string body;
  std::string etag;
};

class S3Client {
 public:
  S3Client(Endpoint endpoint, S3ClientOptions options);

  const Endpoint& endpoint() const { return endpoint_; }
  // "s3://bucket/key", for messages.
  std::string describe(std::string_view key) const;

  // Writes an object in one request. Returns its ETag. `body_sha256` is the body's SHA-256 in
  // hex when the caller has it already (a signed payload then needs no pass of its own).
  std::string put_object(const std::string& key, std::string_view body,
                         std::string_view body_sha256 = {});

  // PutObject with If-None-Match: * : writes only if no object has the key. Returns the new
  // ETag, or nullopt when an object existed (412) and nothing was written. 409
  // ConditionalRequestConflict (a concurrent conditional write) is retried.
  std::optional<std::string> put_object_if_absent(const std::string& key, std::string_view body);
  // PutObject with If-Match: "<etag>": replaces the object only while it has that ETag.
  // Returns the new ETag, or nullopt when it has another ETag (412) or none at all (404).
  // A store that refuses the quoted ETag of an unchanged object (Ceph RGW 16 compares the
  // bare ETag on PUT) gets the bare ETag from then on.
  std::optional<std::string> put_object_if_match(const std::string& key, std::string_view body,
                                                 const std::string& etag);

  // Starts a multipart upload (with CRC32C part checksums when parts carry them). Returns the
  // upload id.
  std::string create_multipart_upload(const std::string& key);
  // Uploads one part (1..10000). Returns its ETag and CRC32C (if sent), as Complete needs them.
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
  // The same with the ETag it was read at.
  std::optional<ObjectData> get_object_with_etag(const std::string& key);
  // Bytes first..last (inclusive) of the object, only while it still has `etag` (If-Match):
  // nullopt when the object is gone; storage_transient when it changed (412), since reading
  // it again from the start may succeed.
  std::optional<std::string> get_object_range(const std::string& key, uint64_t first, uint64_t last,
                                              const std::string& etag);
  std::optional<ObjectHead> head_object(const std::string& key);
  // Succeeds when the bucket exists and the credentials may list it.
  void head_bucket();

  // Whether data bodies may go as UNSIGNED-PAYLOAD (over TLS, or allowed over plain HTTP);
  // they do once the store has shown it verifies CRC32Cs.
  bool unsigned_payload() const { return unsigned_payload_; }
  FlexibleChecksums flexible_checksums() const { return flexible_checksums_.load(); }

 private:
  struct Call;
  // Sends one signed request (one attempt). Non-2xx answers become errors, except the
  // "absent" 404s the call expects.
  http::Response send(const Call& call);
  // send() inside the retry loop, under the name `what`.
  http::Response execute(const std::string& what, const Call& call);
  void add_write_options(Call& call) const;
  // Gives a data body its transport checksum (see the top of this file); `known_sha256` is the
  // body's hex SHA-256 if the caller has it. Returns the CRC32C sent (base64), or "".
  std::string add_body_checksum(Call& call, std::string_view body,
                                std::string_view known_sha256 = {}) const;
  // Learns from a data write's answer whether the store verifies the CRC32C sent with it.
  void learn_flexible_checksums(const http::Response& response, const std::string& sent_crc32c);
  // Signs and performs one attempt; throws only when no answer arrived (transport errors).
  http::Response perform(const Call& call);
  // Throws the error a non-2xx answer means, unless the call expects it as a result.
  void check_answer(const Call& call, const http::Response& response);
  // PutObject with If-Match on `expected_etag`, or If-None-Match: * when it is null, and the
  // lost-answer rule (see the .cpp).
  std::optional<std::string> conditional_put(const std::string& key, std::string_view body,
                                             const std::string* expected_etag);

  Endpoint endpoint_;
  S3ClientOptions options_;
  // Whether PutObject's If-Match carries the bare ETag instead of the quoted one.
  std::atomic<bool> bare_if_match_{false};
  const bool unsigned_payload_;
  std::atomic<FlexibleChecksums> flexible_checksums_{FlexibleChecksums::unknown};
};

}  // namespace pgexport::s3
