#include "common/retry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "common/cancellation.hpp"
#include "common/log.hpp"

namespace pgexport {

namespace {

class SystemRetryClock final : public RetryClock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
  std::chrono::milliseconds jitter(std::chrono::milliseconds upper) override {
    // One engine per thread: no lock, and workers retrying together do not draw the same
    // delays (which would defeat the point of jitter).
    thread_local std::mt19937_64 engine{std::random_device{}()};
    std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(0, upper.count());
    return std::chrono::milliseconds(pick(engine));
  }
};

// The ceiling for the backoff before attempt `next` (2, 3, ...): initial × 2^(next-2),
// capped; computed without overflow for any attempt count.
std::chrono::milliseconds backoff_ceiling(const RetryPolicy& policy, int next) {
  auto ceiling = policy.initial_backoff;
  for (int i = 2; i < next && ceiling < policy.max_backoff; ++i) ceiling *= 2;
  return std::min(ceiling, policy.max_backoff);
}

std::string join_attempts(const std::vector<std::string>& attempts) {
  std::string joined;
  for (const auto& attempt : attempts) {
    if (!joined.empty()) joined += "; ";
    joined += attempt;
  }
  return joined;
}

}  // namespace

RetryClock& system_retry_clock() {
  static SystemRetryClock clock;
  return clock;
}

namespace detail {

void run_with_retry(const RetryPolicy& policy, std::string_view what,
                    const std::function<void(int attempt)>& attempt, RetryClock& clock) {
  const auto start = clock.now();
  const auto deadline = start + policy.deadline;
  const int max_attempts = std::max(policy.max_attempts, 1);
  std::vector<std::string> failures;
  for (int number = 1;; ++number) {
    try {
      attempt(number);
      if (number > 1) {
        log::info("succeeded after retry",
                  {log::field("operation", what), log::field("attempts", number)});
      }
      return;
    } catch (const Error& error) {
      failures.emplace_back(error.what());
      const bool retryable = policy.is_retryable ? policy.is_retryable(error) : error.retryable();
      std::string stopped_early;
      if (retryable && number < max_attempts && interrupt_requested()) {
        // The task is being stopped (SIGTERM from ECS gives ~30 s): unwind now so the
        // caller can abort what it started, instead of sleeping through the grace period.
        stopped_early = " (gave up: stop requested)";
      } else if (retryable && number < max_attempts) {
        const auto backoff = clock.jitter(backoff_ceiling(policy, number + 1));
        if (clock.now() + backoff < deadline) {
          log::warn("retrying",
                    {log::field("operation", what), log::field("attempt", number),
                     log::field("error", error.what()), log::field("backoff_ms", backoff.count())});
          clock.sleep_for(backoff);
          continue;
        }
        stopped_early =
            fmt::format(" (gave up: retry deadline of {} s reached)",
                        std::chrono::duration_cast<std::chrono::seconds>(policy.deadline).count());
      }
      if (number == 1) {
        throw Error(error.kind(),
                    fmt::format("{} failed: {}{}", what, error.what(), stopped_early));
      }
      throw Error(error.kind(), fmt::format("{} failed after {} attempts: {}{}", what, number,
                                            join_attempts(failures), stopped_early));
    }
  }
}

}  // namespace detail

}  // namespace pgexport
