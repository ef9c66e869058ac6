#include "common/memory_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/error.hpp"

namespace pgexport {
namespace {

// Returns once `count` acquire() calls are queued on `budget`. Polls a counter the budget
// keeps under its lock, so it orders the test's threads without guessing a duration.
void wait_for_waiters(const MemoryBudget& budget, uint64_t count) {
  while (budget.waiting() < count) std::this_thread::yield();
}

TEST(MemoryBudget, LeaseReturnsBytesOnDestruction) {
  MemoryBudget budget(100);
  {
    MemoryLease lease = budget.acquire(60);
    EXPECT_EQ(lease.bytes(), 60u);
    EXPECT_EQ(budget.in_use(), 60u);
  }
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_EQ(budget.peak(), 60u);
}

TEST(MemoryBudget, MovedLeaseReleasesOnce) {
  MemoryBudget budget(100);
  MemoryLease first = budget.acquire(40);
  MemoryLease second = std::move(first);
  EXPECT_FALSE(first);
  EXPECT_EQ(budget.in_use(), 40u);
  second = budget.acquire(30);  // the 40 are returned by the assignment
  EXPECT_EQ(budget.in_use(), 30u);
  second.release();
  second.release();
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(MemoryBudget, MergedLeasesReturnTheirBytesTogether) {
  MemoryBudget budget(100);
  MemoryLease lease;
  lease.merge(budget.acquire(10));  // into an empty lease
  lease.merge(budget.acquire(25));
  lease.merge(MemoryLease());  // an empty one adds nothing
  EXPECT_EQ(lease.bytes(), 35u);
  EXPECT_EQ(budget.in_use(), 35u);
  lease.release();
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(MemoryBudget, LeasesOfTwoBudgetsDoNotMerge) {
  MemoryBudget first(100);
  MemoryBudget second(100);
  MemoryLease lease = first.acquire(10);
  EXPECT_THROW(lease.merge(second.acquire(10)), Error);
  EXPECT_EQ(lease.bytes(), 10u);
  EXPECT_EQ(second.in_use(), 0u);  // the refused lease went back to its own budget
}

TEST(MemoryBudget, RequestLargerThanTheBudgetThrows) {
  MemoryBudget budget(100);
  try {
    budget.acquire(101);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("--memory-limit"), std::string::npos);
  }
}

TEST(MemoryBudget, TryAcquireFailsWhenSpent) {
  MemoryBudget budget(100);
  MemoryLease held = budget.acquire(80);
  EXPECT_FALSE(budget.try_acquire(30));
  EXPECT_TRUE(budget.try_acquire(20));
}

TEST(MemoryBudget, AcquireBlocksUntilReleased) {
  MemoryBudget budget(100);
  MemoryLease held = budget.acquire(70);
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    MemoryLease lease = budget.acquire(50);
    acquired = true;
  });
  wait_for_waiters(budget, 1);
  EXPECT_FALSE(acquired.load());
  EXPECT_EQ(budget.in_use(), 70u);  // the waiter holds nothing while it waits
  held.release();
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST(MemoryBudget, ManyThreadsNeverExceedTheBudget) {
  constexpr uint64_t kTotal = 1000;
  MemoryBudget budget(kTotal);
  std::atomic<uint64_t> held{0};
  std::atomic<uint64_t> worst{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const uint64_t bytes = 100 + 50 * ((t + i) % 10);  // 100..550
        MemoryLease lease = budget.acquire(bytes);
        uint64_t now = held += bytes;
        uint64_t previous = worst.load();
        while (now > previous && !worst.compare_exchange_weak(previous, now)) {
        }
        std::this_thread::yield();
        held -= bytes;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // `worst` is what the threads themselves held at once, counted outside the budget: it
  // would exceed the total if acquire() ever granted more than is free.
  EXPECT_LE(worst.load(), kTotal);
  // The budget's own high-water mark saw at least what the threads held, and the threads did
  // contend (8 threads asking for up to 550 of 1000 bytes must have queued at some point).
  EXPECT_GE(budget.peak(), worst.load());
  EXPECT_GT(worst.load(), 550u);
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_EQ(budget.waiting(), 0u);
}

TEST(MemoryBudget, WaitersAreServedInArrivalOrder) {
  // `big` (90) queues before `small` (20); together they do not fit in 100. Served in arrival
  // order, `big` runs and returns its bytes before `small` is granted; served out of order,
  // `small` would be granted first and `big` could not finish while `small` holds its bytes.
  MemoryBudget budget(100);
  MemoryLease held = budget.acquire(100);
  std::atomic<bool> big_done{false};
  std::atomic<bool> small_saw_big_done{false};
  std::thread big([&] {
    MemoryLease lease = budget.acquire(90);
    big_done = true;
  });
  wait_for_waiters(budget, 1);
  std::thread small([&] {
    MemoryLease lease = budget.acquire(20);
    small_saw_big_done = big_done.load();
  });
  wait_for_waiters(budget, 2);
  // While others are queued, a try_acquire may not jump the queue, even for bytes that fit.
  held.release();
  big.join();
  small.join();
  EXPECT_TRUE(small_saw_big_done.load());
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(MemoryBudget, TryAcquireDoesNotJumpTheQueue) {
  MemoryBudget budget(100);
  MemoryLease held = budget.acquire(60);
  std::thread waiter([&] { MemoryLease lease = budget.acquire(50); });
  wait_for_waiters(budget, 1);
  EXPECT_FALSE(budget.try_acquire(10));  // 40 are free, but someone is queued first
  held.release();
  waiter.join();
  EXPECT_TRUE(budget.try_acquire(100));
}

}  // namespace
}  // namespace pgexport
