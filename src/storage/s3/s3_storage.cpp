#include "storage/s3/s3_storage.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <limits>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "http/curl_transport.hpp"
#include "storage/s3/aws_config.hpp"
#include "storage/s3/credential_sources.hpp"
#include "storage/s3/endpoint.hpp"

namespace pgexport::s3 {

namespace {

// S3's smallest part (except the last one).
constexpr uint64_t kMinPartSize = 5 * kMebibyte;
// More parts in flight per object than this only adds memory: per-connection throughput
// to S3 is high enough that a few dozen connections fill any task's network.
constexpr int kMaxPartsInFlight = 64;

constexpr std::string_view kProbeKey = "_pgexport_probe";
// 64 random bits: two runs that start together never pick the same probe.
constexpr int kProbeRandomBytes = 8;

std::string random_hex(int bytes) {
  std::string buffer(static_cast<size_t>(bytes), '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buffer.data()), bytes) != 1) {
    fail(ErrorKind::internal, "the random number generator failed");
  }
  return hex_encode(buffer);
}

storage::ConditionalWrite outcome(const std::optional<std::string>& etag) {
  return etag ? storage::ConditionalWrite::written : storage::ConditionalWrite::condition_failed;
}

// Housekeeping compares times with a grace period; an object without a time would look
// older than any, so a missing or unreadable time is an error rather than a default.
storage::TimePoint require_time(const std::optional<storage::TimePoint>& time,
                                const std::string& what) {
  if (!time) fail(ErrorKind::storage_error, "{}: the server sent no readable time", what);
  return *time;
}

}  // namespace

S3Storage::S3Storage(std::shared_ptr<S3Client> client, std::string prefix,
                     MultipartConfig multipart, std::shared_ptr<MemoryBudget> memory_budget)
    : client_(std::move(client)),
      prefix_(std::move(prefix)),
      multipart_(multipart),
      memory_budget_(std::move(memory_budget)) {}

std::string S3Storage::describe() const {
  return prefix_.empty() ? fmt::format("s3://{}", client_->endpoint().bucket())
                         : fmt::format("s3://{}/{}", client_->endpoint().bucket(), prefix_);
}

std::string S3Storage::full_key(const std::string& key) const {
  return prefix_.empty() ? key : prefix_ + "/" + key;
}

void S3Storage::check_writable() {
  const std::string key = full_key(fmt::format("{}.{}", kProbeKey, random_hex(kProbeRandomBytes)));
  try {
    client_->put_object(key, "pgexport write probe; safe to delete\n");
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::interrupted) throw;
    fail(ErrorKind::destination_unwritable, "cannot write to {}: {}", describe(), error.what());
  }
  std::optional<Error> conditional_failure;
  try {
    // Other bytes than the probe's: equal bytes would read as our own earlier write after a
    // retry (see S3Client::conditional_put) and hide a store that honours the condition.
    const bool written =
        client_->put_object_if_absent(key, "pgexport conditional write probe; safe to delete\n")
            .has_value();
    conditional_writes_ = !written;
    if (written) {
      log::warn(
          "the S3 store ignores conditional writes (If-None-Match): concurrent runs with one "
          "run id are not fenced from each other",
          {log::field("destination", describe())});
    }
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::interrupted) throw;
    conditional_failure = Error(
        ErrorKind::destination_unwritable,
        fmt::format("{} refuses conditional writes (If-None-Match): {}", describe(), error.what()));
  }
  try {
    client_->delete_object(key);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::interrupted) throw;
    log::warn("could not delete the write probe; it is harmless and may be removed by hand",
              {log::field("object", client_->describe(key)), log::field("error", error.what())});
  }
  if (conditional_failure) throw *conditional_failure;
}

std::unique_ptr<storage::ObjectWriter> S3Storage::create(const std::string& key) {
  return std::make_unique<MultipartObjectWriter>(client_, full_key(key), key, multipart_,
                                                 memory_budget_);
}

storage::ConditionalWrite S3Storage::create_if_absent(const std::string& key,
                                                      std::string_view bytes) {
  return outcome(client_->put_object_if_absent(full_key(key), bytes));
}

storage::ConditionalWrite S3Storage::replace_if_unchanged(const std::string& key,
                                                          std::string_view bytes,
                                                          const std::string& expected_version) {
  return outcome(client_->put_object_if_match(full_key(key), bytes, expected_version));
}

std::optional<std::string> S3Storage::read(const std::string& key) {
  return client_->get_object(full_key(key));
}

std::optional<storage::VersionedObject> S3Storage::read_versioned(const std::string& key) {
  auto object = client_->get_object_with_etag(full_key(key));
  if (!object) return std::nullopt;
  return storage::VersionedObject{std::move(object->body), std::move(object->etag)};
}

bool S3Storage::read_into(const std::string& key, ByteSink& sink) {
  const std::string object_key = full_key(key);
  const auto head = client_->head_object(object_key);
  if (!head) return false;
  for (uint64_t first = 0; first < head->size; first += kReadRangeSize) {
    const uint64_t last = std::min(head->size, first + kReadRangeSize) - 1;
    const auto bytes = client_->get_object_range(object_key, first, last, head->etag);
    if (!bytes) {
      if (first == 0) return false;  // removed before anything was written
      fail(ErrorKind::storage_transient, "{} was removed while it was being read",
           client_->describe(object_key));
    }
    if (bytes->size() != last - first + 1) {
      fail(ErrorKind::storage_transient, "{}: bytes {}-{} came back as {} bytes; read it again",
           client_->describe(object_key), first, last, bytes->size());
    }
    sink.write(*bytes);
  }
  return true;
}

std::optional<storage::ObjectStat> S3Storage::stat(const std::string& key) {
  const std::string object_key = full_key(key);
  auto head = client_->head_object(object_key);
  if (!head) return std::nullopt;
  return storage::ObjectStat{
      key, head->size, std::move(head->etag),
      require_time(head->last_modified, "HEAD " + client_->describe(object_key))};
}

std::vector<std::string> S3Storage::list(const std::string& prefix) {
  // Under a root prefix "p", list("") must not see "p2/...": always list below "p/".
  const std::string root = prefix_.empty() ? "" : prefix_ + "/";
  std::vector<std::string> keys;
  for (auto& object : client_->list_objects(root + prefix)) {
    if (object.key.starts_with(root)) keys.push_back(object.key.substr(root.size()));
  }
  return keys;
}

std::vector<storage::ObjectStat> S3Storage::list_detailed(const std::string& prefix) {
  const std::string root = prefix_.empty() ? "" : prefix_ + "/";
  std::vector<storage::ObjectStat> objects;
  for (auto& object : client_->list_objects(root + prefix)) {
    if (!object.key.starts_with(root)) continue;
    const storage::TimePoint modified =
        require_time(object.last_modified, "ListObjectsV2 " + client_->describe(object.key));
    objects.push_back(
        {object.key.substr(root.size()), object.size, std::move(object.etag), modified});
  }
  return objects;
}

std::vector<storage::PendingUpload> S3Storage::list_pending_uploads(const std::string& prefix) {
  const std::string root = prefix_.empty() ? "" : prefix_ + "/";
  std::vector<storage::PendingUpload> pending;
  for (auto& upload : client_->list_multipart_uploads(root + prefix)) {
    if (!upload.key.starts_with(root)) continue;
    const storage::TimePoint started =
        require_time(upload.initiated, "ListMultipartUploads " + client_->describe(upload.key));
    pending.push_back({upload.key.substr(root.size()), std::move(upload.upload_id), started});
  }
  return pending;
}

void S3Storage::abort_pending_upload(const storage::PendingUpload& upload) {
  client_->abort_multipart_upload(full_key(upload.key), upload.id);
}

void S3Storage::remove(const std::string& key) {
  client_->delete_object(full_key(key));
}

void S3Storage::remove_prefix(const std::string& prefix) {
  const std::string root = prefix_.empty() ? "" : prefix_ + "/";
  const std::string target = root + prefix;
  // Uploads first: completing one of them later would resurrect an object we deleted.
  for (const auto& upload : client_->list_multipart_uploads(target)) {
    client_->abort_multipart_upload(upload.key, upload.upload_id);
    log::info("aborted unfinished S3 upload",
              {log::field("object", client_->describe(upload.key))});
  }
  std::vector<std::string> keys;
  for (auto& object : client_->list_objects(target)) keys.push_back(std::move(object.key));
  client_->delete_objects(keys);
}

std::optional<uint64_t> S3Storage::largest_object_bytes() const {
  return s3::largest_object_bytes(
      multipart_, memory_budget_ ? memory_budget_->total() : std::numeric_limits<uint64_t>::max());
}

std::unique_ptr<S3Storage> make_s3_storage(const S3Options& options) {
  const S3Location location = parse_s3_url(options.url);
  const EnvironmentLookup environment =
      options.environment ? options.environment : process_environment();

  if (options.part_size < kMinPartSize || options.part_size > MultipartConfig{}.max_part_size) {
    fail(ErrorKind::usage, "the S3 part size must be between 5 MiB and 5 GiB, not {} bytes",
         options.part_size);
  }
  if (options.max_parts_in_flight < 1 || options.max_parts_in_flight > kMaxPartsInFlight) {
    fail(ErrorKind::usage, "parts in flight must be between 1 and {}, not {}", kMaxPartsInFlight,
         options.max_parts_in_flight);
  }
  ObjectWriteOptions write;
  write.encryption = parse_server_side_encryption(options.sse);
  write.kms_key_id = options.kms_key_id;
  write.acl = options.acl;
  write.storage_class = options.storage_class;
  if (!write.kms_key_id.empty() && write.encryption != ServerSideEncryption::aws_kms) {
    fail(ErrorKind::usage, "a KMS key id needs --sse aws:kms");
  }

  auto files = std::make_shared<const AwsConfigFiles>(AwsConfigFiles::load(environment));
  const std::string endpoint_url = resolve_endpoint_url(options.endpoint, environment);
  EndpointOptions endpoint_options;
  endpoint_options.region =
      resolve_region(options.region, environment, *files, !endpoint_url.empty());
  endpoint_options.endpoint_url = endpoint_url;
  endpoint_options.path_style = options.path_style;
  endpoint_options.fips = options.fips;
  Endpoint endpoint(location.bucket, endpoint_options);

  std::shared_ptr<http::HttpTransport> transport = options.transport;
  if (!transport) {
    http::CurlOptions curl;
    curl.ca_bundle =
        !options.ca_bundle.empty() ? options.ca_bundle : environment("AWS_CA_BUNDLE").value_or("");
    transport = std::make_shared<http::CurlTransport>(curl);
  }

  std::shared_ptr<CredentialsProvider> credentials = options.credentials;
  if (!credentials) {
    CredentialsChainOptions chain;
    chain.environment = environment;
    chain.transport = transport;
    chain.files = files;
    chain.region = endpoint.region();
    chain.fips = options.fips;
    chain.assume_role_arn = options.assume_role_arn;
    chain.assume_role_external_id = options.assume_role_external_id;
    chain.assume_role_session_name = options.assume_role_session_name;
    credentials = make_default_credentials_provider(chain);
  }

  S3ClientOptions client_options;
  client_options.transport = transport;
  client_options.credentials = credentials;
  client_options.write = write;
  client_options.expected_bucket_owner = options.expected_bucket_owner;
  client_options.unsigned_payload_over_http = options.unsigned_payload;
  client_options.retry = options.retry;
  client_options.retry_clock = options.retry_clock;
  log::info("S3 destination",
            {log::field("url", options.url), log::field("region", endpoint.region()),
             log::field("host", endpoint.host()), log::field("path_style", endpoint.path_style()),
             log::field("tls", endpoint.https()),
             log::field("unsigned_payload_allowed", endpoint.https() || options.unsigned_payload)});
  auto client = std::make_shared<S3Client>(std::move(endpoint), std::move(client_options));

  MultipartConfig multipart;
  multipart.initial_part_size = options.part_size;
  multipart.max_parts_in_flight = options.max_parts_in_flight;
  return std::make_unique<S3Storage>(std::move(client), location.prefix, multipart,
                                     options.memory_budget);
}

}  // namespace pgexport::s3
