// The S3 destination: storage::Storage over one s3://bucket/prefix, and the factory that
// turns command-line options into one (region, endpoint, credentials chain, object options).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "common/memory_budget.hpp"
#include "common/retry.hpp"
#include "http/http.hpp"
#include "storage/s3/credentials.hpp"
#include "storage/s3/multipart_writer.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/storage.hpp"

namespace pgexport::s3 {

struct S3Options {
  std::string url;                 // s3://bucket/prefix
  std::string region;              // empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's region
  std::string endpoint;            // empty: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS
  std::optional<bool> path_style;  // default: path style for custom endpoints only
  bool fips = false;
  std::string sse;  // "", "AES256" or "aws:kms"
  std::string kms_key_id;
  std::string acl;                    // e.g. "bucket-owner-full-control"
  std::string expected_bucket_owner;  // account id sent as x-amz-expected-bucket-owner
  std::string storage_class;
  std::string assume_role_arn;
  std::string assume_role_external_id;
  std::string assume_role_session_name;
  std::string ca_bundle;  // empty: AWS_CA_BUNDLE, else the system store
  // Data bodies as UNSIGNED-PAYLOAD over plain HTTP too (S3ClientOptions).
  bool unsigned_payload = false;
  // Shared by every writer of the process; null: only parts in flight bound the memory.
  std::shared_ptr<MemoryBudget> memory_budget;
  uint64_t part_size = MultipartConfig{}.initial_part_size;
  int max_parts_in_flight = MultipartConfig{}.max_parts_in_flight;

  // Seams for tests; null means the real thing.
  std::shared_ptr<http::HttpTransport> transport;
  std::shared_ptr<CredentialsProvider> credentials;
  EnvironmentLookup environment;
  RetryPolicy retry;
  RetryClock* retry_clock = nullptr;
};

class S3Storage final : public storage::Storage {
 public:
  S3Storage(std::shared_ptr<S3Client> client, std::string prefix, MultipartConfig multipart,
            std::shared_ptr<MemoryBudget> memory_budget);

  std::string describe() const override;
  // PUTs and DELETEs a small "_pgexport_probe.<random hex>" object under the prefix (unique
  // per call, so concurrent runs never race on it). A PUT with the real object options is
  // the only check that proves what the export needs: s3:PutObject on this prefix, the KMS
  // key usable, and bucket policies that demand an ACL or encryption satisfied. HeadBucket
  // proves only s3:ListBucket. In between, a PUT with If-None-Match: * on the probe must be
  // refused; a store that writes it anyway ignores conditional writes, which is recorded
  // (supports_conditional_writes) and logged once as a warning. A store that rejects the
  // header outright is destination_unwritable. A failed DELETE is only a warning: the probe
  // is tiny and some warehouse buckets deny deletes to writers.
  void check_writable() override;
  bool supports_conditional_writes() const override { return conditional_writes_.load(); }
  std::unique_ptr<storage::ObjectWriter> create(const std::string& key) override;
  // What the part schedule and the memory budget let one multipart upload reach
  // (largest_object_bytes() of multipart_writer.hpp).
  std::optional<uint64_t> largest_object_bytes() const override;
  // PutObject with If-None-Match: * (see S3Client::put_object_if_absent).
  storage::ConditionalWrite create_if_absent(const std::string& key,
                                             std::string_view bytes) override;
  // PutObject with If-Match: the version is the ETag.
  storage::ConditionalWrite replace_if_unchanged(const std::string& key, std::string_view bytes,
                                                 const std::string& expected_version) override;
  std::optional<std::string> read(const std::string& key) override;
  std::optional<storage::VersionedObject> read_versioned(const std::string& key) override;
  // HeadObject, then ranged GETs of kReadRangeSize bytes that each carry If-Match on the
  // ETag the HEAD saw, so an object replaced meanwhile fails the read instead of mixing two
  // versions. Memory: one range.
  bool read_into(const std::string& key, ByteSink& sink) override;
  std::optional<storage::ObjectStat> stat(const std::string& key) override;
  std::vector<std::string> list(const std::string& prefix) override;
  std::vector<storage::ObjectStat> list_detailed(const std::string& prefix) override;
  // ListMultipartUploads; the id is the upload id.
  std::vector<storage::PendingUpload> list_pending_uploads(const std::string& prefix) override;
  void abort_pending_upload(const storage::PendingUpload& upload) override;
  void remove(const std::string& key) override;
  // Aborts unfinished multipart uploads under the prefix, then deletes its objects.
  void remove_prefix(const std::string& prefix) override;

  S3Client& client() { return *client_; }

 private:
  // The S3 key of a storage key: "<prefix>/<key>", or the key itself without a prefix.
  std::string full_key(const std::string& key) const;

  std::shared_ptr<S3Client> client_;
  std::string prefix_;
  MultipartConfig multipart_;
  std::shared_ptr<MemoryBudget> memory_budget_;
  // Learned by check_writable(); read by any thread.
  std::atomic<bool> conditional_writes_{true};
};

// Bytes per ranged GET of read_into(): large enough that the round trip of each request is
// small next to its transfer, small enough that one buffer per reader does not matter
// (it is the default part size, which writes already hold per part in flight).
inline constexpr uint64_t kReadRangeSize = 8 * kMebibyte;

// Builds an S3Storage from options: parses the URL, resolves region and endpoint, builds the
// credentials chain (with the assumed role on top, if any) and checks the options fit
// together. Throws pgexport::Error (usage) for bad options. Makes no request.
std::unique_ptr<S3Storage> make_s3_storage(const S3Options& options);

}  // namespace pgexport::s3
