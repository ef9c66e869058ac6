// An in-memory S3 behind the HttpTransport seam, for unit tests: it understands the calls
// S3Client makes (path-style URLs), checks what real S3 checks (signature present,
// Content-MD5, x-amz-checksum-crc32c, x-amz-content-sha256 against the body), and lets a
// test inject failures per operation: an HTTP error answer or a transport error, for the
// next N calls, optionally only for one part number. Thread-safe (parts upload in parallel).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
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

  std::map<std::string, std::string> objects() const {
    std::lock_guard lock(mutex_);
    return objects_;
  }
  void put(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    objects_[key] = value;
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
    {
      std::lock_guard lock(mutex_);
      calls_.push_back({operation, request.method, request.url, request.headers,
                        request.body.size(), part_number});
      for (auto it = injections_.begin(); it != injections_.end(); ++it) {
        if (it->operation != operation || it->times <= 0) continue;
        if (it->part_number != 0 && it->part_number != part_number) continue;
        --it->times;
        if (it->transport_error) throw Error(*it->transport_error, "connection reset (injected)");
        http::Response response;
        response.status = it->status;
        response.body = !it->body.empty() ? it->body : error_body(it->code);
        return response;
      }
    }
    if (auto problem = check_request(request)) return *problem;
    if (operation == "UploadPart") {
      const int now = ++concurrent_parts_;
      int seen = max_concurrent_parts_.load();
      while (now > seen && !max_concurrent_parts_.compare_exchange_weak(seen, now)) {
      }
      if (part_delay_.count() > 0) std::this_thread::sleep_for(part_delay_);
      --concurrent_parts_;
    }
    std::lock_guard lock(mutex_);
    return answer(operation, request, key, query);
  }

 private:
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
        crc && *crc != crc32c_base64(request.body)) {
      return error(400, "BadDigest");
    }
    return std::nullopt;
  }

  http::Response answer(const std::string& operation, const http::Request& request,
                        const std::string& key, std::map<std::string, std::string>& query) {
    if (operation == "PutObject") {
      objects_[key] = std::string(request.body);
      etags_[key] = hex_encode(md5(request.body));
      return ok("", {{"ETag", "\"" + hex_encode(md5(request.body)) + "\""}});
    }
    if (operation == "CreateMultipartUpload") {
      const std::string id = "upload-" + std::to_string(++next_upload_);
      uploads_[id] = {key, {}};
      return ok("<InitiateMultipartUploadResult><Bucket>" + bucket_ + "</Bucket><Key>" +
                xml_escape(key) + "</Key><UploadId>" + id +
                "</UploadId></InitiateMultipartUploadResult>");
    }
    if (operation == "UploadPart") {
      auto upload = uploads_.find(query["uploadId"]);
      if (upload == uploads_.end()) return error(404, "NoSuchUpload");
      upload->second.parts[std::stoi(query["partNumber"])] = std::string(request.body);
      return ok("", {{"ETag", "\"" + hex_encode(md5(request.body)) + "\""}});
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
      objects_[upload->second.key] = assembled;
      etags_[upload->second.key] = "x-" + std::to_string(parts.size());
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
      return ok(found->second);
    }
    if (operation == "HeadObject") {
      auto found = objects_.find(key);
      if (found == objects_.end()) {
        http::Response response;
        response.status = 404;
        return response;
      }
      return ok("", {{"Content-Length", std::to_string(found->second.size())},
                     {"ETag", "\"" + etags_[key] + "\""}});
    }
    if (operation == "HeadBucket") return ok();
    if (operation == "ListObjectsV2") {
      const std::string& prefix = query["prefix"];
      const std::string after = query["continuation-token"];
      std::string body = "<ListBucketResult>";
      size_t listed = 0;
      std::string last;
      bool truncated = false;
      for (const auto& [name, value] : objects_) {
        if (!name.starts_with(prefix) || (!after.empty() && name <= after)) continue;
        if (listed == page_size_) {
          truncated = true;
          break;
        }
        body += "<Contents><Key>" + xml_escape(name) + "</Key><Size>" +
                std::to_string(value.size()) + "</Size></Contents>";
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
      std::string body = "<ListMultipartUploadsResult>";
      size_t listed = 0;
      std::string last_id, last_key;
      bool truncated = false;
      for (const auto& [id, upload] : uploads_) {
        if (!upload.key.starts_with(prefix) || (!after.empty() && id <= after)) continue;
        if (listed == page_size_) {
          truncated = true;
          break;
        }
        body += "<Upload><Key>" + xml_escape(upload.key) + "</Key><UploadId>" + id +
                "</UploadId></Upload>";
        last_id = id;
        last_key = upload.key;
        ++listed;
      }
      body += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
      if (truncated) {
        body += "<NextKeyMarker>" + xml_escape(last_key) + "</NextKeyMarker><NextUploadIdMarker>" +
                last_id + "</NextUploadIdMarker>";
      }
      return ok(body + "</ListMultipartUploadsResult>");
    }
    return error(501, "NotImplemented");
  }

  struct Upload {
    std::string key;
    std::map<int, std::string> parts;
  };

  const std::string bucket_;
  mutable std::mutex mutex_;
  std::vector<Injection> injections_;
  std::vector<RecordedCall> calls_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, std::string> etags_;
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 0;
  size_t page_size_ = 1000;
  std::chrono::milliseconds part_delay_{0};
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

// A client for the fake: path style on http://fake.test, static credentials, instant retries.
inline std::shared_ptr<S3Client> make_test_client(std::shared_ptr<FakeS3> fake,
                                                  ObjectWriteOptions write = {},
                                                  std::string expected_bucket_owner = "") {
  EndpointOptions endpoint;
  endpoint.region = "us-east-1";
  endpoint.endpoint_url = "http://fake.test";
  S3ClientOptions options;
  options.transport = std::move(fake);
  options.credentials = std::make_shared<StaticCredentialsProvider>(test_credentials());
  options.write = std::move(write);
  options.expected_bucket_owner = std::move(expected_bucket_owner);
  options.retry_clock = &instant_retry_clock();
  return std::make_shared<S3Client>(Endpoint("bucket", endpoint), std::move(options));
}

}  // namespace pgexport::s3::testing
