#include "lambda/deadline.hpp"

#include <algorithm>

namespace pgexport::lambda {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

DeadlinePlan plan_deadline(std::chrono::system_clock::time_point deadline,
                           std::chrono::system_clock::time_point now, uint64_t bytes, size_t tasks,
                           const DeadlineRules& rules) {
  DeadlinePlan plan = plan_deadline(deadline, now, rules);
  const uint64_t parallel = std::max<uint64_t>(
      1, std::min<uint64_t>(static_cast<uint64_t>(std::max(rules.jobs, 1)), tasks));
  // At most 1 PiB/s per job: faster is "instant" anyway, and the products below stay in range.
  const uint64_t rate =
      std::clamp<uint64_t>(rules.bytes_per_second_per_job, 1, 1ull << 50) * parallel;
  // Rounded up to the millisecond, in two steps so that no product overflows.
  const uint64_t whole_seconds = bytes / rate;
  const uint64_t rest_milliseconds = ((bytes % rate) * 1000 + rate - 1) / rate;
  // Beyond a year the answer is "no" anyway; the cap keeps the sum below in range.
  constexpr uint64_t kCapSeconds = 365ull * 86400;
  plan.estimate =
      whole_seconds >= kCapSeconds
          ? milliseconds(kCapSeconds * 1000)
          : milliseconds(static_cast<int64_t>(whole_seconds * 1000 + rest_milliseconds));
  return plan;
}

DeadlinePlan plan_deadline(std::chrono::system_clock::time_point deadline,
                           std::chrono::system_clock::time_point now, const DeadlineRules& rules) {
  DeadlinePlan plan;
  plan.remaining = duration_cast<milliseconds>(deadline - now);
  plan.reserve = rules.reserve();
  return plan;
}

}  // namespace pgexport::lambda
