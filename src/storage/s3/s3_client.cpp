#include "storage/s3/s3_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/digest.hpp"
#include "common/log.hpp"
#include "storage/s3/checksum.hpp"
#include "storage/s3/s3_error.hpp"
#include "storage/s3/sigv4.hpp"
#include "storage/s3/xml.hpp"

namespace pgexport::s3 {

namespace {

// S3's limit for one DeleteObjects request.
constexpr size_t kMaxKeysPerDelete = 1000;

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

uint64_t parse_size(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes encoding-type=url: %XX is a byte and '+' a space (AWS encodes spaces so; a literal
// '+' arrives as %2B). A '%' not followed by two hex digits is kept as it is.
std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Listings are requested with encoding-type=url so that any key (control characters, which
// XML 1.0 cannot carry, included) arrives intact. ListObjectsV2 answers say whether they
// encoded with <EncodingType> (AWS and Ceph RGW both send it); without it, keys are taken as
// they are.
std::function<std::string(std::string)> key_decoder(const XmlElement& root) {
  if (root.child_text("EncodingType") == "url") {
    return [](std::string key) { return url_decode(key); };
  }
  return [](std::string key) { return key; };
}

std::optional<TimePoint> parse_listing_time(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return parse_aws_timestamp(text);
}

}  // namespace

ServerSideEncryption parse_server_side_encryption(std::string_view text) {
  if (text.empty() || text == "none") return ServerSideEncryption::none;
  if (text == "AES256") return ServerSideEncryption::aes256;
  if (text == "aws:kms") return ServerSideEncryption::aws_kms;
  fail(ErrorKind::usage, "unknown server-side encryption '{}': use AES256 or aws:kms", text);
}

// One request, as the operations describe it; send() turns it into signed HTTP.
struct S3Client::Call {
  std::string method = "GET";
  std::string key;  // empty: the bucket itself
  std::vector<NameValue> query;
  std::vector<NameValue> headers;  // signed
  std::string_view body;
  std::string body_sha256;  // hex; computed from body when empty
  // 404 answers with these codes are results, not errors ("NotFound": no body, as for HEAD).
  // Any other 404 (NoSuchBucket above all) is an error.
  std::vector<std::string_view> absent_codes;
  // Answers with these statuses are results for the caller, not errors (412 to a request
  // with a precondition).
  std::vector<long> result_statuses;
  http::Timeouts timeouts;
  bool interruptible = true;
};

S3Client::S3Client(Endpoint endpoint, S3ClientOptions options)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      // As the AWS SDKs do: over TLS the record layer already protects the body in transit.
      unsigned_payload_(endpoint_.https() || options_.unsigned_payload_over_http) {}

std::string S3Client::describe(std::string_view key) const {
  return fmt::format("s3://{}/{}", endpoint_.bucket(), key);
}

http::Response S3Client::perform(const Call& call) {
  const Credentials credentials = options_.credentials->get();
  SigningInput input;
  input.method = call.method;
  const std::string path = endpoint_.path(call.key);
  input.path = path;
  input.query = call.query;
  input.headers = call.headers;
  input.headers.emplace_back("host", endpoint_.host());
  if (!options_.expected_bucket_owner.empty()) {
    input.headers.emplace_back("x-amz-expected-bucket-owner", options_.expected_bucket_owner);
  }
  input.payload_sha256 = call.body_sha256;
  input.region = endpoint_.region();
  input.service = "s3";
  input.time = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  input.path_rules = PathRules::s3;
  const SigningResult signature = sign_v4(input, credentials);

  http::Request request;
  request.method = call.method;
  request.url = endpoint_.url(call.key, call.query);
  for (const auto& [name, value] : input.headers) request.headers.push_back({name, value});
  for (const auto& [name, value] : signature.headers) request.headers.push_back({name, value});
  request.body = call.body;
  request.timeouts = call.timeouts;
  request.interruptible = call.interruptible;

  const auto start = std::chrono::steady_clock::now();
  http::Response response = options_.transport->perform(request);
  if (log::enabled(log::Level::debug)) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    log::debug("s3 request",
               {log::field("method", call.method), log::field("object", describe(call.key)),
                log::field("status", response.status), log::field("bytes", call.body.size()),
                log::field("ms", elapsed.count())});
  }
  return response;
}

void S3Client::check_answer(const Call& call, const http::Response& response) {
  if (response.status >= 200 && response.status < 300) return;
  if (std::find(call.result_statuses.begin(), call.result_statuses.end(), response.status) !=
      call.result_statuses.end()) {
    return;
  }
  const S3ErrorDetails details = parse_s3_error(response);
  if (response.status == 404 && std::find(call.absent_codes.begin(), call.absent_codes.end(),
                                          details.code) != call.absent_codes.end()) {
    return;
  }
  if (credentials_expired(details)) options_.credentials->invalidate();
  throw s3_error(details);
}

http::Response S3Client::send(const Call& call) {
  http::Response response = perform(call);
  check_answer(call, response);
  return response;
}

http::Response S3Client::execute(const std::string& what, const Call& call) {
  Call prepared = call;
  if (prepared.body_sha256.empty()) prepared.body_sha256 = hex_encode(sha256(call.body));
  return retry(
      options_.retry, what, [&] { return send(prepared); },
      options_.retry_clock != nullptr ? *options_.retry_clock : system_retry_clock());
}

void S3Client::add_write_options(Call& call) const {
  const ObjectWriteOptions& write = options_.write;
  switch (write.encryption) {
    case ServerSideEncryption::none:
      break;
    case ServerSideEncryption::aes256:
      call.headers.emplace_back("x-amz-server-side-encryption", "AES256");
      break;
    case ServerSideEncryption::aws_kms:
      call.headers.emplace_back("x-amz-server-side-encryption", "aws:kms");
      if (!write.kms_key_id.empty()) {
        call.headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", write.kms_key_id);
      }
      break;
  }
  if (!write.acl.empty()) call.headers.emplace_back("x-amz-acl", write.acl);
  if (!write.storage_class.empty()) {
    call.headers.emplace_back("x-amz-storage-class", write.storage_class);
  }
}

std::string S3Client::add_body_checksum(Call& call, std::string_view body,
                                        std::string_view known_sha256) const {
  const FlexibleChecksums support =
      unsigned_payload_ ? flexible_checksums_.load() : FlexibleChecksums::ignored;
  if (support == FlexibleChecksums::verified) {
    const std::string crc32c = crc32c_base64(body);
    call.headers.emplace_back("x-amz-checksum-crc32c", crc32c);
    call.body_sha256 = std::string(kUnsignedPayload);
    return crc32c;
  }
  // The signed SHA-256 is the checksum: S3 recomputes it and refuses a body that differs. It
  // is also stronger than Content-MD5 and, on CPUs with SHA extensions, faster.
  call.body_sha256 = known_sha256.empty() ? hex_encode(sha256(body)) : std::string(known_sha256);
  if (support == FlexibleChecksums::ignored) return "";
  // Not known yet whether the store checks CRC32Cs: one more (cheap) checksum, so that the
  // answer tells.
  const std::string crc32c = crc32c_base64(body);
  call.headers.emplace_back("x-amz-checksum-crc32c", crc32c);
  return crc32c;
}

void S3Client::learn_flexible_checksums(const http::Response& response,
                                        const std::string& sent_crc32c) {
  if (sent_crc32c.empty() || flexible_checksums_.load() != FlexibleChecksums::unknown) return;
  // A store that checks x-amz-checksum-crc32c answers with the value it computed (and refuses
  // the body with BadDigest when it differs). One that does not know the header says nothing.
  const auto echoed = response.header("x-amz-checksum-crc32c");
  const FlexibleChecksums learned =
      echoed && *echoed == sent_crc32c ? FlexibleChecksums::verified : FlexibleChecksums::ignored;
  FlexibleChecksums expected = FlexibleChecksums::unknown;
  if (flexible_checksums_.compare_exchange_strong(expected, learned)) {
    log::debug("S3 transport checksum",
               {log::field("bucket", endpoint_.bucket()),
                log::field("checksum", learned == FlexibleChecksums::verified
                                           ? "x-amz-checksum-crc32c, unsigned payload"
                                           : "signed payload (the store ignores CRC32C)")});
  }
}

std::string S3Client::put_object(const std::string& key, std::string_view body,
                                 std::string_view body_sha256) {
  Call call;
  call.method = "PUT";
  call.key = key;
  call.body = body;
  call.headers = {{"content-type", "application/octet-stream"}};
  const std::string crc32c = add_body_checksum(call, body, body_sha256);
  add_write_options(call);
  const http::Response response = execute("PUT " + describe(key), call);
  learn_flexible_checksums(response, crc32c);
  return strip_quotes(response.header("etag").value_or(""));
}

std::optional<std::string> S3Client::put_object_if_absent(const std::string& key,
                                                          std::string_view body) {
  return conditional_put(key, body, nullptr);
}

std::optional<std::string> S3Client::put_object_if_match(const std::string& key,
                                                         std::string_view body,
                                                         const std::string& etag) {
  return conditional_put(key, body, &etag);
}

std::optional<std::string> S3Client::conditional_put(const std::string& key, std::string_view body,
                                                     const std::string* expected_etag) {
  bool bare = bare_if_match_.load();
  std::string crc32c;  // as sent by the latest call made
  const auto make_call = [&] {
    Call call;
    call.method = "PUT";
    call.key = key;
    call.body = body;
    call.headers = {{"content-type", "application/octet-stream"}};
    crc32c = add_body_checksum(call, body);
    if (expected_etag == nullptr) {
      call.headers.emplace_back("if-none-match", "*");
    } else {
      call.headers.emplace_back("if-match", bare ? *expected_etag : "\"" + *expected_etag + "\"");
    }
    add_write_options(call);
    call.result_statuses = {412};
    // AWS answers If-Match on a missing key with 404 NoSuchKey: the condition did not hold.
    call.absent_codes = {"NoSuchKey"};
    return call;
  };
  Call call = make_call();

  const std::string what =
      expected_etag == nullptr
          ? fmt::format("PUT {} (If-None-Match: *)", describe(key))
          : fmt::format("PUT {} (If-Match: {})", describe(key), *expected_etag);
  return retry(
      options_.retry, what,
      [&]() -> std::optional<std::string> {
        const http::Response response = perform(call);
        // Throws for every other failure; 409 ConditionalRequestConflict is retryable.
        check_answer(call, response);
        if (response.status >= 200 && response.status < 300) {
          learn_flexible_checksums(response, crc32c);
          return strip_quotes(response.header("etag").value_or(""));
        }
        if (expected_etag != nullptr && response.status == 412 && !bare) {
          // RFC 7232 quotes the ETag, and AWS takes it so; Ceph RGW 16 compares the bare ETag
          // on PUT and refuses the quoted one. A refusal while the object still has the
          // expected ETag was of the form: resend with the bare ETag, from now on.
          const auto head = head_object(key);
          if (head && head->etag == *expected_etag) {
            bare = true;
            bare_if_match_ = true;
            call = make_call();
            throw Error(ErrorKind::storage_transient,
                        "412 PreconditionFailed for the quoted ETag of an unchanged object");
          }
        }
        // The condition failed, perhaps on our own write: an attempt whose answer was lost (a
        // timeout, a reset, a 5xx after which S3 may have acted) may have written the object,
        // and not every such attempt is seen here: libcurl resends a request on a reused
        // connection that died before any answer and reports only the second answer. So
        // every refusal is checked: the object is ours when it holds exactly our bytes.
        // pgexport's conditional objects name the writer's attempt token (manifests, commit
        // log entries) or a random one (probes), so another writer never sends the same bytes.
        auto current = get_object_with_etag(key);
        if (current && current->body == body) return std::move(current->etag);
        return std::nullopt;
      },
      options_.retry_clock != nullptr ? *options_.retry_clock : system_retry_clock());
}

std::string S3Client::create_multipart_upload(const std::string& key) {
  Call call;
  call.method = "POST";
  call.key = key;
  call.query = {{"uploads", ""}};
  call.headers = {{"content-type", "application/octet-stream"}};
  // Parts carry a CRC32C unless unsigned payloads are not allowed or the store ignores CRC32Cs
  // (add_body_checksum); AWS then wants the upload to name the algorithm. (An upload started
  // before any write has answered would name it for a store that later proves to ignore it,
  // which does no harm; in practice the destination's probe has answered long before.)
  if (unsigned_payload_ && flexible_checksums_.load() != FlexibleChecksums::ignored) {
    call.headers.emplace_back("x-amz-checksum-algorithm", "CRC32C");
  }
  add_write_options(call);
  const http::Response response = execute("CreateMultipartUpload " + describe(key), call);
  const XmlElement root = parse_xml(response.body);
  std::string upload_id = root.child_text("UploadId");
  if (upload_id.empty()) {
    fail(ErrorKind::storage_error, "CreateMultipartUpload {}: no UploadId in the answer",
         describe(key));
  }
  return upload_id;
}

CompletedPart S3Client::upload_part(const std::string& key, const std::string& upload_id,
                                    int number, std::string_view body) {
  CompletedPart part;
  part.number = number;
  Call call;
  call.method = "PUT";
  call.key = key;
  call.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  call.body = body;
  part.crc32c = add_body_checksum(call, body);
  const http::Response response =
      execute(fmt::format("UploadPart {} part {}", describe(key), number), call);
  learn_flexible_checksums(response, part.crc32c);
  part.etag = strip_quotes(response.header("etag").value_or(""));
  if (part.etag.empty()) {
    fail(ErrorKind::storage_error, "UploadPart {} part {}: no ETag in the answer", describe(key),
         number);
  }
  return part;
}

void S3Client::complete_multipart_upload(const std::string& key, const std::string& upload_id,
                                         const std::vector<CompletedPart>& parts) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& part : parts) {
    body += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag>", part.number,
                        xml_escape(part.etag));
    if (!part.crc32c.empty()) body += "<ChecksumCRC32C>" + part.crc32c + "</ChecksumCRC32C>";
    body += "</Part>";
  }
  body += "</CompleteMultipartUpload>";

  Call call;
  call.method = "POST";
  call.key = key;
  call.query = {{"uploadId", upload_id}};
  call.body = body;
  call.body_sha256 = hex_encode(sha256(body));
  call.headers = {{"content-type", "application/xml"}};
  // S3 may take minutes to assemble a large object; it keeps the connection alive by
  // sending whitespace every few seconds, so only a long silence means a dead connection.
  call.timeouts.low_speed_bytes_per_second = 1;
  call.timeouts.low_speed_window = std::chrono::seconds(120);

  const std::string what = "CompleteMultipartUpload " + describe(key);
  retry(
      options_.retry, what,
      [&](int attempt) {
        Call this_attempt = call;
        // A retry after a lost answer may find the upload already completed and gone.
        if (attempt > 1) this_attempt.absent_codes = {"NoSuchUpload"};
        const http::Response response = send(this_attempt);
        if (response.status == 404) {
          // Completed by an earlier attempt if the object is there, made of as many parts
          // as we sent (a multipart ETag ends in "-<parts>").
          const auto head = head_object(key);
          if (head && head->etag.ends_with(fmt::format("-{}", parts.size()))) return;
          fail(ErrorKind::storage_error, "404 NoSuchUpload (the upload was aborted meanwhile)");
        }
        // A 200 whose body is <Error>: the failure happened after S3 had sent the status.
        const XmlElement root = parse_xml(response.body);
        if (root.name == "Error") throw s3_error(parse_s3_error_body(500, response.body));
      },
      options_.retry_clock != nullptr ? *options_.retry_clock : system_retry_clock());
}

void S3Client::abort_multipart_upload(const std::string& key, const std::string& upload_id) {
  Call call;
  call.method = "DELETE";
  call.key = key;
  call.query = {{"uploadId", upload_id}};
  call.absent_codes = {"NoSuchUpload"};  // already aborted or completed
  call.interruptible = false;            // runs while the task stops, to leave no parts behind
  execute("AbortMultipartUpload " + describe(key), call);
}

ObjectListing S3Client::list_objects_page(const std::string& prefix,
                                          const std::string& continuation_token) {
  Call call;
  call.query = {{"list-type", "2"}, {"prefix", prefix}, {"encoding-type", "url"}};
  if (!continuation_token.empty())
    call.query.emplace_back("continuation-token", continuation_token);
  const http::Response response = execute("ListObjectsV2 " + describe(prefix), call);
  const XmlElement root = parse_xml(response.body);
  const auto decode = key_decoder(root);
  ObjectListing listing;
  for (const XmlElement* contents : root.children_named("Contents")) {
    listing.objects.push_back({decode(contents->child_text("Key")),
                               parse_size(contents->child_text("Size")),
                               strip_quotes(contents->child_text("ETag")),
                               parse_listing_time(contents->child_text("LastModified"))});
  }
  if (root.child_text("IsTruncated") == "true") {
    listing.next_continuation_token = root.child_text("NextContinuationToken");
    if (listing.next_continuation_token.empty()) {
      fail(ErrorKind::storage_error,
           "ListObjectsV2 {}: truncated listing without a continuation token", describe(prefix));
    }
  }
  return listing;
}

std::vector<ObjectSummary> S3Client::list_objects(const std::string& prefix) {
  std::vector<ObjectSummary> objects;
  std::string token;
  do {
    ObjectListing page = list_objects_page(prefix, token);
    std::move(page.objects.begin(), page.objects.end(), std::back_inserter(objects));
    token = std::move(page.next_continuation_token);
  } while (!token.empty());
  return objects;
}

std::vector<MultipartUploadSummary> S3Client::list_multipart_uploads(const std::string& prefix) {
  std::vector<MultipartUploadSummary> uploads;
  std::string key_marker;
  std::string upload_id_marker;
  for (;;) {
    Call call;
    call.query = {{"uploads", ""}, {"prefix", prefix}, {"encoding-type", "url"}};
    if (!key_marker.empty()) call.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) call.query.emplace_back("upload-id-marker", upload_id_marker);
    const http::Response response = execute("ListMultipartUploads " + describe(prefix), call);
    const XmlElement root = parse_xml(response.body);
    // Keys are decoded even without <EncodingType>: Ceph RGW 16 encodes them but leaves the
    // element out (and leaves NextKeyMarker unencoded).
    const auto first_on_page = uploads.size();
    for (const XmlElement* upload : root.children_named("Upload")) {
      uploads.push_back({url_decode(upload->child_text("Key")), upload->child_text("UploadId"),
                         parse_listing_time(upload->child_text("Initiated"))});
    }
    if (root.child_text("IsTruncated") != "true") break;
    // The next page starts after the last upload of this one (which is what NextKeyMarker and
    // NextUploadIdMarker say, but those come encoded or not depending on the server).
    if (uploads.size() == first_on_page) {
      fail(ErrorKind::storage_error, "ListMultipartUploads {}: a truncated page without uploads",
           describe(prefix));
    }
    std::string next_key = uploads.back().key;
    std::string next_upload = uploads.back().upload_id;
    if (next_key == key_marker && next_upload == upload_id_marker) {
      fail(ErrorKind::storage_error, "ListMultipartUploads {}: pagination does not advance",
           describe(prefix));
    }
    key_marker = std::move(next_key);
    upload_id_marker = std::move(next_upload);
  }
  return uploads;
}

void S3Client::delete_object(const std::string& key) {
  Call call;
  call.method = "DELETE";
  call.key = key;
  call.absent_codes = {"NoSuchKey"};  // S3 answers 204 anyway; some servers say 404
  execute("DeleteObject " + describe(key), call);
}

void S3Client::delete_objects(const std::vector<std::string>& keys) {
  for (size_t start = 0; start < keys.size(); start += kMaxKeysPerDelete) {
    const size_t end = std::min(keys.size(), start + kMaxKeysPerDelete);
    // Quiet mode: the answer lists only the keys that could not be deleted.
    std::string body =
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
    for (size_t i = start; i < end; ++i) {
      body += "<Object><Key>" + xml_escape(keys[i]) + "</Key></Object>";
    }
    body += "</Delete>";
    Call call;
    call.method = "POST";
    call.query = {{"delete", ""}};
    call.body = body;
    call.headers = {{"content-type", "application/xml"}, {"content-md5", md5_base64(body)}};
    const http::Response response = execute(
        fmt::format("DeleteObjects {} ({} keys)", describe(keys[start]), end - start), call);
    const XmlElement root = parse_xml(response.body);
    const auto errors = root.children_named("Error");
    if (!errors.empty()) {
      const XmlElement& first = *errors.front();
      fail(ErrorKind::storage_error, "DeleteObjects: {} of {} keys not deleted, e.g. {}: {} {}",
           errors.size(), end - start, describe(first.child_text("Key")), first.child_text("Code"),
           first.child_text("Message"));
    }
  }
}

std::optional<std::string> S3Client::get_object(const std::string& key) {
  auto object = get_object_with_etag(key);
  if (!object) return std::nullopt;
  return std::move(object->body);
}

std::optional<ObjectData> S3Client::get_object_with_etag(const std::string& key) {
  Call call;
  call.key = key;
  call.absent_codes = {"NoSuchKey"};
  http::Response response = execute("GET " + describe(key), call);
  if (response.status == 404) return std::nullopt;
  std::string etag = strip_quotes(response.header("etag").value_or(""));
  return ObjectData{std::move(response.body), std::move(etag)};
}

std::optional<std::string> S3Client::get_object_range(const std::string& key, uint64_t first,
                                                      uint64_t last, const std::string& etag) {
  Call call;
  call.key = key;
  call.headers = {{"range", fmt::format("bytes={}-{}", first, last)},
                  {"if-match", "\"" + etag + "\""}};
  call.absent_codes = {"NoSuchKey"};
  call.result_statuses = {412};
  const std::string what = fmt::format("GET {} bytes {}-{}", describe(key), first, last);
  http::Response response = execute(what, call);
  if (response.status == 404) return std::nullopt;
  if (response.status == 412) {
    fail(ErrorKind::storage_transient,
         "{}: the object changed while it was being read (it no longer has ETag {}); read it "
         "again",
         what, etag);
  }
  // A server that ignores Range answers 200 with the whole object: acceptable only when that
  // is the range asked for, since memory must not grow with the object.
  const uint64_t expected = last - first + 1;
  if (response.status != 206 && !(first == 0 && response.body.size() <= expected)) {
    fail(ErrorKind::storage_error, "{}: the server ignored the Range header (status {})", what,
         response.status);
  }
  return std::move(response.body);
}

std::optional<ObjectHead> S3Client::head_object(const std::string& key) {
  Call call;
  call.method = "HEAD";
  call.key = key;
  call.absent_codes = {"NotFound"};  // HEAD answers have no body to tell NoSuchBucket apart
  const http::Response response = execute("HEAD " + describe(key), call);
  if (response.status == 404) return std::nullopt;
  std::optional<TimePoint> modified;
  if (auto text = response.header("last-modified")) modified = http::parse_http_date(*text);
  return ObjectHead{parse_size(response.header("content-length").value_or("0")),
                    strip_quotes(response.header("etag").value_or("")), modified};
}

void S3Client::head_bucket() {
  Call call;
  call.method = "HEAD";
  execute(fmt::format("HeadBucket s3://{}", endpoint_.bucket()), call);
}

}  // namespace pgexport::s3
