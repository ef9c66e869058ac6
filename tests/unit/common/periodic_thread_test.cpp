// The periodic thread ticks until stopped, and stopping ends it at once, whatever its interval.
#include "common/periodic_thread.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace pgexport {
namespace {

using namespace std::chrono_literals;

TEST(PeriodicThread, TicksRepeatedlyAndNeverAfterStop) {
  std::mutex mutex;
  std::condition_variable ticked;
  int ticks = 0;
  PeriodicThread thread(1ms, [&] {
    std::lock_guard lock(mutex);
    ++ticks;
    ticked.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(ticked.wait_for(lock, 60s, [&] { return ticks >= 3; }));
  }
  thread.stop();
  int at_stop = 0;
  {
    std::lock_guard lock(mutex);
    at_stop = ticks;
  }
  thread.stop();  // idempotent
  std::lock_guard lock(mutex);
  EXPECT_EQ(ticks, at_stop);
}

TEST(PeriodicThread, StoppingDoesNotWaitForTheInterval) {
  bool ticked = false;
  auto started = std::chrono::steady_clock::now();
  {
    PeriodicThread thread(24h, [&] { ticked = true; });
  }  // the destructor stops it
  EXPECT_FALSE(ticked);
  // Far below the interval, with room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

}  // namespace
}  // namespace pgexport
