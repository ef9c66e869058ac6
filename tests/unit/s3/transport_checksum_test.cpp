// Every data body (PutObject, UploadPart) carries the one transport checksum its setting calls
// for, one the store verifies: the signed SHA-256 over plain HTTP and with stores that ignore
// flexible checksums; over TLS (or with --s3-unsigned-payload) an unsigned payload with
// x-amz-checksum-crc32c once the store has shown it checks them (the first write is signed and
// carries a CRC32C, to find out). Never Content-MD5.
#include <gtest/gtest.h>

#include "common/digest.hpp"
#include "fake_s3.hpp"
#include "storage/s3/checksum.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/sigv4.hpp"

namespace pgexport::s3 {
namespace {

using testing::FakeS3;
using testing::make_test_client;
using testing::RecordedCall;
using testing::TestTransportSetup;

std::string header(const RecordedCall& call, std::string_view name) {
  return std::string(http::find_header(call.headers, name).value_or("<absent>"));
}

const TestTransportSetup kTls{"https://fake.test", false};
const TestTransportSetup kPlainHttpUnsigned{"http://fake.test", true};

std::vector<RecordedCall> calls_of(const FakeS3& fake, std::string_view operation) {
  std::vector<RecordedCall> found;
  for (const auto& call : fake.calls()) {
    if (call.operation == operation) found.push_back(call);
  }
  return found;
}

// One object in one PUT, then one of two parts: the writes an export makes.
void write_objects(S3Client& client) {
  client.put_object("small", "hello");
  const std::string id = client.create_multipart_upload("large");
  const auto first = client.upload_part("large", id, 1, "part one");
  const auto second = client.upload_part("large", id, 2, "part two");
  client.complete_multipart_upload("large", id, {first, second});
}

TEST(TransportChecksum, PlainHttpSignsThePayloadAndSendsNothingElse) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  EXPECT_FALSE(client->unsigned_payload());
  write_objects(*client);
  for (const auto& call : fake->calls()) {
    if (call.operation != "PutObject" && call.operation != "UploadPart") continue;
    EXPECT_NE(header(call, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD") << call.operation;
    EXPECT_EQ(header(call, "content-md5"), "<absent>") << call.operation;
    EXPECT_EQ(header(call, "x-amz-checksum-crc32c"), "<absent>") << call.operation;
  }
  EXPECT_EQ(header(calls_of(*fake, "CreateMultipartUpload").at(0), "x-amz-checksum-algorithm"),
            "<absent>");
  EXPECT_EQ(fake->objects().at("large"), "part onepart two");
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(TransportChecksum, TlsSendsUnsignedPayloadsWithCrc32cOnceTheStoreEchoesIt) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake, {}, "", kTls);
  EXPECT_TRUE(client->unsigned_payload());
  EXPECT_EQ(client->flexible_checksums(), FlexibleChecksums::unknown);
  write_objects(*client);
  EXPECT_EQ(client->flexible_checksums(), FlexibleChecksums::verified);

  // The first write does not know yet whether the store checks CRC32C: signed, with one.
  const auto put = calls_of(*fake, "PutObject").at(0);
  EXPECT_EQ(put.url, "https://fake.test/bucket/small");
  EXPECT_EQ(header(put, "x-amz-content-sha256"), hex_encode(sha256("hello")));
  EXPECT_EQ(header(put, "x-amz-checksum-crc32c"), crc32c_base64("hello"));
  EXPECT_EQ(header(put, "content-md5"), "<absent>");
  // Later writes are unsigned and carry the CRC32C alone, still signed as a header, so it
  // cannot be changed in transit unnoticed.
  const auto create = calls_of(*fake, "CreateMultipartUpload").at(0);
  EXPECT_EQ(header(create, "x-amz-checksum-algorithm"), "CRC32C");
  for (const auto& part : calls_of(*fake, "UploadPart")) {
    EXPECT_EQ(header(part, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    EXPECT_NE(header(part, "x-amz-checksum-crc32c"), "<absent>");
    EXPECT_EQ(header(part, "content-md5"), "<absent>");
    EXPECT_NE(header(part, "authorization").find("x-amz-checksum-crc32c"), std::string::npos);
  }
  EXPECT_EQ(header(calls_of(*fake, "UploadPart").at(1), "x-amz-checksum-crc32c"),
            crc32c_base64("part two"));
  EXPECT_EQ(fake->objects().at("large"), "part onepart two");
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(TransportChecksum, CompleteListsThePartCrc32cs) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake, {}, "", kTls);
  client->put_object("probe", "p");  // the store has shown it checks CRC32C
  const std::string id = client->create_multipart_upload("large");
  const auto part = client->upload_part("large", id, 1, "data");
  EXPECT_EQ(part.crc32c, crc32c_base64("data"));
  client->complete_multipart_upload("large", id, {part});
  EXPECT_EQ(fake->objects().at("large"), "data");
}

TEST(TransportChecksum, AStoreThatIgnoresCrc32cGetsSignedPayloads) {
  auto fake = std::make_shared<FakeS3>();
  fake->set_flexible_checksums(false);  // as Ceph RGW 16
  auto client = make_test_client(fake, {}, "", kTls);
  write_objects(*client);
  EXPECT_EQ(client->flexible_checksums(), FlexibleChecksums::ignored);
  // No longer asked for, nor sent, once the store has shown it does not check them: the
  // signed SHA-256 is the checksum, and Content-MD5 would only add a slower one.
  EXPECT_EQ(header(calls_of(*fake, "CreateMultipartUpload").at(0), "x-amz-checksum-algorithm"),
            "<absent>");
  const auto parts = calls_of(*fake, "UploadPart");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(header(parts[0], "x-amz-content-sha256"), hex_encode(sha256("part one")));
  for (const auto& part : parts) {
    EXPECT_EQ(header(part, "x-amz-checksum-crc32c"), "<absent>");
    EXPECT_EQ(header(part, "content-md5"), "<absent>");
  }
  EXPECT_EQ(fake->objects().at("large"), "part onepart two");
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(TransportChecksum, UnsignedOverPlainHttpOnlyWhenAllowed) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake, {}, "", kPlainHttpUnsigned);
  EXPECT_TRUE(client->unsigned_payload());
  write_objects(*client);
  EXPECT_EQ(header(calls_of(*fake, "UploadPart").at(0), "x-amz-content-sha256"),
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(TransportChecksum, ConditionalWritesFollowTheSameRules) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake, {}, "", kTls);
  ASSERT_TRUE(client->put_object_if_absent("manifest", "{}"));
  EXPECT_EQ(client->flexible_checksums(), FlexibleChecksums::verified);
  const auto etag = client->put_object_if_absent("latest", "v1");
  ASSERT_TRUE(etag);
  ASSERT_TRUE(client->put_object_if_match("latest", "v2", *etag));
  const auto puts = calls_of(*fake, "PutObject");
  ASSERT_EQ(puts.size(), 3u);
  EXPECT_EQ(header(puts[2], "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(header(puts[2], "x-amz-checksum-crc32c"), crc32c_base64("v2"));
  EXPECT_EQ(header(puts[2], "content-md5"), "<absent>");
  EXPECT_EQ(fake->unverified_writes(), 0);
}

TEST(TransportChecksum, ControlRequestsStaySignedOverTls) {
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake, {}, "", kTls);
  write_objects(*client);
  client->delete_objects({"small"});
  for (const char* operation : {"CompleteMultipartUpload", "DeleteObjects"}) {
    const auto call = calls_of(*fake, operation).at(0);
    EXPECT_NE(header(call, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD") << operation;
    EXPECT_EQ(header(call, "x-amz-content-sha256").size(), 64u) << operation;
  }
}

TEST(TransportChecksum, ASinglePutSignsTheHashItIsGiven) {
  // The writer passes the object's SHA-256, which it computes anyway for the manifest; a wrong
  // one reaching the store proves it is the one signed, not a second computation.
  auto fake = std::make_shared<FakeS3>();
  auto client = make_test_client(fake);
  client->put_object("right", "hello", hex_encode(sha256("hello")));
  EXPECT_EQ(fake->objects().at("right"), "hello");
  try {
    client->put_object("wrong", "hello", hex_encode(sha256("other")));
    ADD_FAILURE() << "a body that does not match its signed hash was stored";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("XAmzContentSHA256Mismatch"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(fake->objects().count("wrong"), 0u);
}

// A transport that flips one byte of the first data body it carries: a body damaged between
// the client's checksum and the store.
class CorruptingTransport final : public http::HttpTransport {
 public:
  explicit CorruptingTransport(std::shared_ptr<FakeS3> store) : store_(std::move(store)) {}
  http::Response perform(const http::Request& request) override {
    if (corrupted_ || request.body.size() < 2 || request.method != "PUT") {
      return store_->perform(request);
    }
    corrupted_ = true;
    std::string damaged(request.body);
    damaged[damaged.size() / 2] ^= 0x01;
    http::Request copy = request;
    copy.body = damaged;
    return store_->perform(copy);
  }

 private:
  std::shared_ptr<FakeS3> store_;
  bool corrupted_ = false;
};

TEST(TransportChecksum, ADamagedBodyIsRefusedAndSentAgainWhateverTheChecksum) {
  struct Case {
    std::string name;
    TestTransportSetup setup;
    bool flexible;
  };
  for (const Case& c : {Case{"signed payload", {}, true},
                        Case{"crc32c (on the first write: and a signed payload)", kTls, true},
                        Case{"signed payload, store ignoring crc32c", kTls, false}}) {
    for (bool multipart : {false, true}) {
      auto fake = std::make_shared<FakeS3>();
      fake->set_flexible_checksums(c.flexible);
      auto client = make_test_client(std::make_shared<CorruptingTransport>(fake), {}, "", c.setup);
      if (multipart) {
        // Learn the store's checksum support first, so the part carries one checksum alone.
        client->put_object("probe", "p");
      }
      const std::string body = "a body of some length that a network could damage";
      if (multipart) {
        const std::string id = client->create_multipart_upload("object");
        client->complete_multipart_upload("object", id,
                                          {client->upload_part("object", id, 1, body)});
      } else {
        client->put_object("object", body);
      }
      EXPECT_EQ(fake->objects().at("object"), body) << c.name << (multipart ? ", part" : "");
      // Refused once (BadDigest or XAmzContentSHA256Mismatch, both retried), then stored.
      EXPECT_EQ(fake->count(multipart ? "UploadPart" : "PutObject"), 2) << c.name;
    }
  }
}

}  // namespace
}  // namespace pgexport::s3
