// An in-memory S3 behind the HttpTransport seam, for unit tests: it understands the calls
// S3Client makes (path-style URLs), checks what real S3 checks (signature present,
// Content-MD5, x-amz-checksum-crc32c, x-amz-content-sha256 against the body; a store that
// ignores flexible checksums can be chosen), counts data writes that no checksum it verifies
// covers, honours
// If-None-Match / If-Match on PutObject and Range / If-Match on GetObject as AWS does, and
// lets a test inject failures per operation: an HTTP error answer or a transport error
// (before the request is acted on, or after: a lost answer), for the next N calls,
// optionally only for one part number. Thread-safe (parts upload in parallel).
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/retry.hpp"
#include "http/http.hpp"
#include "storage/s3/checksum.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/xml.hpp"

namespace pgexport::s3::testing {

struct Injection {
  std::string operation;  // "UploadPart", "PutObject", ... (see FakeS3::operation_of)
  int times = 1;          // how many matching calls fail
  int part_number = 0;    // UploadPart only: 0 matches any part
  // Either an HTTP answer...
  long status = 503;
  std::string code = "SlowDown";
  std::string body;  // overrides the <Error> body built from code when set
  // ...or a transport failure (connection reset), when set.
  std::optional<ErrorKind> transport_error;
  // With transport_error: the server acts on the request first, and only its answer is lost.
  bool after_acting = false;

  static Injection answer(std::string operation, int times, long status, std::string code,
                          int part_number = 0) {
    Injection injection;
    injection.operation = std::move(operation);
    injection.times = times;
    injection.status = status;
    injection.code = std::move(code);
    injection.part_number = part_number;
    return injection;
  }
  static Injection answer_body(std::string operation, int times, long status, std::string body) {
    Injection injection = answer(std::move(operation), times, status, "");
    injection.body = std::move(body);
    return injection;
  }
  static Injection connection_reset(std::string operation, int times, int part_number = 0) {
    Injection injection = answer(std::move(operation), times, 0, "", part_number);
    injection.transport_error = ErrorKind::storage_transient;
    return injection;
  }
  // The request reaches the server and is acted on; the connection drops before the answer.
  static Injection lost_answer(std::string operation, int times) {
    Injection injection = connection_reset(std::move(operation), times);
    injection.after_acting = true;
    return injection;
  }
};

struct RecordedCall {
  std::string operation;
  std::string method;
  std::string url;
  http::Headers headers;
  size_t body_size = 0;
  int part_number = 0;
};

class FakeS3 final : public http::HttpTransport {
 public:
  explicit FakeS3(std::string bucket = "bucket") : bucket_(std::move(bucket)) {}

  void inject(Injection injection) {
    std::lock_guard lock(mutex_);
    injections_.push_back(std::move(injection));
  }
  // Keys per ListObjectsV2 / uploads per ListMultipartUploads page: small to test paging.
  void set_page_size(size_t size) { page_size_ = size; }
  // Each UploadPart takes this long: makes parts overlap so concurrency can be observed.
  void set_part_delay(std::chrono::milliseconds delay) { part_delay_ = delay; }
  // Holds every UploadPart until `parts` of them are in flight at once (then lets all pass,
  // for good), so a test sees parallel uploads without relying on timing. A writer that never
  // has that many in flight is released after 10 s, and the test's own check then fails.
  void set_part_gate(int parts) { part_gate_ = parts; }

  std::map<std::string, std::string> objects() const {
    std::lock_guard lock(mutex_);
    return objects_;
  }
  void put(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    store(key, value, hex_encode(md5(value)));
  }
  // An S3-compatible store that ignores If-None-Match and If-Match, as some do.
  void set_ignore_conditions(bool ignore) {
    std::lock_guard lock(mutex_);
    ignore_conditions_ = ignore;
  }
  // Ceph RGW 16's PutObject compares If-Match with the bare ETag and refuses the quoted one.
  void set_bare_if_match(bool bare) {
    std::lock_guard lock(mutex_);
    bare_if_match_ = bare;
  }
  // Whether x-amz-checksum-crc32c is verified and echoed in PutObject and UploadPart answers,
  // as AWS does (the default), or ignored altogether, as Ceph RGW 16 does.
  void set_flexible_checksums(bool verified) {
    std::lock_guard lock(mutex_);
    flexible_checksums_ = verified;
  }
  // PutObject and UploadPart requests whose body no checksum this store verifies covered: an
  // unsigned payload without Content-MD5 and without a CRC32C the store checks.
  int unverified_writes() const {
    std::lock_guard lock(mutex_);
    return unverified_writes_;
  }
  // Time stamps of later writes, uploads and listings (default: a fixed moment).
  void set_now(std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mutex_);
    now_ = now;
  }
  size_t open_uploads() const {
    std::lock_guard lock(mutex_);
    return uploads_.size();
  }
  std::vector<RecordedCall> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int count(const std::string& operation) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& call : calls_) n += call.operation == operation;
    return n;
  }
  int max_concurrent_parts() const { return max_concurrent_parts_.load(); }

  static std::string operation_of(const std::string& method, const std::string& key,
                                  const std::map<std::string, std::string>& query) {
    const bool has_upload = query.count("uploadId") > 0;
    if (method == "PUT") return query.count("partNumber") ? "UploadPart" : "PutObject";
    if (method == "POST") {
      if (query.count("uploads")) return "CreateMultipartUpload";
      if (has_upload) return "CompleteMultipartUpload";
      if (query.count("delete")) return "DeleteObjects";
    }
    if (method == "DELETE") return has_upload ? "AbortMultipartUpload" : "DeleteObject";
    if (method == "GET") {
      if (query.count("list-type")) return "ListObjectsV2";
      if (query.count("uploads")) return "ListMultipartUploads";
      return "GetObject";
    }
    if (method == "HEAD") return key.empty() ? "HeadBucket" : "HeadObject";
    return "Unknown";
  }

  http::Response perform(const http::Request& request) override {
    std::string key;
    std::map<std::string, std::string> query;
    parse_url(request.url, key, query);
    const std::string operation = operation_of(request.method, key, query);
    const int part_number = query.count("partNumber") ? std::stoi(query["partNumber"]) : 0;
    bool lose_answer = false;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back({operation, request.method, request.url, request.headers,
                        request.body.size(), part_number});
      for (auto it = injections_.begin(); it != injections_.end(); ++it) {
        if (it->operation != operation || it->times <= 0) continue;
        if (it->part_number != 0 && it->part_number != part_number) continue;
        --it->times;
        if (it->transport_error && it->after_acting) {
          lose_answer = true;
          break;
        }
        if (it->transport_error) throw Error(*it->transport_error, "connection reset (injected)");
        http::Response response;
        response.status = it->status;
        response.body = !it->body.empty() ? it->body : error_body(it->code);
        return response;
      }
    }
    if (auto problem = check_request(request)) return *problem;
    if (operation == "PutObject" || operation == "UploadPart") {
      std::lock_guard lock(mutex_);
      if (!verified_checksum(request)) ++unverified_writes_;
    }
    if (operation == "UploadPart") {
      const int now = ++concurrent_parts_;
      int seen = max_concurrent_parts_.load();
      while (now > seen && !max_concurrent_parts_.compare_exchange_weak(seen, now)) {
      }
      if (part_gate_ > 0) {
        std::unique_lock gate(gate_mutex_);
        if (now >= part_gate_) gate_open_ = true;
        gate_changed_.notify_all();
        gate_changed_.wait_for(gate, std::chrono::seconds(10), [&] { return gate_open_; });
      }
      if (part_delay_.count() > 0) std::this_thread::sleep_for(part_delay_);
      --concurrent_parts_;
    }
    std::lock_guard lock(mutex_);
    http::Response response = answer(operation, request, key, query);
    if (lose_answer) throw Error(ErrorKind::storage_transient, "connection reset (injected)");
    return response;
  }

  // "Sun, 06 Nov 1994 08:49:37 GMT" and "1994-11-06T08:49:37.000Z".
  static std::string http_date(std::chrono::system_clock::time_point time) {
    return format_time(time, "%a, %d %b %Y %H:%M:%S GMT");
  }
  static std::string iso_time(std::chrono::system_clock::time_point time) {
    return format_time(time, "%Y-%m-%dT%H:%M:%S.000Z");
  }

  // What encoding-type=url does to a key: every byte but unreserved ones as %XX, except the
  // space, which AWS sends as '+'.
  static std::string url_encode(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }

 private:
  static std::string format_time(std::chrono::system_clock::time_point time, const char* format) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char text[64];
    std::strftime(text, sizeof text, format, &parts);
    return text;
  }

  void store(const std::string& key, std::string value, std::string etag) {
    objects_[key] = std::move(value);
    etags_[key] = std::move(etag);
    modified_[key] = now_;
  }

  http::Headers object_headers(const std::string& key) {
    return {{"ETag", "\"" + etags_[key] + "\""}, {"Last-Modified", http_date(modified_[key])}};
  }

  static std::string error_body(const std::string& code) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
           "</Code><Message></Message><RequestId>fake-request</RequestId></Error>";
  }
  static http::Response error(long status, const std::string& code) {
    http::Response response;
    response.status = status;
    response.body = error_body(code);
    return response;
  }
  static http::Response ok(std::string body = "", http::Headers headers = {}) {
    http::Response response;
    response.status = 200;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
  }

  static std::string decode(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  }

  // "http://host/bucket/key?query" (path style).
  void parse_url(const std::string& url, std::string& key,
                 std::map<std::string, std::string>& query) const {
    std::string rest = url.substr(url.find("://") + 3);
    rest = rest.substr(rest.find('/'));
    std::string path = rest;
    if (size_t question = rest.find('?'); question != std::string::npos) {
      path = rest.substr(0, question);
      std::string query_text = rest.substr(question + 1);
      size_t start = 0;
      while (start <= query_text.size()) {
        size_t end = query_text.find('&', start);
        if (end == std::string::npos) end = query_text.size();
        std::string part = query_text.substr(start, end - start);
        size_t equals = part.find('=');
        query[decode(part.substr(0, equals))] =
            equals == std::string::npos ? "" : decode(part.substr(equals + 1));
        start = end + 1;
      }
    }
    const std::string bucket_path = "/" + bucket_;
    path = path.substr(bucket_path.size());
    key = path.empty() ? "" : decode(path.substr(1));
  }

  // What S3 itself rejects: missing signature, and bodies that do not match their digests.
  std::optional<http::Response> check_request(const http::Request& request) const {
    if (!find_header(request.headers, "authorization")) return error(403, "AccessDenied");
    const auto sha = find_header(request.headers, "x-amz-content-sha256");
    if (!sha || (*sha != "UNSIGNED-PAYLOAD" && *sha != hex_encode(sha256(request.body)))) {
      return error(400, "XAmzContentSHA256Mismatch");
    }
    if (auto md5 = find_header(request.headers, "content-md5");
        md5 && *md5 != md5_base64(request.body)) {
      return error(400, "BadDigest");
    }
    if (auto crc = find_header(request.headers, "x-amz-checksum-crc32c");
        crc && flexible_checksums() && *crc != crc32c_base64(request.body)) {
      return error(400, "BadDigest");
    }
    return std::nullopt;
  }

  bool flexible_checksums() const {
    std::lock_guard lock(mutex_);
    return flexible_checksums_;
  }

  // Whether the body came with a checksum this store checked (check_request passed).
  bool verified_checksum(const http::Request& request) const {
    if (find_header(request.headers, "x-amz-content-sha256") != "UNSIGNED-PAYLOAD") return true;
    if (find_header(request.headers, "content-md5")) return true;
    return flexible_checksums_ && find_header(request.headers, "x-amz-checksum-crc32c");
  }

  // What a store that verifies flexible checksums answers: the CRC32C it computed.
  http::Headers checksum_echo(const http::Request& request) const {
    if (!flexible_checksums_ || !find_header(request.headers, "x-amz-checksum-crc32c")) return {};
    return {{"x-amz-checksum-crc32c", crc32c_base64(request.body)}};
  }

  http::Response answer(const std::string& operation, const http::Request& request,
                        const std::string& key, std::map<std::string, std::string>& query) {
    if (operation == "PutObject") {
      const bool exists = objects_.count(key) > 0;
      if (!ignore_conditions_) {
        if (find_header(request.headers, "if-none-match") == "*" && exists) {
          return error(412, "PreconditionFailed");
        }
        if (auto expected = find_header(request.headers, "if-match")) {
          if (!exists) return error(404, "NoSuchKey");  // what AWS answers
          const std::string wanted = bare_if_match_ ? etags_[key] : "\"" + etags_[key] + "\"";
          if (*expected != wanted) return error(412, "PreconditionFailed");
        }
      }
      store(key, std::string(request.body), hex_encode(md5(request.body)));
      http::Headers headers = {{"ETag", "\"" + etags_[key] + "\""}};
      for (auto& echo : checksum_echo(request)) headers.push_back(std::move(echo));
      return ok("", std::move(headers));
    }
    if (operation == "CreateMultipartUpload") {
      const std::string id = "upload-" + std::to_string(++next_upload_);
      uploads_[id] = {key, {}, now_};
      return ok("<InitiateMultipartUploadResult><Bucket>" + bucket_ + "</Bucket><Key>" +
                xml_escape(key) + "</Key><UploadId>" + id +
                "</UploadId></InitiateMultipartUploadResult>");
    }
    if (operation == "UploadPart") {
      auto upload = uploads_.find(query["uploadId"]);
      if (upload == uploads_.end()) return error(404, "NoSuchUpload");
      upload->second.parts[std::stoi(query["partNumber"])] = std::string(request.body);
      http::Headers headers = {{"ETag", "\"" + hex_encode(md5(request.body)) + "\""}};
      for (auto& echo : checksum_echo(request)) headers.push_back(std::move(echo));
      return ok("", std::move(headers));
    }
    if (operation == "CompleteMultipartUpload") {
      auto upload = uploads_.find(query["uploadId"]);
      if (upload == uploads_.end()) return error(404, "NoSuchUpload");
      const XmlElement root = parse_xml(request.body);
      std::string assembled;
      int previous = 0;
      const auto parts = root.children_named("Part");
      for (const XmlElement* part : parts) {
        const int number = std::stoi(part->child_text("PartNumber"));
        auto stored = upload->second.parts.find(number);
        if (number <= previous) return error(400, "InvalidPartOrder");
        if (stored == upload->second.parts.end() ||
            part->child_text("ETag") != "\"" + hex_encode(md5(stored->second)) + "\"") {
          return error(400, "InvalidPart");
        }
        previous = number;
        assembled += stored->second;
      }
      store(upload->second.key, assembled, "x-" + std::to_string(parts.size()));
      uploads_.erase(upload);
      return ok("<CompleteMultipartUploadResult><ETag>\"x-" + std::to_string(parts.size()) +
                "\"</ETag></CompleteMultipartUploadResult>");
    }
    if (operation == "AbortMultipartUpload") {
      if (uploads_.erase(query["uploadId"]) == 0) return error(404, "NoSuchUpload");
      http::Response response = ok();
      response.status = 204;
      return response;
    }
    if (operation == "DeleteObject") {
      objects_.erase(key);
      http::Response response = ok();
      response.status = 204;
      return response;
    }
    if (operation == "DeleteObjects") {
      const XmlElement root = parse_xml(request.body);
      for (const XmlElement* object : root.children_named("Object")) {
        objects_.erase(object->child_text("Key"));
      }
      return ok("<DeleteResult></DeleteResult>");
    }
    if (operation == "GetObject") {
      auto found = objects_.find(key);
      if (found == objects_.end()) return error(404, "NoSuchKey");
      if (auto expected = find_header(request.headers, "if-match");
          expected && *expected != "\"" + etags_[key] + "\"") {
        return error(412, "PreconditionFailed");
      }
      const std::string& value = found->second;
      const auto range = find_header(request.headers, "range");
      if (!range) return ok(value, object_headers(key));
      // "bytes=<first>-<last>", the only form S3Client sends.
      const std::string text(range->substr(std::string_view("bytes=").size()));
      const uint64_t first = std::stoull(text.substr(0, text.find('-')));
      const uint64_t last = std::stoull(text.substr(text.find('-') + 1));
      if (first >= value.size()) return error(416, "InvalidRange");
      const uint64_t end = std::min<uint64_t>(last + 1, value.size());
      http::Response response = ok(value.substr(first, end - first), object_headers(key));
      response.status = 206;
      response.headers.push_back({"Content-Range", "bytes " + std::to_string(first) + "-" +
                                                       std::to_string(end - 1) + "/" +
                                                       std::to_string(value.size())});
      return response;
    }
    if (operation == "HeadObject") {
      auto found = objects_.find(key);
      if (found == objects_.end()) {
        http::Response response;
        response.status = 404;
        return response;
      }
      http::Headers headers = object_headers(key);
      headers.push_back({"Content-Length", std::to_string(found->second.size())});
      return ok("", headers);
    }
    if (operation == "HeadBucket") return ok();
    if (operation == "ListObjectsV2") {
      const std::string& prefix = query["prefix"];
      const std::string after = query["continuation-token"];
      const bool encode = query["encoding-type"] == "url";
      std::string body = "<ListBucketResult>";
      if (encode) body += "<EncodingType>url</EncodingType>";
      size_t listed = 0;
      std::string last;
      bool truncated = false;
      for (const auto& [name, value] : objects_) {
        if (!name.starts_with(prefix) || (!after.empty() && name <= after)) continue;
        if (listed == page_size_) {
          truncated = true;
          break;
        }
        body += "<Contents><Key>" + xml_escape(encode ? url_encode(name) : name) + "</Key><Size>" +
                std::to_string(value.size()) + "</Size><ETag>&quot;" + etags_[name] +
                "&quot;</ETag><LastModified>" + iso_time(modified_[name]) +
                "</LastModified></Contents>";
        last = name;
        ++listed;
      }
      body += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
      if (truncated)
        body += "<NextContinuationToken>" + xml_escape(last) + "</NextContinuationToken>";
      return ok(body + "</ListBucketResult>");
    }
    if (operation == "ListMultipartUploads") {
      const std::string& prefix = query["prefix"];
      const std::string after = query["upload-id-marker"];
      const bool encode = query["encoding-type"] == "url";
      const auto encoded = [&](const std::string& text) {
        return encode ? url_encode(text) : text;
      };
      std::string body = "<ListMultipartUploadsResult>";
      if (encode) body += "<EncodingType>url</EncodingType>";
      size_t listed = 0;
      std::string last_id, last_key;
      bool truncated = false;
      for (const auto& [id, upload] : uploads_) {
        if (!upload.key.starts_with(prefix) || (!after.empty() && id <= after)) continue;
        if (listed == page_size_) {
          truncated = true;
          break;
        }
        body += "<Upload><Key>" + xml_escape(encoded(upload.key)) + "</Key><UploadId>" + id +
                "</UploadId><Initiated>" + iso_time(upload.initiated) + "</Initiated></Upload>";
        last_id = id;
        last_key = upload.key;
        ++listed;
      }
      body += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
      if (truncated) {
        body += "<NextKeyMarker>" + xml_escape(encoded(last_key)) +
                "</NextKeyMarker><NextUploadIdMarker>" + last_id + "</NextUploadIdMarker>";
      }
      return ok(body + "</ListMultipartUploadsResult>");
    }
    return error(501, "NotImplemented");
  }

  struct Upload {
    std::string key;
    std::map<int, std::string> parts;
    std::chrono::system_clock::time_point initiated;
  };

  const std::string bucket_;
  mutable std::mutex mutex_;
  std::vector<Injection> injections_;
  std::vector<RecordedCall> calls_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, std::string> etags_;
  std::map<std::string, std::chrono::system_clock::time_point> modified_;
  bool ignore_conditions_ = false;
  bool bare_if_match_ = false;
  bool flexible_checksums_ = true;
  int unverified_writes_ = 0;
  // 2026-03-01T12:00:00Z: a fixed moment, so tests can compare times exactly.
  std::chrono::system_clock::time_point now_{std::chrono::seconds(1'772'366'400)};
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 0;
  size_t page_size_ = 1000;
  std::chrono::milliseconds part_delay_{0};
  int part_gate_ = 0;
  std::mutex gate_mutex_;
  std::condition_variable gate_changed_;
  bool gate_open_ = false;
  std::atomic<int> concurrent_parts_{0};
  std::atomic<int> max_concurrent_parts_{0};
};

// Retries without waiting: tests exercise the retry paths at full speed.
class InstantRetryClock final : public RetryClock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds) override {}
  std::chrono::milliseconds jitter(std::chrono::milliseconds upper) override { return upper; }
};

inline InstantRetryClock& instant_retry_clock() {
  static InstantRetryClock clock;
  return clock;
}

inline Credentials test_credentials() {
  return Credentials{"AKIDTESTTESTTEST", "test-secret-key", "", std::nullopt, "test"};
}

// A client for the fake (or any transport): path style on http://fake.test, static credentials,
// instant retries.
// How a test client reaches the fake: over plain HTTP by default (signed payloads).
struct TestTransportSetup {
  std::string endpoint_url = "http://fake.test";
  bool unsigned_payload_over_http = false;
};

inline std::shared_ptr<S3Client> make_test_client(std::shared_ptr<http::HttpTransport> fake,
                                                  ObjectWriteOptions write = {},
                                                  std::string expected_bucket_owner = "",
                                                  TestTransportSetup setup = {}) {
  EndpointOptions endpoint;
  endpoint.region = "us-east-1";
  endpoint.endpoint_url = setup.endpoint_url;
  S3ClientOptions options;
  options.unsigned_payload_over_http = setup.unsigned_payload_over_http;
  options.transport = std::move(fake);
  options.credentials = std::make_shared<StaticCredentialsProvider>(test_credentials());
  options.write = std::move(write);
  options.expected_bucket_owner = std::move(expected_bucket_owner);
  options.retry_clock = &instant_retry_clock();
  return std::make_shared<S3Client>(Endpoint("bucket", endpoint), std::move(options));
}

}  // namespace pgexport::s3::testing
