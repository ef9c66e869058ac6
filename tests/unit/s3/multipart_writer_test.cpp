#include "storage/s3/multipart_writer.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "common/digest.hpp"
#include "fake_s3.hpp"

namespace pgexport::s3 {
namespace {

using testing::FakeS3;
using testing::Injection;
using testing::make_test_client;

// Tiny parts so tests move bytes, not megabytes; the fake does not enforce S3's 5 MiB.
MultipartConfig small_parts(uint64_t part_size = 10, int in_flight = 4) {
  MultipartConfig config;
  config.initial_part_size = part_size;
  config.max_parts_in_flight = in_flight;
  return config;
}

std::string pattern(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 26);
  return bytes;
}

std::vector<size_t> part_sizes(const FakeS3& fake) {
  std::vector<std::pair<int, size_t>> parts;
  for (const auto& call : fake.calls()) {
    if (call.operation == "UploadPart") parts.emplace_back(call.part_number, call.body_size);
  }
  std::sort(parts.begin(), parts.end());
  std::vector<size_t> sizes;
  for (const auto& [number, size] : parts) sizes.push_back(size);
  return sizes;
}

struct Fixture {
  std::shared_ptr<FakeS3> fake = std::make_shared<FakeS3>();
  std::shared_ptr<S3Client> client = make_test_client(fake);

  std::unique_ptr<MultipartObjectWriter> writer(MultipartConfig config,
                                                std::shared_ptr<MemoryBudget> budget = nullptr,
                                                const std::string& key = "prefix/t/part-0") {
    return std::make_unique<MultipartObjectWriter>(client, key, "t/part-0", config,
                                                   std::move(budget));
  }
};

// The largest object: the schedule's parts up to the first one the budget cannot lease.
TEST(MultipartWriter, LargestObjectIsWhatTheBudgetLetsThePartsReach) {
  MultipartConfig config;  // 8 MiB parts, doubling every 1000
  // --memory-limit 128MiB for Parquet: 64 MiB of upload budget; 1000 parts of 8, 16, 32 and
  // 64 MiB, and the 4001st (128 MiB) does not fit.
  EXPECT_EQ(largest_object_bytes(config, 64 * kMebibyte), 120'000 * kMebibyte);
  // A budget that is not a part size: the last step that fits.
  EXPECT_EQ(largest_object_bytes(config, 100 * kMebibyte), 120'000 * kMebibyte);
  EXPECT_EQ(largest_object_bytes(config, 8 * kMebibyte), 8'000 * kMebibyte);
  // Below one part, nothing can be uploaded.
  EXPECT_EQ(largest_object_bytes(config, 4 * kMebibyte), 0u);
  // With memory to spare S3's own 5 TiB limit is the bound.
  EXPECT_EQ(largest_object_bytes(config, uint64_t{1} << 40), kMaxObjectBytes);
  // Large parts from the start: 10,000 parts of 16 MiB.
  config.initial_part_size = 16 * kMebibyte;
  config.parts_per_size_step = 20'000;
  EXPECT_EQ(largest_object_bytes(config, 16 * kMebibyte), 160'000 * kMebibyte);
}

TEST(MultipartWriter, SmallObjectIsOnePutAtCommit) {
  Fixture f;
  auto writer = f.writer(small_parts(100));
  writer->write("hello ");
  writer->write("world");
  EXPECT_TRUE(f.fake->calls().empty());  // nothing is sent before commit
  const storage::ObjectInfo info = writer->commit();
  EXPECT_EQ(info.key, "t/part-0");
  EXPECT_EQ(info.size, 11u);
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256("hello world")));
  EXPECT_EQ(f.fake->objects().at("prefix/t/part-0"), "hello world");
  EXPECT_EQ(f.fake->count("PutObject"), 1);
  EXPECT_EQ(f.fake->count("CreateMultipartUpload"), 0);
}

TEST(MultipartWriter, EmptyObject) {
  Fixture f;
  auto writer = f.writer(small_parts());
  const auto info = writer->commit();
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256("")));
  EXPECT_EQ(f.fake->objects().at("prefix/t/part-0"), "");
}

TEST(MultipartWriter, LargeObjectGoesMultipartInOrder) {
  Fixture f;
  f.fake->set_part_delay(std::chrono::milliseconds(2));  // parts finish out of order
  auto writer = f.writer(small_parts(10));
  const std::string data = pattern(95);
  for (size_t offset = 0; offset < data.size(); offset += 7) writer->write(data.substr(offset, 7));
  const auto info = writer->commit();
  EXPECT_EQ(info.size, 95u);
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256(data)));
  EXPECT_EQ(f.fake->objects().at("prefix/t/part-0"), data);
  EXPECT_EQ(f.fake->count("CreateMultipartUpload"), 1);
  EXPECT_EQ(f.fake->count("CompleteMultipartUpload"), 1);
  EXPECT_EQ(f.fake->count("PutObject"), 0);
  EXPECT_EQ(part_sizes(*f.fake), (std::vector<size_t>{10, 10, 10, 10, 10, 10, 10, 10, 10, 5}));
}

TEST(MultipartWriter, ExactMultipleOfThePartSizeHasNoEmptyLastPart) {
  Fixture f;
  auto writer = f.writer(small_parts(10));
  writer->write(pattern(30));
  writer->commit();
  EXPECT_EQ(part_sizes(*f.fake), (std::vector<size_t>{10, 10, 10}));
}

TEST(MultipartWriter, PartFailingOnceIsRetried) {
  Fixture f;
  f.fake->inject(Injection::answer("UploadPart", 1, 500, "InternalError", /*part_number=*/2));
  f.fake->inject(Injection::connection_reset("UploadPart", 1, /*part_number=*/3));
  auto writer = f.writer(small_parts(10));
  const std::string data = pattern(45);
  writer->write(data);
  writer->commit();
  EXPECT_EQ(f.fake->objects().at("prefix/t/part-0"), data);
  EXPECT_EQ(f.fake->count("UploadPart"), 7);  // 5 parts + 2 retries
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 0);
}

TEST(MultipartWriter, PartFailingForGoodAbortsAndNeverCompletes) {
  Fixture f;
  f.fake->inject(Injection::answer("UploadPart", 100, 503, "SlowDown", /*part_number=*/2));
  auto writer = f.writer(small_parts(10));
  try {
    writer->write(pattern(100));
    writer->commit();
    FAIL() << "expected the failed part to surface";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("part 2 failed after 5 attempts"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(f.fake->count("CompleteMultipartUpload"), 0);
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 1);
  EXPECT_EQ(f.fake->open_uploads(), 0u);
  EXPECT_TRUE(f.fake->objects().empty());
  writer->abort();  // safe after a failure
  EXPECT_THROW(writer->write("more"), Error);
}

TEST(MultipartWriter, NonRetryablePartErrorFailsAtOnce) {
  Fixture f;
  f.fake->inject(Injection::answer("UploadPart", 1, 403, "AccessDenied", /*part_number=*/1));
  auto writer = f.writer(small_parts(10));
  EXPECT_THROW(
      {
        writer->write(pattern(20));
        writer->commit();
      },
      Error);
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 1);
  EXPECT_EQ(f.fake->count("CompleteMultipartUpload"), 0);
}

TEST(MultipartWriter, CompleteFailingAborts) {
  Fixture f;
  f.fake->inject(Injection::answer("CompleteMultipartUpload", 1, 400, "InvalidPart"));
  auto writer = f.writer(small_parts(10));
  writer->write(pattern(25));
  EXPECT_THROW(writer->commit(), Error);
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 1);
  EXPECT_EQ(f.fake->open_uploads(), 0u);
}

TEST(MultipartWriter, CreateFailingLeavesNothingBehind) {
  Fixture f;
  f.fake->inject(Injection::answer("CreateMultipartUpload", 1, 403, "AccessDenied"));
  auto writer = f.writer(small_parts(10));
  EXPECT_THROW(writer->write(pattern(25)), Error);
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 0);  // there is no upload to abort
  EXPECT_EQ(f.fake->open_uploads(), 0u);
}

TEST(MultipartWriter, ExplicitAbortAndDestructorAbort) {
  Fixture f;
  {
    auto writer = f.writer(small_parts(10));
    writer->write(pattern(25));
    writer->abort();
    writer->abort();
    EXPECT_THROW(writer->commit(), Error);
  }
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 1);
  {
    auto writer = f.writer(small_parts(10));
    writer->write(pattern(25));
  }  // destroyed without commit
  EXPECT_EQ(f.fake->count("AbortMultipartUpload"), 2);
  EXPECT_EQ(f.fake->open_uploads(), 0u);
  EXPECT_TRUE(f.fake->objects().empty());
  {
    auto writer = f.writer(small_parts(10));
    writer->write("small");
  }  // single-PUT object destroyed without commit: nothing was sent at all
  EXPECT_TRUE(f.fake->objects().empty());
  EXPECT_EQ(f.fake->count("PutObject"), 0);
}

TEST(MultipartWriter, AbortFailureIsOnlyLogged) {
  Fixture f;
  f.fake->inject(Injection::answer("AbortMultipartUpload", 5, 403, "AccessDenied"));
  auto writer = f.writer(small_parts(10));
  writer->write(pattern(25));
  EXPECT_NO_THROW(writer->abort());
}

TEST(MultipartWriter, AfterCommitNothingElseIsAllowed) {
  Fixture f;
  auto writer = f.writer(small_parts(10));
  writer->write("x");
  writer->commit();
  EXPECT_THROW(writer->write("y"), Error);
  EXPECT_THROW(writer->commit(), Error);
  writer->abort();  // no effect on a committed object
  EXPECT_EQ(f.fake->objects().at("prefix/t/part-0"), "x");
}

TEST(MultipartWriter, PartSizeScheduleCoversFiveTebibytes) {
  const MultipartConfig config;
  EXPECT_EQ(part_size_for(1, config), 8 * kMebibyte);
  EXPECT_EQ(part_size_for(1000, config), 8 * kMebibyte);
  EXPECT_EQ(part_size_for(1001, config), 16 * kMebibyte);
  EXPECT_EQ(part_size_for(10'000, config), 4096 * kMebibyte);
  uint64_t total = 0;
  for (int part = 1; part <= kMaxParts; ++part) {
    EXPECT_LE(part_size_for(part, config), config.max_part_size);
    total += part_size_for(part, config);
  }
  EXPECT_GE(total, uint64_t{5} << 40);

  MultipartConfig capped;
  capped.initial_part_size = 3 * 1024 * kMebibyte;
  EXPECT_EQ(part_size_for(1001, capped), capped.max_part_size);
}

TEST(MultipartWriter, PartSizeGrowsAsTheUploadGoesOn) {
  Fixture f;
  MultipartConfig config = small_parts(4);
  config.parts_per_size_step = 2;
  auto writer = f.writer(config);
  const std::string data = pattern(4 + 4 + 8 + 8 + 16 + 3);
  writer->write(data);
  writer->commit();
  EXPECT_EQ(part_sizes(*f.fake), (std::vector<size_t>{4, 4, 8, 8, 16, 3}));
  EXPECT_EQ(f.fake->objects().at("prefix/t/part-0"), data);
}

TEST(MultipartWriter, PartsInFlightAreBounded) {
  Fixture f;
  f.fake->set_part_gate(3);  // parts wait until three are in flight together
  auto writer = f.writer(small_parts(10, /*in_flight=*/3));
  writer->write(pattern(200));
  writer->commit();
  EXPECT_EQ(f.fake->max_concurrent_parts(), 3);  // parallel, and never more than the bound
}

TEST(MultipartWriter, MemoryBudgetBoundsEveryWriterTogether) {
  Fixture f;
  f.fake->set_part_delay(std::chrono::milliseconds(5));
  constexpr uint64_t kPart = 1000;
  auto budget = std::make_shared<MemoryBudget>(3 * kPart);
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      auto writer =
          f.writer(small_parts(kPart, /*in_flight=*/8), budget, "obj-" + std::to_string(w));
      const std::string data = pattern(20 * kPart + 17);
      for (size_t offset = 0; offset < data.size(); offset += 333)
        writer->write(data.substr(offset, 333));
      writer->commit();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(budget->in_use(), 0u);
  // With every writer wanting 8 parts in flight, the budget is what held them back.
  EXPECT_LE(f.fake->max_concurrent_parts(), 3);
  for (int w = 0; w < 3; ++w) {
    EXPECT_EQ(f.fake->objects().at("obj-" + std::to_string(w)), pattern(20 * kPart + 17));
  }
}

TEST(MultipartWriter, BudgetIsReturnedAfterFailures) {
  Fixture f;
  f.fake->inject(Injection::answer("UploadPart", 100, 403, "AccessDenied"));
  auto budget = std::make_shared<MemoryBudget>(50);
  auto writer = f.writer(small_parts(10), budget);
  EXPECT_THROW(
      {
        writer->write(pattern(45));
        writer->commit();
      },
      Error);
  EXPECT_EQ(budget->in_use(), 0u);
}

TEST(MultipartWriter, PartLargerThanTheBudgetIsAUsageError) {
  Fixture f;
  auto budget = std::make_shared<MemoryBudget>(5);
  auto writer = f.writer(small_parts(10), budget);
  try {
    writer->write("x");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
  }
}

}  // namespace
}  // namespace pgexport::s3
