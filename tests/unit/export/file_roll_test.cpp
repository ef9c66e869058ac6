// When a task moves on to its next file: --max-file-size, and before the file outgrows the
// largest object the destination stores.
#include "export/file_roll.hpp"

#include <gtest/gtest.h>

namespace pgexport::exporter {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(FileRoll, WithoutLimitsAFileIsNeverClosedEarly) {
  EXPECT_EQ(file_roll_bytes(0, std::nullopt), 0u);
  EXPECT_EQ(file_roll_bytes(5 * kGiB, std::nullopt), 5 * kGiB);
}

TEST(FileRoll, TheLargestObjectClosesTheFileWithRoomForOneMoreRow) {
  // 117 GiB: what a 64 MiB upload budget lets one object reach.
  EXPECT_EQ(file_roll_bytes(0, 117 * kGiB), 117 * kGiB - kRollHeadroomBytes);
  // --max-file-size below it wins; above it, the object's limit does.
  EXPECT_EQ(file_roll_bytes(10 * kGiB, 117 * kGiB), 10 * kGiB);
  EXPECT_EQ(file_roll_bytes(200 * kGiB, 117 * kGiB), 117 * kGiB - kRollHeadroomBytes);
}

TEST(FileRoll, ADestinationTooSmallForTheHeadroomRollsAtHalf) {
  EXPECT_EQ(file_roll_bytes(0, 3 * kGiB), 3 * kGiB / 2);
  EXPECT_EQ(file_roll_bytes(0, 1), 1u);  // never 0, which would mean "no limit"
}

}  // namespace
}  // namespace pgexport::exporter
