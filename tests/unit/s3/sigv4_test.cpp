#include "storage/s3/sigv4.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/digest.hpp"

namespace pgexport::s3 {
namespace {

namespace fs = std::filesystem;

std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour = 0,
                                          int minute = 0, int second = 0) {
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
         hours{hour} + minutes{minute} + seconds{second};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

fs::path suite_directory() {
  if (const char* dir = std::getenv("PGEXPORT_SIGV4_SUITE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  // The suite ships with the project (Apache 2.0; its LICENSE and NOTICE beside it).
  return fs::path(PGEXPORT_SOURCE_DIR) / "tests/data/aws-sig-v4-test-suite/aws-sig-v4-test-suite";
}

// A request from the suite's .req format: "METHOD PATH[?QUERY] HTTP/1.1", header lines
// ("Name:value"; a line starting with whitespace continues the previous header and the
// suite treats it as another value), a blank line, the body.
struct SuiteRequest {
  std::string method;
  std::string path;
  std::vector<NameValue> query;
  std::vector<NameValue> headers;
  std::string body;
};

std::string trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

SuiteRequest parse_request(const std::string& text) {
  SuiteRequest request;
  std::vector<std::string> lines;
  size_t body_start = std::string::npos;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.empty() && !lines.empty()) {
      body_start = end + 1;
      break;
    }
    lines.push_back(line);
    start = end + 1;
  }
  if (body_start != std::string::npos && body_start <= text.size()) {
    request.body = text.substr(body_start);
  }

  const std::string& first = lines.at(0);
  const size_t method_end = first.find(' ');
  const size_t target_end = first.rfind(" HTTP/");
  request.method = first.substr(0, method_end);
  std::string target = first.substr(method_end + 1, target_end - method_end - 1);
  if (size_t question = target.find('?'); question != std::string::npos) {
    std::string query = target.substr(question + 1);
    target.resize(question);
    std::stringstream parts(query);
    std::string part;
    while (std::getline(parts, part, '&')) {
      size_t equals = part.find('=');
      if (equals == std::string::npos) {
        request.query.emplace_back(part, "");
      } else {
        request.query.emplace_back(part.substr(0, equals), part.substr(equals + 1));
      }
    }
  }
  request.path = target;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      request.headers.emplace_back(request.headers.back().first, trim(line));
      continue;
    }
    size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  return request;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
                                    std::nullopt, "test"};

struct SuiteCase {
  fs::path directory;
  std::string name;
};

std::vector<SuiteCase> suite_cases() {
  std::vector<SuiteCase> cases;
  const fs::path root = suite_directory();
  if (!fs::is_directory(root)) return cases;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() == ".req") {
      cases.push_back({entry.path().parent_path(), entry.path().stem().string()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const SuiteCase& a, const SuiteCase& b) { return a.name < b.name; });
  return cases;
}

bool suite_data_is_inconsistent(const std::string& creq, const std::string& sts);

// Runs one case of the suite and compares all three intermediate results exactly.
void run_suite_case(const SuiteCase& suite_case) {
  SCOPED_TRACE(suite_case.name);
  const fs::path base = suite_case.directory / suite_case.name;
  SuiteRequest request = parse_request(read_file(base.string() + ".req"));

  // x-amz-date and x-amz-security-token are the signer's to add: take them out of the
  // request, sign with the same values, and check the signer produced them.
  Credentials credentials = kSuiteCredentials;
  std::string date_header;
  std::vector<NameValue> headers;
  for (auto& [name, value] : request.headers) {
    if (lowercase(name) == "x-amz-date") {
      date_header = value;
    } else if (lowercase(name) == "x-amz-security-token") {
      credentials.session_token = value;
    } else {
      headers.emplace_back(name, value);
    }
  }
  ASSERT_EQ(date_header, "20150830T123600Z");

  const std::string payload_hash = hex_encode(sha256(request.body));
  SigningInput input;
  input.method = request.method;
  input.path = request.path;
  input.query = request.query;
  input.headers = headers;
  input.payload_sha256 = payload_hash;
  input.region = "us-east-1";
  input.service = "service";
  input.time = utc(2015, 8, 30, 12, 36, 0);
  input.path_rules = PathRules::normalize;
  input.add_content_sha256_header = false;
  const SigningResult result = sign_v4(input, credentials);

  const std::string expected_creq = read_file(base.string() + ".creq");
  const std::string expected_sts = read_file(base.string() + ".sts");
  EXPECT_EQ(result.canonical_request, expected_creq);
  if (suite_data_is_inconsistent(expected_creq, expected_sts)) {
    // The published .sts of this case hashes a different canonical request than the
    // published .creq (both post-x-www-form-urlencoded cases: the .creq was updated to sign
    // content-length, the .sts and .authz were not). Only the .creq can be checked; make
    // sure our own string to sign is built from it.
    EXPECT_TRUE(result.string_to_sign.ends_with(hex_encode(sha256(expected_creq))));
    return;
  }
  EXPECT_EQ(result.string_to_sign, expected_sts);
  EXPECT_EQ(result.authorization, read_file(base.string() + ".authz"));
}

// True when the suite's string to sign is not the hash of the suite's canonical request.
bool suite_data_is_inconsistent(const std::string& creq, const std::string& sts) {
  return !sts.ends_with(hex_encode(sha256(creq)));
}

TEST(SigV4Suite, EveryPublishedCase) {
  const auto cases = suite_cases();
  if (cases.empty()) {
    GTEST_FAIL() << "AWS SigV4 test suite not found at " << suite_directory()
                 << "; set PGEXPORT_SIGV4_SUITE_DIR to its aws-sig-v4-test-suite directory";
  }
  // Every case of the 2015 suite is signed; for the two whose published files disagree with
  // each other only the canonical request is compared (see run_suite_case).
  // 'post-sts-header-after' is signed without the
  // token (it is added afterwards), which our signer does when the credentials have none;
  // 'get-header-value-multiline' relies on the suite's reading of folded lines as separate
  // values, which the .req parser above reproduces (HTTP itself deprecates line folding).
  EXPECT_GE(cases.size(), 30u) << "the suite looks incomplete";
  int inconsistent = 0;
  for (const auto& suite_case : cases) {
    run_suite_case(suite_case);
    const fs::path base = suite_case.directory / suite_case.name;
    inconsistent += suite_data_is_inconsistent(read_file(base.string() + ".creq"),
                                               read_file(base.string() + ".sts"));
  }
  // If this changes, the suite was updated: re-check which cases compare fully.
  EXPECT_EQ(inconsistent, 2);
}

TEST(SigV4Suite, SessionTokenAddedAfterSigning) {
  // post-sts-header-after: same signature as without a token; the token header is added.
  SigningInput input;
  input.method = "POST";
  input.path = "/";
  input.headers = {{"Host", "example.amazonaws.com"}};
  input.payload_sha256 = kEmptyPayloadSha256;
  input.region = "us-east-1";
  input.service = "service";
  input.time = utc(2015, 8, 30, 12, 36, 0);
  input.path_rules = PathRules::normalize;
  input.add_content_sha256_header = false;
  input.sign_session_token = false;
  Credentials credentials = kSuiteCredentials;
  credentials.session_token = "token-value";
  const auto result = sign_v4(input, credentials);
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  bool has_token = false;
  for (const auto& [name, value] : result.headers) has_token |= name == "x-amz-security-token";
  EXPECT_TRUE(has_token);
}

// S3 examples from the S3 API reference ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk"), with its example credentials.
const Credentials kS3DocCredentials{
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", std::nullopt, "test"};

SigningInput s3_doc_input(std::string_view method, std::string_view path,
                          std::vector<NameValue> headers, std::string_view payload_sha256) {
  SigningInput input;
  input.method = method;
  input.path = path;
  input.headers = std::move(headers);
  input.payload_sha256 = payload_sha256;
  input.region = "us-east-1";
  input.service = "s3";
  input.time = utc(2013, 5, 24);
  return input;
}

std::string signature_of(const SigningResult& result) {
  return result.authorization.substr(result.authorization.rfind('=') + 1);
}

TEST(SigV4S3, GetObjectWithRange) {
  auto input = s3_doc_input("GET", "/test.txt",
                            {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                            kEmptyPayloadSha256);
  const auto result = sign_v4(input, kS3DocCredentials);
  EXPECT_EQ(result.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, PutObjectWithStorageClass) {
  const std::string body = "Welcome to Amazon S3.";
  const std::string hash = hex_encode(sha256(body));
  ASSERT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  auto input = s3_doc_input("PUT", "/test$file.text",
                            {{"Host", "examplebucket.s3.amazonaws.com"},
                             {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                             {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                            hash);
  const auto result = sign_v4(input, kS3DocCredentials);
  EXPECT_NE(result.canonical_request.find("PUT\n/test%24file.text\n"), std::string::npos);
  EXPECT_EQ(signature_of(result),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3, GetBucketLifecycle) {
  auto input =
      s3_doc_input("GET", "/", {{"Host", "examplebucket.s3.amazonaws.com"}}, kEmptyPayloadSha256);
  input.query = {{"lifecycle", ""}};
  const auto result = sign_v4(input, kS3DocCredentials);
  EXPECT_NE(result.canonical_request.find("GET\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(signature_of(result),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3, ListObjectsQueryIsSorted) {
  auto input =
      s3_doc_input("GET", "/", {{"Host", "examplebucket.s3.amazonaws.com"}}, kEmptyPayloadSha256);
  input.query = {{"prefix", "J"}, {"max-keys", "2"}};
  const auto result = sign_v4(input, kS3DocCredentials);
  EXPECT_NE(result.canonical_request.find("GET\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(signature_of(result),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3, PathIsNotNormalizedAndEncodedOnce) {
  EXPECT_EQ(canonical_uri("/bucket/my-object//example//photo.user", PathRules::s3),
            "/bucket/my-object//example//photo.user");
  EXPECT_EQ(canonical_uri("/bucket/a/./b/../c", PathRules::s3), "/bucket/a/./b/../c");
  EXPECT_EQ(canonical_uri("/bucket/my key+(1).csv", PathRules::s3),
            "/bucket/my%20key%2B%281%29.csv");
  // UTF-8 bytes are encoded byte by byte; '%' itself is encoded, so "%20" in a key stays
  // literal (encoded once, not decoded).
  EXPECT_EQ(canonical_uri("/b/caf\xc3\xa9/\xe1\x88\xb4", PathRules::s3), "/b/caf%C3%A9/%E1%88%B4");
  EXPECT_EQ(canonical_uri("/b/100%20done", PathRules::s3), "/b/100%2520done");
  EXPECT_EQ(canonical_uri("", PathRules::s3), "/");
}

TEST(SigV4S3, GenericRulesNormalize) {
  EXPECT_EQ(canonical_uri("//example//", PathRules::normalize), "/example/");
  EXPECT_EQ(canonical_uri("/a/b/../c/./d", PathRules::normalize), "/a/c/d");
  EXPECT_EQ(canonical_uri("/a/b/..", PathRules::normalize), "/a/");
  EXPECT_EQ(canonical_uri("/..", PathRules::normalize), "/");
}

TEST(SigV4S3, QueryValuesAreStrictlyEncoded) {
  EXPECT_EQ(canonical_query_string(
                {{"prefix", "runs/a b+c"}, {"list-type", "2"}, {"continuation-token", "1/x=="}}),
            "continuation-token=1%2Fx%3D%3D&list-type=2&prefix=runs%2Fa%20b%2Bc");
  EXPECT_EQ(canonical_query_string({{"uploads", ""}}), "uploads=");
}

TEST(SigV4S3, UnsignedPayload) {
  auto input =
      s3_doc_input("PUT", "/k", {{"Host", "examplebucket.s3.amazonaws.com"}}, kUnsignedPayload);
  const auto result = sign_v4(input, kS3DocCredentials);
  EXPECT_TRUE(result.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  bool found = false;
  for (const auto& [name, value] : result.headers) {
    if (name == "x-amz-content-sha256") {
      EXPECT_EQ(value, "UNSIGNED-PAYLOAD");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(SigV4S3, SessionTokenIsSignedForS3) {
  auto input = s3_doc_input("GET", "/k", {{"Host", "b.s3.amazonaws.com"}}, kEmptyPayloadSha256);
  Credentials credentials = kS3DocCredentials;
  credentials.session_token = "session/token+value";
  const auto result = sign_v4(input, credentials);
  EXPECT_NE(result.canonical_request.find("x-amz-security-token:session/token+value\n"),
            std::string::npos);
  EXPECT_NE(result.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                      "x-amz-security-token,"),
            std::string::npos);
}

TEST(SigV4S3, SigningKeyCacheDoesNotMixSecretsOrDays) {
  auto input = s3_doc_input("GET", "/test.txt",
                            {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                            kEmptyPayloadSha256);
  const auto first = sign_v4(input, kS3DocCredentials);
  Credentials other = kS3DocCredentials;
  other.secret_access_key += "x";
  EXPECT_NE(signature_of(sign_v4(input, other)), signature_of(first));
  input.time += std::chrono::hours(24);
  EXPECT_NE(signature_of(sign_v4(input, kS3DocCredentials)), signature_of(first));
  input.time -= std::chrono::hours(24);
  EXPECT_EQ(signature_of(sign_v4(input, kS3DocCredentials)), signature_of(first));
}

TEST(SigV4S3, ResultNeverContainsTheSecret) {
  auto input = s3_doc_input("GET", "/k", {{"Host", "b.s3.amazonaws.com"}}, kEmptyPayloadSha256);
  const auto result = sign_v4(input, kS3DocCredentials);
  const std::string& secret = kS3DocCredentials.secret_access_key;
  EXPECT_EQ(result.canonical_request.find(secret), std::string::npos);
  EXPECT_EQ(result.string_to_sign.find(secret), std::string::npos);
  for (const auto& [name, value] : result.headers) EXPECT_EQ(value.find(secret), std::string::npos);
}

}  // namespace
}  // namespace pgexport::s3
