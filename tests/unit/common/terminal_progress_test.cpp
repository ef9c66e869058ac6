// The live display with a fake clock and a string for a terminal: redraws are rate limited,
// log lines pass above the display without mixing with it, and the end leaves nothing behind.
#include "common/terminal_progress.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgexport {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kErase = "\r\x1b[K";

class TerminalProgressTest : public ::testing::Test {
 protected:
  TerminalProgress display_{[this](std::string_view bytes) { writes_.emplace_back(bytes); },
                            [this] { return now_; }, 80};
  std::vector<std::string> writes_;
  std::chrono::steady_clock::time_point now_{};

  static ProgressCounts counts(uint64_t rows) {
    ProgressCounts counts;
    counts.tables_total = 2;
    counts.rows = rows;
    return counts;
  }
};

TEST_F(TerminalProgressTest, RedrawsAtMostFourTimesASecond) {
  display_.update(counts(1));
  ASSERT_EQ(writes_.size(), 1u);
  EXPECT_EQ(writes_[0], std::string(kErase) + progress_line(counts(1)));
  now_ += 100ms;
  display_.update(counts(2));
  now_ += 100ms;
  display_.update(counts(3));
  EXPECT_EQ(writes_.size(), 1u) << "redrawn within 250 ms of the last redraw";
  now_ += 50ms;
  display_.update(counts(4));
  ASSERT_EQ(writes_.size(), 2u);
  EXPECT_EQ(writes_[1], std::string(kErase) + progress_line(counts(4)));
}

TEST_F(TerminalProgressTest, ALogLineErasesTheDisplayAndItIsDrawnAgainBelow) {
  display_.write_line("before any display\n");
  EXPECT_EQ(writes_.back(), "before any display\n");
  display_.update(counts(7));
  display_.write_line("a log line\n");
  EXPECT_EQ(writes_.back(),
            std::string(kErase) + "a log line\n" + std::string(kErase) + progress_line(counts(7)));
  // What the log line drew counts as nothing new: the next update within 250 ms waits.
  display_.update(counts(8));
  EXPECT_EQ(writes_.size(), 3u);
}

TEST_F(TerminalProgressTest, FinishErasesTheLineAndNothingIsDrawnAfter) {
  display_.update(counts(1));
  display_.finish();
  EXPECT_EQ(writes_.back(), kErase);
  now_ += 1s;
  display_.update(counts(2));
  display_.write_line("after\n");
  EXPECT_EQ(writes_.back(), "after\n");
  EXPECT_EQ(writes_.size(), 3u);
}

TEST_F(TerminalProgressTest, FinishWithoutADisplayWritesNothing) {
  display_.finish();
  EXPECT_TRUE(writes_.empty());
}

TEST_F(TerminalProgressTest, TheLineIsCutToTheTerminalWidth) {
  std::vector<std::string> writes;
  TerminalProgress narrow([&](std::string_view bytes) { writes.emplace_back(bytes); },
                          [] { return std::chrono::steady_clock::time_point{}; }, 20);
  narrow.update(counts(1));
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0], std::string(kErase) + progress_line(counts(1)).substr(0, 19));
}

}  // namespace
}  // namespace pgexport
