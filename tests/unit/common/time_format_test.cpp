// Timestamps read back exactly as they are written, and nothing else reads as one.
#include "common/time_format.hpp"

#include <gtest/gtest.h>

namespace pgexport {
namespace {

using namespace std::chrono;

TEST(TimeFormat, ParsesWhatItFormats) {
  auto time =
      sys_days(year(2026) / 11 / 24) + hours(20) + minutes(35) + seconds(43) + milliseconds(123);
  auto text = format_utc_timestamp(time_point_cast<system_clock::duration>(time));
  EXPECT_EQ(text, "2026-11-24T20:35:43.123Z");
  EXPECT_EQ(parse_utc_timestamp(text), time);
  EXPECT_EQ(parse_utc_timestamp("2026-11-24T20:35:43Z"), time - milliseconds(123));
  EXPECT_EQ(parse_utc_timestamp("2026-11-24T20:35:43.123456Z"), time + microseconds(456));
}

TEST(TimeFormat, RefusesOtherText) {
  for (const char* bad : {"", "2026-11-24", "2026-11-24T20:35:43", "2026-11-24 20:35:43Z",
                          "2026-02-30T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T20:35:43.Z",
                          "2026-11-24T20:35:43+01:00", "20261124T203543Z"}) {
    EXPECT_FALSE(parse_utc_timestamp(bad)) << bad;
  }
}

}  // namespace
}  // namespace pgexport
