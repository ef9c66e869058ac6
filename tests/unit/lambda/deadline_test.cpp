// The deadline arithmetic at chosen clock readings, and the stop it arms.
#include "lambda/deadline.hpp"

#include <gtest/gtest.h>

#include "common/cancellation.hpp"
#include "lambda/deadline_stop.hpp"

namespace pgexport::lambda {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// A fixed "now": the arithmetic never reads the clock itself.
const auto kNow = std::chrono::system_clock::time_point(1'700'000'000'000ms);

DeadlineRules rules(uint64_t rate, int jobs) {
  DeadlineRules rules;
  rules.bytes_per_second_per_job = rate;
  rules.jobs = jobs;
  rules.cleanup_timeout = 25s;
  rules.margin = 10s;
  return rules;
}

TEST(Deadline, RemainingIsTheDeadlineLessNowAndTheReserveIsCleanupPlusMargin) {
  const auto plan = plan_deadline(kNow + 900s, kNow, rules(50'000'000, 2));
  EXPECT_EQ(plan.remaining, 900s);
  EXPECT_EQ(plan.reserve, 35s);
  EXPECT_EQ(plan.estimate, 0ms);
  EXPECT_EQ(plan.stop_after(), 865s);
  EXPECT_TRUE(plan.fits());
}

TEST(Deadline, TheEstimateIsBytesOverTheRateOfTheJobsThatHaveWork) {
  // 10 GB at 50 MB/s per job: 200 s with one job, 100 s with two; one task keeps one job busy.
  EXPECT_EQ(plan_deadline(kNow + 900s, kNow, 10'000'000'000, 8, rules(50'000'000, 1)).estimate,
            200s);
  EXPECT_EQ(plan_deadline(kNow + 900s, kNow, 10'000'000'000, 8, rules(50'000'000, 2)).estimate,
            100s);
  EXPECT_EQ(plan_deadline(kNow + 900s, kNow, 10'000'000'000, 1, rules(50'000'000, 2)).estimate,
            200s);
  // Rounded up to the millisecond: a byte over takes a millisecond more.
  EXPECT_EQ(plan_deadline(kNow + 900s, kNow, 1, 1, rules(1000, 1)).estimate, 1ms);
  EXPECT_EQ(plan_deadline(kNow + 900s, kNow, 0, 0, rules(1000, 4)).estimate, 0ms);
}

TEST(Deadline, AnExportFitsOnlyWhenEstimateAndReserveFitInWhatRemains) {
  // 100 s left, 35 s reserve: 65 s of estimate fit, 65.001 s do not.
  EXPECT_TRUE(plan_deadline(kNow + 100s, kNow, 65'000, 1, rules(1000, 1)).fits());
  EXPECT_FALSE(plan_deadline(kNow + 100s, kNow, 65'001, 1, rules(1000, 1)).fits());
  // Later on the same clock the same export no longer fits.
  EXPECT_FALSE(plan_deadline(kNow + 100s, kNow + 1s, 65'000, 1, rules(1000, 1)).fits());
}

TEST(Deadline, ADeadlineCloserThanTheReserveLeavesNoTimeToStart) {
  const auto plan = plan_deadline(kNow + 30s, kNow, rules(50'000'000, 2));
  EXPECT_FALSE(plan.fits());
  EXPECT_EQ(plan.stop_after(), -5s);
  // Past deadlines are negative, not wrapped around.
  EXPECT_EQ(plan_deadline(kNow - 1s, kNow, rules(1, 1)).remaining, -1s);
}

TEST(Deadline, HugeCatalogsAndRatesStayInRange) {
  const auto slow = plan_deadline(kNow + 900s, kNow, UINT64_MAX, 1, rules(1, 1));
  EXPECT_FALSE(slow.fits());
  EXPECT_GT(slow.estimate, 86400s);
  const auto fast = plan_deadline(kNow + 900s, kNow, UINT64_MAX, 64, rules(UINT64_MAX, 64));
  EXPECT_GE(fast.estimate, 0ms);
}

TEST(DeadlineStop, DisarmedBeforeItsTimeItRequestsNothing) {
  {
    DeadlineStop stop(std::chrono::steady_clock::now() + 1h);
    EXPECT_FALSE(stop.fired());
  }
  EXPECT_FALSE(stop_requested());
}

TEST(DeadlineStopDeathTest, AtItsTimeItRequestsTheStopThatSigtermWouldAndItCanBeCleared) {
  // The stop request is process-wide: in a child process of its own.
  EXPECT_EXIT(
      {
        DeadlineStop stop(std::chrono::steady_clock::now());
        const bool fired = stop.wait_fired(60s);
        const bool stopped = stop_requested() && interrupt_requested();
        const bool cleared = clear_stop_request() && !stop_requested();
        std::exit(fired && stopped && cleared ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace pgexport::lambda
