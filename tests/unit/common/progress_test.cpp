// The rate and ETA of a run from its counts, and the short numbers of the display line.
#include "common/progress.hpp"

#include <gtest/gtest.h>

namespace pgexport {
namespace {

ProgressCounts counts_after(double seconds, uint64_t wire_bytes) {
  ProgressCounts counts;
  counts.tables_total = 4;
  counts.estimated_bytes = 1000;
  counts.wire_bytes = wire_bytes;
  counts.elapsed_seconds = seconds;
  return counts;
}

TEST(Progress, EtaIsTheEstimateLeftAtTheRateSoFar) {
  auto counts = counts_after(10, 250);  // 25 B/s, 750 of 1000 estimated bytes left
  EXPECT_DOUBLE_EQ(bytes_per_second(counts), 25);
  ASSERT_TRUE(eta_seconds(counts));
  EXPECT_DOUBLE_EQ(*eta_seconds(counts), 30);
}

TEST(Progress, EtaScalesTheEstimateByWhatFinishedTasksReadPerEstimatedByte) {
  // The finished tasks read twice their estimate, so 2000 wire bytes are expected in all.
  auto counts = counts_after(10, 500);
  counts.finished_estimated_bytes = 200;
  counts.finished_wire_bytes = 400;
  EXPECT_DOUBLE_EQ(*eta_seconds(counts), (2000 - 500) / 50.0);
}

TEST(Progress, EtaIsUnknownBeforeAnythingIsReadAndOnceTheEstimateIsExceeded) {
  EXPECT_FALSE(eta_seconds(counts_after(0, 0)));
  EXPECT_FALSE(eta_seconds(counts_after(5, 0)));
  EXPECT_FALSE(eta_seconds(counts_after(5, 1500)));
  auto no_estimate = counts_after(5, 100);
  no_estimate.estimated_bytes = 0;
  EXPECT_FALSE(eta_seconds(no_estimate));
}

TEST(Progress, EtaIsZeroOnceEveryTableIsDone) {
  auto counts = counts_after(5, 1500);
  counts.tables_done = 4;
  EXPECT_EQ(eta_seconds(counts), 0.0);
}

TEST(Progress, ShortNumbersKeepThreeSignificantDigits) {
  EXPECT_EQ(short_count(0), "0");
  EXPECT_EQ(short_count(999), "999");
  EXPECT_EQ(short_count(1000), "1.00k");
  EXPECT_EQ(short_count(12345), "12.3k");
  EXPECT_EQ(short_count(999499), "999k");
  EXPECT_EQ(short_count(999949), "1.00M");
  EXPECT_EQ(short_count(4560000000ull), "4.56G");
  EXPECT_EQ(short_bytes(512), "512 B");
  EXPECT_EQ(short_bytes(1536), "1.5 KiB");
  EXPECT_EQ(short_bytes(340ull << 20), "340.0 MiB");
  EXPECT_EQ(short_bytes((1ull << 30) - 1), "1.0 GiB");
  EXPECT_EQ(short_duration(0), "0s");
  EXPECT_EQ(short_duration(59.4), "59s");
  EXPECT_EQ(short_duration(187), "3m07s");
  EXPECT_EQ(short_duration(7500), "2h05m");
}

TEST(Progress, TheLineShowsEveryCount) {
  ProgressCounts counts = counts_after(10, 250ull << 20);
  counts.tables_done = 3;
  counts.tables_total = 12;
  counts.rows = 1234567;
  counts.stored_bytes = 80ull << 20;
  counts.estimated_bytes = 500ull << 20;
  EXPECT_EQ(progress_line(counts),
            "tables 3/12  rows 1.23M  read 250.0 MiB  stored 80.0 MiB  25.0 MiB/s  ETA 10s");
  counts.wire_bytes = 0;
  EXPECT_NE(progress_line(counts).find("ETA ?"), std::string::npos);
  EXPECT_EQ(progress_line(ProgressCounts{}), "starting");
}

TEST(Progress, EventFieldsAreNumbersAndEtaOnlyWhenKnown) {
  auto fields = progress_fields(counts_after(10, 250));
  std::vector<std::string> keys;
  for (const auto& [key, value] : fields) {
    keys.emplace_back(key);
    EXPECT_FALSE(std::holds_alternative<std::string>(value.variant())) << key;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"tables_done", "tables_total", "rows", "wire_bytes",
                                            "stored_bytes", "bytes_per_second", "elapsed_seconds",
                                            "eta_seconds"}));
  EXPECT_EQ(progress_fields(counts_after(10, 0)).size(), 7u);
}

}  // namespace
}  // namespace pgexport
