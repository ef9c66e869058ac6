#include "common/retry.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgexport {
namespace {

using std::chrono::milliseconds;

// A clock that only moves when the loop sleeps (or a test advances it), and whose jitter
// returns the full ceiling so backoff sequences are exact.
class FakeClock final : public RetryClock {
 public:
  std::chrono::steady_clock::time_point now() override { return now_; }
  void sleep_for(milliseconds duration) override {
    sleeps.push_back(duration);
    now_ += duration;
  }
  milliseconds jitter(milliseconds upper) override {
    ceilings.push_back(upper);
    return milliseconds(static_cast<long>(upper.count() * jitter_fraction));
  }
  void advance(milliseconds duration) { now_ += duration; }

  double jitter_fraction = 1.0;
  std::vector<milliseconds> sleeps;
  std::vector<milliseconds> ceilings;

 private:
  std::chrono::steady_clock::time_point now_{};
};

Error transient(const std::string& message) {
  return Error(ErrorKind::storage_transient, message);
}

TEST(Retry, ReturnsFirstSuccessWithoutSleeping) {
  FakeClock clock;
  int calls = 0;
  int value = retry(
      RetryPolicy{}, "op", [&] { return ++calls * 10; }, clock);
  EXPECT_EQ(value, 10);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(Retry, RetriesTransientErrorsThenSucceeds) {
  FakeClock clock;
  std::vector<int> attempts;
  std::string result = retry(
      RetryPolicy{}, "op",
      [&](int attempt) {
        attempts.push_back(attempt);
        if (attempt < 3) throw transient("503 SlowDown");
        return std::string("ok");
      },
      clock);
  EXPECT_EQ(result, "ok");
  EXPECT_EQ(attempts, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(clock.sleeps.size(), 2u);
}

TEST(Retry, BackoffDoublesUpToTheCapWithFullJitter) {
  FakeClock clock;
  RetryPolicy policy;
  policy.max_attempts = 7;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  EXPECT_THROW(retry(
                   policy, "op", [] { throw transient("boom"); }, clock),
               Error);
  EXPECT_EQ(clock.ceilings,
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                       milliseconds(800), milliseconds(1000), milliseconds(1000)}));

  // Full jitter: the sleep is a random fraction of the ceiling, here one half.
  FakeClock half;
  half.jitter_fraction = 0.5;
  policy.max_attempts = 3;
  EXPECT_THROW(retry(
                   policy, "op", [] { throw transient("boom"); }, half),
               Error);
  EXPECT_EQ(half.sleeps, (std::vector<milliseconds>{milliseconds(50), milliseconds(100)}));
}

TEST(Retry, FinalErrorListsEveryAttemptAndKeepsTheKind) {
  FakeClock clock;
  std::deque<std::string> script = {"503 SlowDown", "503 SlowDown", "connection reset",
                                    "500 InternalError", "503 SlowDown"};
  try {
    retry(
        RetryPolicy{}, "PUT s3://b/k",
        [&] {
          std::string message = script.front();
          script.pop_front();
          throw transient(message);
        },
        clock);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::storage_transient);
    EXPECT_STREQ(error.what(),
                 "PUT s3://b/k failed after 5 attempts: 503 SlowDown; 503 SlowDown; "
                 "connection reset; 500 InternalError; 503 SlowDown");
  }
}

TEST(Retry, NonRetryableErrorStopsImmediately) {
  FakeClock clock;
  int calls = 0;
  try {
    retry(
        RetryPolicy{}, "GET s3://b/k",
        [&] {
          ++calls;
          fail(ErrorKind::storage_error, "403 AccessDenied: check the bucket policy");
        },
        clock);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(error.kind(), ErrorKind::storage_error);
    EXPECT_STREQ(error.what(), "GET s3://b/k failed: 403 AccessDenied: check the bucket policy");
  }
}

TEST(Retry, NonRetryableAfterRetryableListsBoth) {
  FakeClock clock;
  try {
    retry(
        RetryPolicy{}, "op",
        [&](int attempt) {
          if (attempt == 1) throw transient("503 SlowDown");
          fail(ErrorKind::credentials_error, "403 InvalidAccessKeyId");
        },
        clock);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::credentials_error);
    EXPECT_STREQ(error.what(), "op failed after 2 attempts: 503 SlowDown; 403 InvalidAccessKeyId");
  }
}

TEST(Retry, PredicateOverridesTheKind) {
  FakeClock clock;
  RetryPolicy policy;
  policy.is_retryable = [](const Error& error) {
    return std::string_view(error.what()) == "retry me";
  };
  int calls = 0;
  retry(
      policy, "op",
      [&] {
        if (++calls < 3) fail(ErrorKind::storage_error, "retry me");
      },
      clock);
  EXPECT_EQ(calls, 3);
}

TEST(Retry, DeadlineStopsRetrying) {
  FakeClock clock;
  RetryPolicy policy;
  policy.max_attempts = 100;
  policy.initial_backoff = milliseconds(1000);
  policy.max_backoff = milliseconds(1000);
  policy.deadline = milliseconds(5500);
  int calls = 0;
  try {
    retry(
        policy, "op",
        [&] {
          ++calls;
          clock.advance(milliseconds(500));  // each attempt itself takes time
          throw transient("timeout");
        },
        clock);
    FAIL();
  } catch (const Error& error) {
    // Attempts start at 0, 1.5, 3, 4.5 s; the backoff after the fourth would end past 5.5 s.
    EXPECT_EQ(calls, 4);
    EXPECT_NE(std::string(error.what()).find("retry deadline of 5 s reached"), std::string::npos)
        << error.what();
  }
}

TEST(Retry, OtherExceptionsPropagateUnchanged) {
  FakeClock clock;
  int calls = 0;
  EXPECT_THROW(retry(
                   RetryPolicy{}, "op",
                   [&] {
                     ++calls;
                     throw std::logic_error("bug");
                   },
                   clock),
               std::logic_error);
  EXPECT_EQ(calls, 1);
}

TEST(Retry, SystemClockJitterStaysWithinBounds) {
  auto& clock = system_retry_clock();
  for (int i = 0; i < 1000; ++i) {
    auto value = clock.jitter(milliseconds(7));
    EXPECT_GE(value.count(), 0);
    EXPECT_LE(value.count(), 7);
  }
}

}  // namespace
}  // namespace pgexport
