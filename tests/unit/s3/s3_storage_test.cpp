#include "storage/s3/s3_storage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/digest.hpp"
#include "fake_s3.hpp"

namespace pgexport::s3 {
namespace {

using testing::FakeS3;
using testing::Injection;

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

S3Options fake_options(std::shared_ptr<FakeS3> fake, std::string url = "s3://bucket/exports/prod") {
  S3Options options;
  options.url = std::move(url);
  options.endpoint = "http://fake.test";
  options.transport = std::move(fake);
  options.credentials = std::make_shared<StaticCredentialsProvider>(testing::test_credentials());
  options.environment = environment({});
  options.retry_clock = &testing::instant_retry_clock();
  return options;
}

std::vector<std::string> sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(S3Storage, DescribeAndKeysUnderThePrefix) {
  auto fake = std::make_shared<FakeS3>();
  auto storage = make_s3_storage(fake_options(fake));
  EXPECT_EQ(storage->describe(), "s3://bucket/exports/prod");
  const auto info = storage::put_object(*storage, "runs/r1/_manifest.json", "{}");
  EXPECT_EQ(info.key, "runs/r1/_manifest.json");
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256("{}")));
  EXPECT_EQ(fake->objects().count("exports/prod/runs/r1/_manifest.json"), 1u);
  EXPECT_EQ(storage->read("runs/r1/_manifest.json"), "{}");
  EXPECT_FALSE(storage->read("runs/r1/missing"));

  EXPECT_EQ(make_s3_storage(fake_options(fake, "s3://bucket"))->describe(), "s3://bucket");
}

TEST(S3Storage, ListIsRelativeAndStaysUnderTheRoot) {
  auto fake = std::make_shared<FakeS3>();
  fake->set_page_size(2);
  fake->put("exports/prod/runs/a/1", "x");
  fake->put("exports/prod/runs/a/2", "x");
  fake->put("exports/prod/runs/b/1", "x");
  fake->put("exports/prod/latest.json", "x");
  fake->put("exports/prod2/runs/a/1", "x");  // a sibling prefix that must not leak in
  auto storage = make_s3_storage(fake_options(fake));
  EXPECT_EQ(sorted(storage->list("runs/a/")), (std::vector<std::string>{"runs/a/1", "runs/a/2"}));
  EXPECT_EQ(storage->list("").size(), 4u);
}

TEST(S3Storage, RemoveAndRemovePrefixAbortsUploads) {
  auto fake = std::make_shared<FakeS3>();
  fake->set_page_size(2);
  for (int i = 0; i < 5; ++i) fake->put("exports/prod/runs/r1/t/part-" + std::to_string(i), "x");
  fake->put("exports/prod/runs/r2/keep", "x");
  auto storage = make_s3_storage(fake_options(fake));
  auto& client = storage->client();
  client.create_multipart_upload("exports/prod/runs/r1/t/part-9");
  client.create_multipart_upload("exports/prod/runs/r1/t/part-10");
  client.create_multipart_upload("exports/prod/runs/r2/other");

  storage->remove_prefix("runs/r1/");
  EXPECT_EQ(fake->objects().size(), 1u);
  EXPECT_EQ(fake->objects().count("exports/prod/runs/r2/keep"), 1u);
  EXPECT_EQ(fake->open_uploads(), 1u);  // only the upload outside the prefix is left

  storage->remove("runs/r2/keep");
  storage->remove("runs/r2/keep");  // removing a missing object is fine
  EXPECT_TRUE(fake->objects().empty());
}

TEST(S3Storage, CheckWritableProbesWithPutAndDelete) {
  auto fake = std::make_shared<FakeS3>();
  S3Options options = fake_options(fake);
  options.sse = "aws:kms";
  options.kms_key_id = "alias/warehouse";
  options.acl = "bucket-owner-full-control";
  auto storage = make_s3_storage(options);
  storage->check_writable();
  const auto calls = fake->calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].operation, "PutObject");
  EXPECT_TRUE(calls[0].url.starts_with("http://fake.test/bucket/exports/prod/_pgexport_probe."))
      << calls[0].url;
  // The probe carries the real object options, so a bucket policy demanding them is tested.
  EXPECT_EQ(http::find_header(calls[0].headers, "x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(http::find_header(calls[0].headers, "x-amz-acl"), "bucket-owner-full-control");
  // Then the conditional-write probe on the same key, whose refusal is read back (other bytes:
  // not our write), then the delete.
  EXPECT_EQ(calls[1].operation, "PutObject");
  EXPECT_EQ(calls[1].url, calls[0].url);
  EXPECT_EQ(http::find_header(calls[1].headers, "if-none-match"), "*");
  EXPECT_EQ(calls[2].operation, "GetObject");
  EXPECT_EQ(calls[3].operation, "DeleteObject");
  EXPECT_EQ(calls[3].url, calls[0].url);
  EXPECT_TRUE(fake->objects().empty());
}

TEST(S3Storage, CheckWritableFailsClearly) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("PutObject", 1, 403, "AccessDenied"));
  auto storage = make_s3_storage(fake_options(fake));
  try {
    storage->check_writable();
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::destination_unwritable);
    const std::string message = error.what();
    EXPECT_TRUE(
        message.starts_with("cannot write to s3://bucket/exports/prod: PUT "
                            "s3://bucket/exports/prod/_pgexport_probe."))
        << message;
    EXPECT_NE(message.find(" failed: 403 AccessDenied"), std::string::npos) << message;
  }
}

TEST(S3Storage, ProbeThatCannotBeDeletedIsOnlyAWarning) {
  auto fake = std::make_shared<FakeS3>();
  fake->inject(Injection::answer("DeleteObject", 1, 403, "AccessDenied"));
  auto storage = make_s3_storage(fake_options(fake));
  EXPECT_NO_THROW(storage->check_writable());
}

TEST(S3Storage, WritersShareTheMemoryBudget) {
  auto fake = std::make_shared<FakeS3>();
  S3Options options = fake_options(fake);
  options.part_size = 5 * kMebibyte;
  options.memory_budget = std::make_shared<MemoryBudget>(15 * kMebibyte);
  auto storage = make_s3_storage(options);
  const std::string data(12 * kMebibyte, 'z');
  auto writer = storage->create("t/part-0");
  writer->write(data);
  const auto info = writer->commit();
  EXPECT_EQ(info.size, data.size());
  EXPECT_EQ(fake->count("UploadPart"), 3);
  // The part buffers were leased from the budget, not allocated beside it.
  EXPECT_GE(options.memory_budget->peak(), 5 * kMebibyte);
  EXPECT_EQ(options.memory_budget->in_use(), 0u);
}

TEST(S3Storage, OptionValidation) {
  auto fake = std::make_shared<FakeS3>();
  auto expect_usage = [&](S3Options options, std::string_view fragment) {
    try {
      make_s3_storage(options);
      FAIL() << fragment;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage) << error.what();
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  S3Options options = fake_options(fake);
  options.part_size = kMebibyte;
  expect_usage(options, "part size");
  options = fake_options(fake);
  options.max_parts_in_flight = 0;
  expect_usage(options, "parts in flight");
  options = fake_options(fake);
  options.sse = "kms";
  expect_usage(options, "server-side encryption");
  options = fake_options(fake);
  options.kms_key_id = "k";
  expect_usage(options, "aws:kms");
  options = fake_options(fake, "https://bucket/x");
  expect_usage(options, "not an S3 URL");
  options = fake_options(fake);
  options.endpoint = "";
  expect_usage(options, "--s3-region");  // AWS needs a region
}

TEST(S3Storage, AwsEndpointFromOptions) {
  auto fake = std::make_shared<FakeS3>();
  S3Options options = fake_options(fake, "s3://warehouse-bucket/p");
  options.endpoint = "";
  options.region = "us-gov-west-1";
  options.fips = true;
  auto storage = make_s3_storage(options);
  EXPECT_EQ(storage->client().endpoint().host(),
            "warehouse-bucket.s3-fips.us-gov-west-1.amazonaws.com");
}

}  // namespace
}  // namespace pgexport::s3
