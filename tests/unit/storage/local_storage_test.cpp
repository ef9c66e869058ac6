#include "storage/local/local_storage.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace pgexport::storage {
namespace {

namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pgexport-local-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string file_contents(const std::string& key) const {
    std::ifstream file(root_ / key, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
  }

  fs::path root_;
};

// Counts how the bytes arrive, to check that streaming is done in bounded pieces.
class PieceRecorder final : public ByteSink {
 public:
  void write(std::string_view bytes) override {
    data.append(bytes);
    largest = std::max(largest, bytes.size());
    ++pieces;
  }
  std::string data;
  size_t largest = 0;
  size_t pieces = 0;
};

constexpr int kRacers = 8;

// Runs body(i) on kRacers threads released together by a latch, so the calls overlap as much
// as the scheduler allows; the assertions hold for every interleaving.
template <typename Body>
void race(Body body) {
  std::latch start(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(i);
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST_F(LocalStorageTest, ObjectIsInvisibleUntilCommit) {
  LocalStorage storage(root_);
  storage.check_writable();
  auto writer = storage.create("runs/r1/t/part-0.csv");
  writer->write("hello ");
  writer->write("world");
  EXPECT_TRUE(storage.list("runs/").empty());
  EXPECT_FALSE(storage.read("runs/r1/t/part-0.csv").has_value());
  ObjectInfo info = writer->commit();
  EXPECT_EQ(info.size, 11u);
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256("hello world")));
  EXPECT_EQ(storage.read("runs/r1/t/part-0.csv"), "hello world");
  EXPECT_EQ(storage.list("runs/"), std::vector<std::string>{"runs/r1/t/part-0.csv"});
}

TEST_F(LocalStorageTest, DestroyedWriterLeavesNothing) {
  LocalStorage storage(root_);
  {
    auto writer = storage.create("a/b.csv");
    writer->write(std::string(3 << 20, 'x'));
  }
  EXPECT_TRUE(storage.list("").empty());
  EXPECT_TRUE(fs::is_empty(root_ / "a"));
}

TEST_F(LocalStorageTest, AWriterStopsAtTheLargestObjectItWasGiven) {
  EXPECT_EQ(LocalStorage(root_).largest_object_bytes(), std::nullopt);
  LocalStorage storage(root_, "--spool", 10);
  EXPECT_EQ(storage.largest_object_bytes(), 10u);
  auto writer = storage.create("a/b.csv");
  writer->write("0123456789");  // exactly the limit fits
  try {
    writer->write("x");
    FAIL() << "the object grew past its limit";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_error);
    EXPECT_NE(std::string(error.what()).find("past 10 bytes"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("--spool"), std::string::npos) << error.what();
  }
  writer->abort();
  EXPECT_TRUE(storage.list("").empty());
}

TEST_F(LocalStorageTest, ListFiltersByPrefixTextAndRemovePrefixDeletes) {
  LocalStorage storage(root_);
  put_object(storage, "runs/2026a/x", "1");
  put_object(storage, "runs/2026b/y", "2");
  put_object(storage, "latest.json", "{}");
  auto keys = storage.list("runs/2026a");
  EXPECT_EQ(keys, std::vector<std::string>{"runs/2026a/x"});
  storage.remove_prefix("runs/2026a/");
  EXPECT_TRUE(storage.list("runs/2026a").empty());
  EXPECT_EQ(storage.list("runs/").size(), 1u);
}

TEST_F(LocalStorageTest, RemovingAnAttemptPrefixLeavesNoEmptyRunDirectory) {
  LocalStorage storage(root_);
  put_object(storage, "runs/r1/data-a/public.t/part-00000-000.csv", "1");
  put_object(storage, "runs/r2/data-b/public.t/part-00000-000.csv", "2");
  storage.remove_prefix("runs/r1/data-a/");
  EXPECT_FALSE(fs::exists(root_ / "runs" / "r1")) << "an empty run directory stayed behind";
  EXPECT_TRUE(fs::exists(root_ / "runs" / "r2" / "data-b"));
  storage.remove_prefix("runs/r2/data-b/");
  EXPECT_TRUE(fs::exists(root_)) << "the destination itself must stay";
}

TEST_F(LocalStorageTest, UnwritableDestinationIsAClearError) {
  if (::geteuid() == 0) {
    // root ignores permissions; a path below a regular file cannot be a directory for anyone.
    fs::create_directories(root_);
    { std::ofstream(root_ / "file") << "x"; }
    LocalStorage storage(root_ / "file" / "sub");
    try {
      storage.check_writable();
      FAIL() << "expected an error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::destination_unwritable);
      EXPECT_NE(std::string(error.what()).find("--destination"), std::string::npos);
    }
    return;
  }
  fs::create_directories(root_);
  fs::permissions(root_, fs::perms::owner_read | fs::perms::owner_exec);
  LocalStorage storage(root_);
  EXPECT_THROW(storage.check_writable(), Error);
  fs::permissions(root_, fs::perms::owner_all);
}

TEST_F(LocalStorageTest, ConcurrentCreateIfAbsentHasExactlyOneWinner) {
  LocalStorage storage(root_);
  storage.check_writable();
  // Several keys, each raced by all threads, so many interleavings are tried per run.
  for (int round = 0; round < 20; ++round) {
    const std::string key = "runs/r" + std::to_string(round) + "/_manifest.json";
    std::vector<ConditionalWrite> outcomes(kRacers);
    race([&](int i) {
      // Different sizes too: a winner's file must never mix in a loser's bytes.
      const std::string bytes = "writer " + std::to_string(i) + std::string(1000 * i, 'a' + i);
      outcomes[i] = storage.create_if_absent(key, bytes);
    });
    const auto winners = std::count(outcomes.begin(), outcomes.end(), ConditionalWrite::written);
    ASSERT_EQ(winners, 1) << key;
    const int winner = static_cast<int>(
        std::find(outcomes.begin(), outcomes.end(), ConditionalWrite::written) - outcomes.begin());
    EXPECT_EQ(file_contents(key),
              "writer " + std::to_string(winner) + std::string(1000 * winner, 'a' + winner));
  }
  EXPECT_TRUE(storage.list_pending_uploads("").empty());  // no temporary left behind
  EXPECT_EQ(storage.list("runs/").size(), 20u);
}

TEST_F(LocalStorageTest, CreateIfAbsentKeepsTheFirstObject) {
  LocalStorage storage(root_);
  EXPECT_EQ(storage.create_if_absent("latest.json", "first"), ConditionalWrite::written);
  EXPECT_EQ(storage.create_if_absent("latest.json", "second"), ConditionalWrite::condition_failed);
  EXPECT_EQ(storage.read("latest.json"), "first");
}

TEST_F(LocalStorageTest, ReplaceIfUnchangedComparesVersions) {
  LocalStorage storage(root_);
  put_object(storage, "latest.json", "v1");
  const auto first = storage.read_versioned("latest.json");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "v1");
  EXPECT_EQ(storage.stat("latest.json")->version, first->version);

  // Same size as v1, written at once: the version must change anyway.
  EXPECT_EQ(storage.replace_if_unchanged("latest.json", "v2", first->version),
            ConditionalWrite::written);
  const auto second = storage.stat("latest.json");
  ASSERT_TRUE(second);
  EXPECT_NE(second->version, first->version);
  EXPECT_EQ(storage.read("latest.json"), "v2");

  // The stale version fails and changes nothing.
  EXPECT_EQ(storage.replace_if_unchanged("latest.json", "v3", first->version),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(storage.read("latest.json"), "v2");
  EXPECT_EQ(storage.stat("latest.json")->version, second->version);

  // A vanished object fails too.
  EXPECT_EQ(storage.replace_if_unchanged("missing.json", "x", second->version),
            ConditionalWrite::condition_failed);
  EXPECT_EQ(storage.replace_if_unchanged("no/such/dir.json", "x", second->version),
            ConditionalWrite::condition_failed);
  EXPECT_FALSE(storage.read("missing.json"));

  // The lock file and temporaries are not objects.
  EXPECT_EQ(storage.list(""), std::vector<std::string>{"latest.json"});
  EXPECT_TRUE(storage.list_pending_uploads("").empty());
}

TEST_F(LocalStorageTest, VersionsNeverRepeatAcrossManyReplaces) {
  LocalStorage storage(root_);
  put_object(storage, "pointer", "same");
  std::vector<std::string> seen = {storage.stat("pointer")->version};
  // Same bytes every time and as fast as possible: only inode and mtime tell versions apart,
  // and freed inode numbers are reused.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(storage.replace_if_unchanged("pointer", "same", seen.back()),
              ConditionalWrite::written);
    const std::string version = storage.stat("pointer")->version;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), version), 0) << version;
    seen.push_back(version);
  }
  for (size_t i = 0; i + 1 < seen.size(); ++i) {
    EXPECT_EQ(storage.replace_if_unchanged("pointer", "stale", seen[i]),
              ConditionalWrite::condition_failed);
  }
  EXPECT_EQ(storage.read("pointer"), "same");
}

TEST_F(LocalStorageTest, ConcurrentReplacesOfOneVersionHaveExactlyOneWinner) {
  LocalStorage storage(root_);
  put_object(storage, "changes/log/head", "0");
  for (int round = 0; round < 20; ++round) {
    const std::string version = storage.stat("changes/log/head")->version;
    std::vector<ConditionalWrite> outcomes(kRacers);
    race([&](int i) {
      outcomes[i] = storage.replace_if_unchanged("changes/log/head", std::to_string(i), version);
    });
    ASSERT_EQ(std::count(outcomes.begin(), outcomes.end(), ConditionalWrite::written), 1);
    const int winner = static_cast<int>(
        std::find(outcomes.begin(), outcomes.end(), ConditionalWrite::written) - outcomes.begin());
    EXPECT_EQ(storage.read("changes/log/head"), std::to_string(winner));
  }
}

TEST_F(LocalStorageTest, MissingIsNulloptButADirectoryIsAnError) {
  LocalStorage storage(root_);
  put_object(storage, "runs/r1/file", "x");
  EXPECT_FALSE(storage.read("runs/r1/missing"));
  EXPECT_FALSE(storage.read_versioned("runs/r1/missing"));
  EXPECT_FALSE(storage.stat("runs/r1/missing"));
  StringSink sink;
  EXPECT_FALSE(storage.read_into("runs/r1/missing", sink));
  EXPECT_FALSE(storage.read("runs/r1/file/below"));  // below a file: nothing can be there

  // "runs/r1" is a directory: not an object, and not "missing" either.
  for (const auto& call : std::vector<std::function<void()>>{
           [&] { storage.read("runs/r1"); }, [&] { storage.read_versioned("runs/r1"); },
           [&] { storage.stat("runs/r1"); }, [&] { storage.read_into("runs/r1", sink); }}) {
    try {
      call();
      ADD_FAILURE() << "expected an error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::storage_error);
      EXPECT_NE(std::string(error.what()).find((root_ / "runs/r1").string()), std::string::npos)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("directory"), std::string::npos) << error.what();
    }
  }
  EXPECT_TRUE(sink.data.empty());
}

TEST_F(LocalStorageTest, ReadIntoStreamsInBoundedPieces) {
  LocalStorage storage(root_);
  std::string data(3 * (1 << 20) + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7919 % 251);
  put_object(storage, "big", data);
  PieceRecorder sink;
  EXPECT_TRUE(storage.read_into("big", sink));
  EXPECT_EQ(sink.data, data);
  EXPECT_LE(sink.largest, size_t{1} << 20);
  EXPECT_GE(sink.pieces, 4u);
}

TEST_F(LocalStorageTest, ListDetailedAgreesWithStat) {
  LocalStorage storage(root_);
  const auto before = std::chrono::system_clock::now() - std::chrono::minutes(1);
  put_object(storage, "runs/r1/a", "12345");
  put_object(storage, "runs/r1/b/c", "");
  put_object(storage, "other", "x");
  auto objects = storage.list_detailed("runs/");
  std::sort(objects.begin(), objects.end(),
            [](const ObjectStat& a, const ObjectStat& b) { return a.key < b.key; });
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].key, "runs/r1/a");
  EXPECT_EQ(objects[0].size, 5u);
  EXPECT_EQ(objects[1].key, "runs/r1/b/c");
  EXPECT_EQ(objects[1].size, 0u);
  for (const auto& object : objects) {
    const auto stat = storage.stat(object.key);
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->version, object.version);
    EXPECT_EQ(stat->modified, object.modified);
    EXPECT_GT(object.modified, before);
    EXPECT_LT(object.modified, std::chrono::system_clock::now() + std::chrono::minutes(1));
  }
}

TEST_F(LocalStorageTest, PendingUploadsAreListedAndAborted) {
  LocalStorage storage(root_);
  const auto before = std::chrono::system_clock::now() - std::chrono::minutes(1);
  put_object(storage, "runs/r1/t/part-0", "done");
  auto open = storage.create("runs/r1/t/part-1");
  open->write("half");
  auto other = storage.create("runs/r2/t/part-0");

  const auto pending = storage.list_pending_uploads("runs/r1/");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].key, "runs/r1/t/part-1");
  EXPECT_TRUE(pending[0].id.starts_with("runs/r1/t/.part-1.")) << pending[0].id;
  EXPECT_TRUE(pending[0].id.ends_with(".partial")) << pending[0].id;
  EXPECT_GT(pending[0].started, before);
  EXPECT_EQ(storage.list_pending_uploads("").size(), 2u);
  EXPECT_EQ(storage.list("runs/"), std::vector<std::string>{"runs/r1/t/part-0"});

  storage.abort_pending_upload(pending[0]);
  EXPECT_FALSE(fs::exists(root_ / pending[0].id));
  EXPECT_TRUE(storage.list_pending_uploads("runs/r1/").empty());
  storage.abort_pending_upload(pending[0]);  // already gone: fine
  EXPECT_EQ(storage.read("runs/r1/t/part-0"), "done");
  EXPECT_THROW(storage.abort_pending_upload({"runs/r1/t/part-0", "runs/r1/t/part-0", {}}), Error);
  EXPECT_THROW(storage.abort_pending_upload({"x", "../.x.1.2.partial", {}}), Error);
  EXPECT_EQ(storage.read("runs/r1/t/part-0"), "done");
}

TEST_F(LocalStorageTest, ListingFailsOnUnreadableDirectoriesButNotOnMissingOnes) {
  LocalStorage storage(root_);
  put_object(storage, "runs/r1/a", "x");
  // A directory the walk cannot open is an error, never a short listing. root reads every
  // directory, so that half runs only without root.
  if (::geteuid() != 0) {
    fs::permissions(root_ / "runs/r1", fs::perms::none);
    EXPECT_THROW(storage.list("runs/"), Error);
    fs::permissions(root_ / "runs/r1", fs::perms::owner_all);
  }
  EXPECT_EQ(storage.list("runs/"), std::vector<std::string>{"runs/r1/a"});
  EXPECT_TRUE(storage.list("nothing/here/").empty());
  EXPECT_TRUE(storage.list("runs/r1/a/").empty());  // a file, not a directory
}

}  // namespace
}  // namespace pgexport::storage
