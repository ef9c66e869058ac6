// The one retry loop of pgexport. Every operation that may fail transiently (an S3 request,
// a credentials fetch) runs through retry(): a bounded number of attempts, a deadline,
// exponential backoff with full jitter, and one final error that lists every attempt, e.g.
//   "PUT s3://bucket/key failed after 5 attempts: 503 SlowDown; 503 SlowDown; connection reset; …"
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/error.hpp"

namespace pgexport {

// Time and randomness, behind a seam so tests run instantly and deterministically.
class RetryClock {
 public:
  virtual ~RetryClock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
  // A uniformly distributed duration in [0, upper].
  virtual std::chrono::milliseconds jitter(std::chrono::milliseconds upper) = 0;
};

// The real clock: steady_clock, this_thread::sleep_for and a per-thread random engine.
RetryClock& system_retry_clock();

struct RetryPolicy {
  // Five attempts ride out a burst of S3 throttling (SlowDown) or a load-balancer node
  // being replaced, yet a dead endpoint fails the job within about a minute.
  int max_attempts = 5;
  // First backoff ceiling; S3 recommends starting around 100-200 ms after a 503.
  std::chrono::milliseconds initial_backoff{200};
  // Backoff ceiling never grows beyond this: waiting longer than 20 s between attempts adds
  // latency without making a recovery more likely.
  std::chrono::milliseconds max_backoff{20'000};
  // No new attempt starts (and no backoff sleeps) past this much time after the first
  // attempt began; an attempt already running is not interrupted.
  std::chrono::milliseconds deadline{10 * 60'000};
  // Whether a failed attempt may be retried; by default, the error kind's retryable flag.
  std::function<bool(const Error&)> is_retryable;
};

namespace detail {
// Runs attempt(n) for n = 1, 2, ... until it returns normally or the policy gives up, then
// throws an Error of the last attempt's kind whose message lists every attempt.
// Exceptions other than pgexport::Error are never retried and propagate unchanged.
void run_with_retry(const RetryPolicy& policy, std::string_view what,
                    const std::function<void(int attempt)>& attempt, RetryClock& clock);
}  // namespace detail

// Calls `attempt` until it succeeds, retrying failures the policy deems retryable, and
// returns its result. Retrying also stops when a stop was requested (common/cancellation).
// `attempt` takes no arguments or the 1-based attempt number (so it can tell a first try
// from a retry). `what` names the operation for the final error ("PUT s3://bucket/key");
// attempt errors should be short ("503 SlowDown").
template <typename Attempt>
auto retry(const RetryPolicy& policy, std::string_view what, Attempt&& attempt,
           RetryClock& clock = system_retry_clock()) {
  auto call = [&](int number) -> decltype(auto) {
    if constexpr (std::is_invocable_v<Attempt&, int>) {
      return attempt(number);
    } else {
      return attempt();
    }
  };
  using Result = std::decay_t<decltype(call(1))>;
  if constexpr (std::is_void_v<Result>) {
    detail::run_with_retry(policy, what, call, clock);
  } else {
    std::optional<Result> result;
    detail::run_with_retry(
        policy, what, [&](int number) { result.emplace(call(number)); }, clock);
    return std::move(*result);
  }
}

}  // namespace pgexport
