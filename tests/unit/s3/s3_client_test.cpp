#include "storage/s3/s3_client.hpp"

#include <gtest/gtest.h>

#include "common/digest.hpp"
#include "fake_s3.hpp"
#include "storage/s3/checksum.hpp"

namespace pgexport::s3 {
namespace {

using testing::FakeS3;
using testing::Injection;
using testing::make_test_client;

std::string header(const testing::RecordedCall& call, std::string_view name) {
  return std::string(http::find_header(call.headers, name).value_or("<absent>"));
}

TEST(S3Client, PutObjectSendsIntegrityHeadersAndWriteOptions) {
  auto fake = std::make_shared<FakeS3>();
  ObjectWriteOptions write;
  write.encryption = ServerSideEncryption::aws_kms;
  write.kms_key_id = "arn:aws:kms:us-gov-west-1:111122223333:key/k";
  write.acl = "bucket-owner-full-control";
  write.storage_class = "STANDARD_IA";
  auto client = make_test_client(fake, write, "111122223333");
  client->put_object("runs/a b/part-0.csv", "hello");
  EXPECT_EQ(fake->objects().at("runs/a b/part-0.csv"), "hello");

  const auto call = fake->calls().at(0);
  EXPECT_EQ(call.url, "http://fake.test/bucket/runs/a%20b/part-0.csv");
  // Over plain HTTP the payload is signed: its SHA-256 is the checksum S3 verifies, and no
  // second one is computed (transport_checksum_test.cpp covers the other cases).
  EXPECT_EQ(header(call, "x-amz-content-sha256"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(header(call, "content-md5"), "<absent>");
  EXPECT_EQ(header(call, "x-amz-checksum-crc32c"), "<absent>");
  EXPECT_EQ(header(call, "x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(header(call, "x-amz-server-side-encryption-aws-kms-key-id"), write.kms_key_id);
  EXPECT_EQ(header(call, "x-amz-acl"), "bucket-owner-full-control");
  EXPECT_EQ(header(call, "x-amz-storage-class"), "STANDARD_IA");
  EXPECT_EQ(header(call, "x-amz-expected-bucket-owner"), "111122223333");
  EXPECT_EQ(header(call, "host"), "fake.test");
  const std::string authorization = header(call, "authorization");
  EXPECT_TRUE(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/"));
  // Everything S3 acts on is signed.
  for (const char* name : {"x-amz-content-sha256", "x-amz-server-side-encryption", "x-amz-acl",
                           "x-amz-expected-bucket-owner", "x-amz-storage-class", "host"}) {
    EXPECT_NE(authorization.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(S3Client, ExpectedBucketOwnerOnEveryRequest) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake, {}, "111122223333");
  client->put_object("k", "v");
  client->get_object("k");
  client->head_object("k");
  client->list_objects("");
  client->list_multipart_uploads("");
  const std::string id = client->create_multipart_upload("m");
  auto part = client->upload_part("m", id, 1, "data");
  client->complete_multipart_upload("m", id, {part});
  client->delete_objects({"k"});
  client->delete_object("m");
  client->head_bucket();
  for (const auto& call : fake->calls()) {
    EXPECT_EQ(header(call, "x-amz-expected-bucket-owner"), "111122223333") << call.operation;
  }
  EXPECT_EQ(fake->calls().size(), 11u);
}

TEST(S3Client, WriteOptionsGoOnCreateButNotOnParts) {
  auto fake = std::make_shared<FakeS3>();
  ObjectWriteOptions write;
  write.encryption = ServerSideEncryption::aes256;
  write.acl = "bucket-owner-full-control";
  auto client = make_test_client(fake, write);
  const std::string id = client->create_multipart_upload("m");
  client->upload_part("m", id, 1, "data");
  const auto calls = fake->calls();
  EXPECT_EQ(header(calls[0], "x-amz-server-side-encryption"), "AES256");
  EXPECT_EQ(header(calls[0], "x-amz-acl"), "bucket-owner-full-control");
  // SSE-S3/KMS headers are rejected on UploadPart; its integrity check is the signed payload
  // hash over plain HTTP.
  EXPECT_EQ(header(calls[1], "x-amz-server-side-encryption"), "<absent>");
  EXPECT_EQ(header(calls[1], "x-amz-content-sha256"), hex_encode(sha256("data")));
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(S3Client, RetriesThrottlingAndConnectionResets) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("PutObject", 2, 503, "SlowDown"));
  fake->inject(Injection::connection_reset("PutObject", 1));
  auto client = make_test_client(fake);
  client->put_object("k", "v");
  EXPECT_EQ(fake->count("PutObject"), 4);
  EXPECT_EQ(fake->objects().at("k"), "v");
}

TEST(S3Client, GivesUpAfterFiveAttemptsListingEach) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("PutObject", 3, 503, "SlowDown"));
  fake->inject(Injection::connection_reset("PutObject", 1));
  fake->inject(Injection::answer("PutObject", 1, 500, "InternalError"));
  auto client = make_test_client(fake);
  try {
    client->put_object("k", "v");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_transient);
    EXPECT_STREQ(error.what(),
                 "PUT s3://bucket/k failed after 5 attempts: 503 SlowDown; 503 SlowDown; "
                 "503 SlowDown; connection reset (injected); 500 InternalError");
  }
  EXPECT_EQ(fake->count("PutObject"), 5);
}

TEST(S3Client, RequestTimeoutAndBadDigestAreRetried) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("PutObject", 1, 400, "RequestTimeout"));
  fake->inject(Injection::answer("PutObject", 1, 400, "BadDigest"));
  auto client = make_test_client(fake);
  client->put_object("k", "v");
  EXPECT_EQ(fake->count("PutObject"), 3);
}

struct NonRetryableCase {
  long status;
  std::string code;
  ErrorKind kind;
  std::string advice;
};

// Keeps test listings readable: gtest would otherwise dump the struct's bytes.
void PrintTo(const NonRetryableCase& value, std::ostream* out) {
  *out << value.status << " " << value.code;
}

class S3ClientNonRetryable : public ::testing::TestWithParam<NonRetryableCase> {};

TEST_P(S3ClientNonRetryable, FailsAtOnceSayingWhatToDo) {
  const auto& param = GetParam();
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("PutObject", 5, param.status, param.code));
  auto client = make_test_client(fake);
  try {
    client->put_object("k", "v");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), param.kind) << error.what();
    const std::string message = error.what();
    EXPECT_TRUE(message.starts_with("PUT s3://bucket/k failed: " + std::to_string(param.status) +
                                    " " + param.code))
        << message;
    EXPECT_NE(message.find(param.advice), std::string::npos) << message;
    EXPECT_NE(message.find("fake-request"), std::string::npos) << message;
  }
  EXPECT_EQ(fake->count("PutObject"), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Codes, S3ClientNonRetryable,
    ::testing::Values(
        NonRetryableCase{403, "AccessDenied", ErrorKind::storage_error, "IAM policy"},
        NonRetryableCase{404, "NoSuchBucket", ErrorKind::storage_error, "check the bucket name"},
        NonRetryableCase{403, "InvalidAccessKeyId", ErrorKind::credentials_error,
                         "does not know the access key id"},
        NonRetryableCase{403, "SignatureDoesNotMatch", ErrorKind::credentials_error, "secret key"},
        NonRetryableCase{403, "RequestTimeTooSkewed", ErrorKind::storage_error, "clock"},
        NonRetryableCase{400, "KMS.NotFoundException", ErrorKind::storage_error, "KMS key"},
        NonRetryableCase{501, "NotImplemented", ErrorKind::storage_error, ""}),
    [](const auto& info) {
      std::string name = info.param.code;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(S3Client, RgwUnusableKmsKeyIsNotACredentialsProblem) {
  // Ceph RGW says InvalidAccessKeyId when the KMS key id is unknown.
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer_body(
      "PutObject", 1, 403,
      "<Error><Code>InvalidAccessKeyId</Code><Message>Failed to retrieve the actual key, "
      "kms-keyid: no-such-key</Message></Error>"));
  auto client = make_test_client(fake);
  try {
    client->put_object("k", "v");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_error);
    EXPECT_NE(std::string(error.what()).find("the KMS key cannot be used"), std::string::npos)
        << error.what();
  }
}

TEST(S3Client, BodilessAnswersGetReadableCodes) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer_body("HeadBucket", 1, 404, ""));
  auto client = make_test_client(fake);
  try {
    client->head_bucket();
    FAIL();
  } catch (const Error& error) {
    EXPECT_TRUE(std::string(error.what())
                    .starts_with("HeadBucket s3://bucket failed: 404 NotFound (the bucket does "
                                 "not exist: check the bucket name and the region/endpoint)"))
        << error.what();
  }
}

TEST(S3Client, WrongRegionNamesTheRightOne) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer_body("HeadBucket", 1, 301,
                                      "<Error><Code>PermanentRedirect</Code><Message>m</Message>"
                                      "<Region>us-gov-west-1</Region></Error>"));
  auto client = make_test_client(fake);
  try {
    client->head_bucket();
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("pass --s3-region us-gov-west-1"), std::string::npos)
        << error.what();
  }
}

class CountingProvider final : public CredentialsProvider {
 public:
  Credentials get() override {
    ++gets;
    return testing::test_credentials();
  }
  void invalidate() override { ++invalidations; }
  int gets = 0;
  int invalidations = 0;
};

TEST(S3Client, ExpiredTokenRefreshesCredentialsAndRetries) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("GetObject", 1, 400, "ExpiredToken"));
  auto provider = std::make_shared<CountingProvider>();
  EndpointOptions endpoint;
  endpoint.region = "us-east-1";
  endpoint.endpoint_url = "http://fake.test";
  S3ClientOptions options;
  options.transport = fake;
  options.credentials = provider;
  options.retry_clock = &testing::instant_retry_clock();
  S3Client client(Endpoint("bucket", endpoint), options);
  fake->put("k", "v");
  EXPECT_EQ(client.get_object("k"), "v");
  EXPECT_EQ(provider->invalidations, 1);
  EXPECT_EQ(provider->gets, 2);
}

TEST(S3Client, GetAndHeadReportMissingObjects) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  EXPECT_FALSE(client->get_object("missing"));
  EXPECT_FALSE(client->head_object("missing"));
  fake->put("k", "value");
  EXPECT_EQ(client->get_object("k"), "value");
  EXPECT_EQ(client->head_object("k")->size, 5u);
}

TEST(S3Client, MissingBucketIsNotAMissingObject) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("GetObject", 1, 404, "NoSuchBucket"));
  auto client = make_test_client(fake);
  EXPECT_THROW(client->get_object("k"), Error);
}

TEST(S3Client, CompleteWithErrorBodyAfter200IsRetried) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  const std::string id = client->create_multipart_upload("m");
  auto part = client->upload_part("m", id, 1, "data");
  fake->inject(
      Injection::answer_body("CompleteMultipartUpload", 1, 200,
                             "\n  <Error><Code>InternalError</Code><Message></Message></Error>"));
  client->complete_multipart_upload("m", id, {part});
  EXPECT_EQ(fake->count("CompleteMultipartUpload"), 2);
  EXPECT_EQ(fake->objects().at("m"), "data");
}

TEST(S3Client, CompleteErrorBodyThatCannotPassIsAnError) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  const std::string id = client->create_multipart_upload("m");
  auto part = client->upload_part("m", id, 1, "data");
  part.etag = "wrong";
  try {
    client->complete_multipart_upload("m", id, {part});
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("InvalidPart"), std::string::npos);
    EXPECT_FALSE(error.retryable());
  }
}

TEST(S3Client, CompleteRetriedAfterALostSuccessChecksTheObject) {
  // The first Complete succeeds on the server but the answer is lost (the injected
  // failure is the answer of the second call, after which the upload no longer exists).
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  const std::string id = client->create_multipart_upload("m");
  auto part = client->upload_part("m", id, 1, "data");
  // Simulate: complete for real, then make the client's Complete see a transport error
  // first and NoSuchUpload on the retry.
  client->complete_multipart_upload("m", id, {part});
  fake->inject(Injection::connection_reset("CompleteMultipartUpload", 1));
  EXPECT_NO_THROW(client->complete_multipart_upload("m", id, {part}));
  // The HEAD answered with an ETag not ending in "-1": a NoSuchUpload on a first attempt,
  // or with a part-count mismatch, stays an error.
  EXPECT_THROW(client->complete_multipart_upload("other", "upload-x", {part}), Error);
}

TEST(S3Client, ListingFollowsPagination) {
  auto fake = std::make_shared<FakeS3>();
  fake->set_page_size(2);
  for (int i = 0; i < 7; ++i) fake->put("p/" + std::to_string(i), "x");
  fake->put("q/other", "x");
  auto client = make_test_client(fake);
  const auto objects = client->list_objects("p/");
  ASSERT_EQ(objects.size(), 7u);
  EXPECT_EQ(objects.front().key, "p/0");
  EXPECT_EQ(fake->count("ListObjectsV2"), 4);

  for (int i = 0; i < 5; ++i) client->create_multipart_upload("p/u" + std::to_string(i));
  client->create_multipart_upload("q/u");
  EXPECT_EQ(client->list_multipart_uploads("p/").size(), 5u);
  EXPECT_EQ(fake->count("ListMultipartUploads"), 3);
}

TEST(S3Client, DeleteObjectsBatchesAndEscapesKeys) {
  auto fake = std::make_shared<FakeS3>();
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) {
    keys.push_back("k<&>'\"" + std::to_string(i));
    fake->put(keys.back(), "x");
  }
  auto client = make_test_client(fake);
  client->delete_objects(keys);
  EXPECT_TRUE(fake->objects().empty());
  EXPECT_EQ(fake->count("DeleteObjects"), 3);
}

TEST(S3Client, DeleteObjectsReportsKeysThatFailed) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer_body("DeleteObjects", 1, 200,
                                      "<DeleteResult><Error><Key>a</Key><Code>AccessDenied</Code>"
                                      "<Message>Access Denied</Message></Error></DeleteResult>"));
  auto client = make_test_client(fake);
  try {
    client->delete_objects({"a", "b"});
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(
        std::string(error.what()).find("1 of 2 keys not deleted, e.g. s3://bucket/a: AccessDenied"),
        std::string::npos)
        << error.what();
  }
}

TEST(S3Client, KeysAreSentAsIs) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  const std::string key = "a//b/./c/../d e+f/caf\xc3\xa9";
  client->put_object(key, "v");
  EXPECT_EQ(fake->calls().at(0).url, "http://fake.test/bucket/a//b/./c/../d%20e%2Bf/caf%C3%A9");
  EXPECT_EQ(fake->objects().count(key), 1u);
}

TEST(S3Client, ServerSideEncryptionParsing) {
  EXPECT_EQ(parse_server_side_encryption(""), ServerSideEncryption::none);
  EXPECT_EQ(parse_server_side_encryption("AES256"), ServerSideEncryption::aes256);
  EXPECT_EQ(parse_server_side_encryption("aws:kms"), ServerSideEncryption::aws_kms);
  EXPECT_THROW(parse_server_side_encryption("kms"), Error);
}

}  // namespace
}  // namespace pgexport::s3
