#include "export/commit.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "export/layout.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::exporter {
namespace {

namespace fs = std::filesystem;

class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pgexport-commit-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_);
    storage_->check_writable();
  }
  void TearDown() override { fs::remove_all(root_); }

  LatestPointer pointer(const std::string& run, const std::string& snapshot_at) {
    return LatestPointer{run, manifest_key(run), snapshot_at, snapshot_at};
  }
  std::string latest_run() {
    return parse_latest_pointer(*storage_->read(std::string(kLatestKey))).run_id;
  }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
};

TEST_F(CommitTest, TheFirstManifestWinsAndStays) {
  EXPECT_EQ(create_manifest(*storage_, "r1", "first\n"), ManifestOutcome::committed);
  EXPECT_EQ(create_manifest(*storage_, "r1", "second\n"), ManifestOutcome::already_exists);
  EXPECT_EQ(storage_->read(manifest_key("r1")), "first\n");
}

TEST_F(CommitTest, ExactlyOneOfManyConcurrentAttemptsCommits) {
  constexpr int kAttempts = 8;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kAttempts; ++i) {
    threads.emplace_back([&, i] {
      if (create_manifest(*storage_, "twin", "attempt " + std::to_string(i) + "\n") ==
          ManifestOutcome::committed) {
        ++committed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(committed.load(), 1);
}

TEST_F(CommitTest, LatestOnlyMovesToANewerSnapshot) {
  EXPECT_EQ(move_latest_pointer(*storage_, pointer("b", "2026-12-01T10:00:02.000Z")),
            PointerOutcome::moved);
  // An older run that finishes later must not move it back.
  EXPECT_EQ(move_latest_pointer(*storage_, pointer("a", "2026-12-01T10:00:01.000Z")),
            PointerOutcome::newer_exists);
  EXPECT_EQ(latest_run(), "b");
  EXPECT_EQ(move_latest_pointer(*storage_, pointer("c", "2026-12-01T10:00:03.000Z")),
            PointerOutcome::moved);
  EXPECT_EQ(latest_run(), "c");
  // Moving to the run it already names changes nothing.
  EXPECT_EQ(move_latest_pointer(*storage_, pointer("c", "2026-12-01T10:00:03.000Z")),
            PointerOutcome::newer_exists);
}

TEST_F(CommitTest, ConcurrentMoversLeaveTheNewestSnapshot) {
  constexpr int kRuns = 12;
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      // Zero-padded so the text order is the time order.
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "2026-12-01T10:00:%02d.000Z", i);
      move_latest_pointer(*storage_, pointer("run-" + std::to_string(i), stamp));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(latest_run(), "run-" + std::to_string(kRuns - 1));
}

TEST_F(CommitTest, APointerWithoutSnapshotTimeIsOlderThanAnyRun) {
  // latest.json as pgexport wrote it before runs were ordered by snapshot.
  ASSERT_EQ(storage_->create_if_absent(std::string(kLatestKey),
                                       R"({"run_id":"old","manifest":"runs/old/_manifest.json"})"),
            storage::ConditionalWrite::written);
  EXPECT_EQ(move_latest_pointer(*storage_, pointer("new", "2026-12-01T10:00:00.000Z")),
            PointerOutcome::moved);
  EXPECT_EQ(latest_run(), "new");
}

TEST_F(CommitTest, AnUnreadablePointerIsReplaced) {
  ASSERT_EQ(storage_->create_if_absent(std::string(kLatestKey), "not json"),
            storage::ConditionalWrite::written);
  EXPECT_EQ(move_latest_pointer(*storage_, pointer("r", "2026-12-01T10:00:00.000Z")),
            PointerOutcome::moved);
  EXPECT_EQ(latest_run(), "r");
}

}  // namespace
}  // namespace pgexport::exporter
