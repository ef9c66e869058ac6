// The S3 client and writer against a real S3 server (Ceph RADOS Gateway, scripts/ceph-s3.sh).
// Needs PGEXPORT_TEST_S3_ENDPOINT, PGEXPORT_TEST_BUCKET and AWS keys, as scripts/test.sh
// sets them; without them every test fails (a missing server must not pass as a green run).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <thread>
#include <vector>

#include "common/byte_sink.hpp"
#include "common/digest.hpp"
#include "storage/s3/s3_storage.hpp"

namespace pgexport::s3 {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

class RgwTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = env("PGEXPORT_TEST_S3_ENDPOINT");
    bucket_ = env("PGEXPORT_TEST_BUCKET");
    if (endpoint_.empty() || bucket_.empty() || env("AWS_ACCESS_KEY_ID").empty() ||
        env("AWS_SECRET_ACCESS_KEY").empty()) {
      GTEST_FAIL() << "set PGEXPORT_TEST_S3_ENDPOINT, PGEXPORT_TEST_BUCKET, AWS_ACCESS_KEY_ID and "
                      "AWS_SECRET_ACCESS_KEY (scripts/ceph-s3.sh env) to run against a real S3";
    }
    // A prefix of its own per test, so runs and tests never see each other's objects.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    prefix_ = fmt::format("pgexport-unit/{}-{}/{}", ::getpid(),
                          std::chrono::duration_cast<std::chrono::microseconds>(now).count(),
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    storage_ = make_s3_storage(options());
  }

  void TearDown() override {
    if (storage_) storage_->remove_prefix("");
  }

  S3Options options() const {
    S3Options options;
    options.url = fmt::format("s3://{}/{}", bucket_, prefix_);
    options.endpoint = endpoint_;
    options.part_size = 5 * kMebibyte;  // RGW enforces S3's 5 MiB minimum, like AWS
    return options;
  }

  std::vector<std::string> sorted_list(const std::string& prefix = "") {
    auto keys = storage_->list(prefix);
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::vector<MultipartUploadSummary> uploads() {
    return storage_->client().list_multipart_uploads(prefix_ + "/");
  }

  static std::string pattern(size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    uint64_t state = seed;
    for (auto& byte : bytes) {
      state = state * 6364136223846793005u + 1442695040888963407u;  // LCG: not compressible
      byte = static_cast<char>(state >> 56);
    }
    return bytes;
  }

  std::string endpoint_;
  std::string bucket_;
  std::string prefix_;
  std::unique_ptr<S3Storage> storage_;
};

TEST_F(RgwTest, CheckWritable) {
  storage_->check_writable();
}

TEST_F(RgwTest, SinglePutRoundTrip) {
  const std::string data = pattern(100'000, 1);
  auto writer = storage_->create("runs/r1/t/part-00000.csv");
  writer->write(data.substr(0, 1000));
  writer->write(data.substr(1000));
  const auto info = writer->commit();
  EXPECT_EQ(info.key, "runs/r1/t/part-00000.csv");
  EXPECT_EQ(info.size, data.size());
  const auto stored = storage_->read("runs/r1/t/part-00000.csv");
  ASSERT_TRUE(stored);
  EXPECT_EQ(hex_encode(sha256(*stored)), info.sha256_hex);
  EXPECT_EQ(*stored, data);
  EXPECT_TRUE(uploads().empty());  // one PutObject, no multipart upload
}

TEST_F(RgwTest, EmptyObject) {
  const auto info = storage::put_object(*storage_, "empty", "");
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(storage_->read("empty"), "");
}

TEST_F(RgwTest, MultipartRoundTrip) {
  // 30 MiB and a bit in 5 MiB parts: six full parts and a small last one.
  const std::string data = pattern(30 * kMebibyte + 12345, 2);
  auto writer = storage_->create("runs/r1/big/part-00000.parquet");
  for (size_t offset = 0; offset < data.size(); offset += 1'000'003) {
    writer->write(std::string_view(data).substr(offset, 1'000'003));
  }
  const auto info = writer->commit();
  EXPECT_EQ(info.size, data.size());
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256(data)));
  const auto head = storage_->client().head_object(prefix_ + "/runs/r1/big/part-00000.parquet");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, data.size());
  EXPECT_TRUE(head->etag.ends_with("-7")) << head->etag;  // assembled from 7 parts
  const auto stored = storage_->read("runs/r1/big/part-00000.parquet");
  ASSERT_TRUE(stored);
  EXPECT_EQ(hex_encode(sha256(*stored)), info.sha256_hex);
  EXPECT_TRUE(uploads().empty());
}

TEST_F(RgwTest, WithUnsignedPayloadsAllowedEveryWriteCarriesAChecksumTheGatewayVerifies) {
  // --s3-unsigned-payload over plain HTTP: the probe teaches the client whether the gateway
  // checks x-amz-checksum-crc32c. Ceph 16 does not, so payloads stay signed; a gateway that
  // does gets unsigned payloads with a CRC32C. Either way the bytes arrive whole.
  S3Options unsigned_options = options();
  unsigned_options.unsigned_payload = true;
  auto storage = make_s3_storage(unsigned_options);
  ASSERT_TRUE(storage->client().unsigned_payload());
  storage->check_writable();
  EXPECT_NE(storage->client().flexible_checksums(), FlexibleChecksums::unknown);
  const std::string small = pattern(100'000, 7);
  const std::string large = pattern(11 * kMebibyte + 7, 8);
  EXPECT_EQ(storage::put_object(*storage, "small", small).sha256_hex, hex_encode(sha256(small)));
  auto writer = storage->create("large");
  writer->write(large);
  const auto info = writer->commit();
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256(large)));
  EXPECT_EQ(storage->read("small"), small);
  EXPECT_EQ(storage->read("large"), large);
}

TEST_F(RgwTest, TheGatewayRefusesABodyThatDoesNotMatchItsSignedHash) {
  // What makes the signed payload hash a transport checksum: the store recomputes it.
  try {
    storage_->client().put_object(prefix_ + "/mismatch", "the bytes sent",
                                  hex_encode(sha256("other bytes")));
    ADD_FAILURE() << "the gateway stored a body that does not match its signed SHA-256";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("XAmzContentSHA256Mismatch"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(storage_->read("mismatch"));
}

TEST_F(RgwTest, MultipartUnderATightMemoryBudget) {
  S3Options tight = options();
  tight.memory_budget = std::make_shared<MemoryBudget>(10 * kMebibyte);  // two parts at once
  tight.max_parts_in_flight = 8;
  auto storage = make_s3_storage(tight);
  const std::string data = pattern(26 * kMebibyte, 3);
  auto writer = storage->create("tight");
  writer->write(data);
  const auto info = writer->commit();
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256(data)));
  // The part buffers were leased from the budget (the budget itself never grants more than it has).
  EXPECT_GE(tight.memory_budget->peak(), 5 * kMebibyte);
  EXPECT_EQ(storage->read("tight"), data);
}

TEST_F(RgwTest, AbortLeavesNoUploadAndNoObject) {
  auto writer = storage_->create("aborted");
  writer->write(pattern(12 * kMebibyte, 4));  // two parts sent: the upload exists
  EXPECT_EQ(uploads().size(), 1u);
  writer->abort();
  EXPECT_TRUE(uploads().empty());
  EXPECT_FALSE(storage_->read("aborted"));

  {
    auto abandoned = storage_->create("abandoned");
    abandoned->write(pattern(11 * kMebibyte, 5));
  }  // destroyed without commit
  EXPECT_TRUE(uploads().empty());
  EXPECT_FALSE(storage_->read("abandoned"));
  EXPECT_TRUE(sorted_list().empty());
}

TEST_F(RgwTest, ListAndRemovePrefix) {
  for (const char* key : {"runs/r1/a/part-0", "runs/r1/a/part-1", "runs/r1/b/part-0",
                          "runs/r2/a/part-0", "latest.json"}) {
    storage::put_object(*storage_, key, key);
  }
  // An unfinished upload under runs/r1, as a crashed run leaves behind.
  storage_->client().create_multipart_upload(prefix_ + "/runs/r1/c/part-0");
  EXPECT_EQ(sorted_list("runs/r1/"),
            (std::vector<std::string>{"runs/r1/a/part-0", "runs/r1/a/part-1", "runs/r1/b/part-0"}));
  EXPECT_EQ(sorted_list().size(), 5u);

  storage_->remove_prefix("runs/r1/");
  EXPECT_TRUE(sorted_list("runs/r1/").empty());
  EXPECT_TRUE(uploads().empty());
  EXPECT_EQ(sorted_list(), (std::vector<std::string>{"latest.json", "runs/r2/a/part-0"}));

  storage_->remove("latest.json");
  storage_->remove("latest.json");  // already gone: fine
  EXPECT_EQ(sorted_list(), (std::vector<std::string>{"runs/r2/a/part-0"}));
}

TEST_F(RgwTest, KeysWithSpacesUnicodeAndSymbols) {
  const std::vector<std::string> keys = {
      "public.my table/part 0.csv", "caf\xc3\xa9/\xe1\x88\xb4.jsonl", "a+b=c&d;e,f@g$h!i'j(k)l*m",
      "percent%20literal",          "tilde~under_score-dash.dot",     "quote\"<angle>"};
  for (const auto& key : keys) storage::put_object(*storage_, key, "v:" + key);
  auto listed = sorted_list();
  auto expected = keys;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
  for (const auto& key : keys) EXPECT_EQ(storage_->read(key), "v:" + key) << key;
  storage_->remove_prefix("");
  EXPECT_TRUE(sorted_list().empty());
}

TEST_F(RgwTest, ObjectOptionsAreAccepted) {
  S3Options with_options = options();
  with_options.acl = "bucket-owner-full-control";
  with_options.sse = "aws:kms";
  with_options.kms_key_id = "testkey-1";  // the gateway's built-in testing KMS key
  with_options.storage_class = "STANDARD";
  auto storage = make_s3_storage(with_options);
  storage->check_writable();
  const std::string small = pattern(1000, 6);
  storage::put_object(*storage, "small", small);
  const std::string large = pattern(11 * kMebibyte, 7);
  auto writer = storage->create("large");
  writer->write(large);
  writer->commit();
  EXPECT_EQ(storage->read("small"), small);
  EXPECT_EQ(storage->read("large"), large);
}

TEST_F(RgwTest, WrongSecretIsAClearCredentialsError) {
  S3Options wrong = options();
  wrong.credentials = std::make_shared<StaticCredentialsProvider>(
      Credentials{env("AWS_ACCESS_KEY_ID"), "not-the-secret", "", std::nullopt, "test"});
  auto storage = make_s3_storage(wrong);
  try {
    storage::put_object(*storage, "k", "v");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::credentials_error) << error.what();
    EXPECT_NE(std::string(error.what()).find("SignatureDoesNotMatch"), std::string::npos)
        << error.what();
    EXPECT_EQ(std::string(error.what()).find("not-the-secret"), std::string::npos);
  }
}

TEST_F(RgwTest, UnknownKeyIsAClearCredentialsError) {
  S3Options wrong = options();
  wrong.credentials = std::make_shared<StaticCredentialsProvider>(
      Credentials{"AKIDUNKNOWNUNKNOWN00", "secret", "", std::nullopt, "test"});
  try {
    make_s3_storage(wrong)->check_writable();
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("InvalidAccessKeyId"), std::string::npos)
        << error.what();
  }
}

TEST_F(RgwTest, MissingBucketIsAClearError) {
  S3Options missing = options();
  missing.url = "s3://pgexport-no-such-bucket/x";
  auto storage = make_s3_storage(missing);
  try {
    storage->read("k");
    FAIL();
  } catch (const Error& error) {
    EXPECT_FALSE(error.retryable());
    EXPECT_NE(std::string(error.what()).find("NoSuchBucket"), std::string::npos) << error.what();
  }
  EXPECT_THROW(storage->client().head_bucket(), Error);
  storage_->client().head_bucket();  // and the real one is there
}

TEST_F(RgwTest, CreateIfAbsentKeepsTheFirstObject) {
  EXPECT_EQ(storage_->create_if_absent("runs/r1/_manifest.json", "first"),
            storage::ConditionalWrite::written);
  EXPECT_EQ(storage_->create_if_absent("runs/r1/_manifest.json", "second"),
            storage::ConditionalWrite::condition_failed);
  EXPECT_EQ(storage_->read("runs/r1/_manifest.json"), "first");
}

TEST_F(RgwTest, ConcurrentCreateIfAbsentHasExactlyOneWinner) {
  constexpr int kRacers = 8;
  for (int round = 0; round < 3; ++round) {
    const std::string key = fmt::format("changes/log/{:08}.json", round);
    std::vector<storage::ConditionalWrite> outcomes(kRacers);
    std::latch start(kRacers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        outcomes[i] = storage_->create_if_absent(key, fmt::format("writer {}", i));
      });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(std::count(outcomes.begin(), outcomes.end(), storage::ConditionalWrite::written), 1)
        << key;
    const auto winner =
        std::find(outcomes.begin(), outcomes.end(), storage::ConditionalWrite::written) -
        outcomes.begin();
    EXPECT_EQ(storage_->read(key), fmt::format("writer {}", winner));
  }
}

TEST_F(RgwTest, ReplaceIfUnchangedFollowsTheEtag) {
  storage::put_object(*storage_, "latest.json", "v1");
  const auto first = storage_->read_versioned("latest.json");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "v1");
  EXPECT_FALSE(first->version.empty());
  EXPECT_EQ(storage_->stat("latest.json")->version, first->version);

  EXPECT_EQ(storage_->replace_if_unchanged("latest.json", "v2", first->version),
            storage::ConditionalWrite::written);
  EXPECT_EQ(storage_->read("latest.json"), "v2");
  EXPECT_EQ(storage_->replace_if_unchanged("latest.json", "v3", first->version),
            storage::ConditionalWrite::condition_failed);
  EXPECT_EQ(storage_->read("latest.json"), "v2");
  const auto second = storage_->read_versioned("latest.json");
  ASSERT_TRUE(second);
  EXPECT_NE(second->version, first->version);
  EXPECT_EQ(storage_->replace_if_unchanged("latest.json", "v3", second->version),
            storage::ConditionalWrite::written);
  EXPECT_EQ(storage_->read("latest.json"), "v3");
  EXPECT_EQ(storage_->replace_if_unchanged("missing.json", "x", second->version),
            storage::ConditionalWrite::condition_failed);
  EXPECT_FALSE(storage_->read("missing.json"));
}

TEST_F(RgwTest, StatAndListDetailedTellTheTime) {
  const auto now = std::chrono::system_clock::now();
  storage::put_object(*storage_, "runs/r1/a b+c.csv", "12345");
  storage::put_object(*storage_, "runs/r1/b", "");
  auto objects = storage_->list_detailed("runs/");
  std::sort(objects.begin(), objects.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].key, "runs/r1/a b+c.csv");
  EXPECT_EQ(objects[0].size, 5u);
  EXPECT_EQ(objects[1].size, 0u);
  for (const auto& object : objects) {
    EXPECT_LT(std::chrono::abs(object.modified - now), std::chrono::minutes(1)) << object.key;
    const auto stat = storage_->stat(object.key);
    ASSERT_TRUE(stat) << object.key;
    EXPECT_EQ(stat->version, object.version);
    EXPECT_EQ(stat->size, object.size);
    EXPECT_LT(std::chrono::abs(stat->modified - now), std::chrono::minutes(1));
  }
  EXPECT_FALSE(storage_->stat("runs/r1/missing"));
}

TEST_F(RgwTest, ReadIntoStreamsRangesOfALargeObject) {
  const std::string data = pattern(2 * kReadRangeSize + 777, 8);
  auto writer = storage_->create("big");
  writer->write(data);
  writer->commit();
  StringSink sink;
  EXPECT_TRUE(storage_->read_into("big", sink));
  EXPECT_TRUE(sink.data == data);
  StringSink missing;
  EXPECT_FALSE(storage_->read_into("missing", missing));
}

TEST_F(RgwTest, PendingUploadIsListedUntilAborted) {
  const std::string id = storage_->client().create_multipart_upload(prefix_ + "/runs/r1/t/part 0");
  const auto now = std::chrono::system_clock::now();
  auto pending = storage_->list_pending_uploads("runs/");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].key, "runs/r1/t/part 0");
  EXPECT_EQ(pending[0].id, id);
  EXPECT_LT(std::chrono::abs(pending[0].started - now), std::chrono::minutes(1));
  EXPECT_TRUE(storage_->list_pending_uploads("other/").empty());
  storage_->abort_pending_upload(pending[0]);
  EXPECT_TRUE(storage_->list_pending_uploads("runs/").empty());
  EXPECT_TRUE(uploads().empty());
}

TEST_F(RgwTest, CheckWritableFindsConditionalWritesHonoured) {
  storage_->check_writable();
  EXPECT_TRUE(storage_->supports_conditional_writes());
  EXPECT_TRUE(sorted_list().empty());  // the probe is gone
}

}  // namespace
}  // namespace pgexport::s3
