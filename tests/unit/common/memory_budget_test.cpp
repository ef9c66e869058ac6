#include "common/memory_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/error.hpp"

namespace pgexport {
namespace {

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
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(acquired.load());
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
  EXPECT_LE(worst.load(), kTotal);
  EXPECT_LE(budget.peak(), kTotal);
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(MemoryBudget, WaitersAreServedInArrivalOrder) {
  MemoryBudget budget(100);
  MemoryLease held = budget.acquire(100);
  std::atomic<bool> big_done{false};
  std::atomic<bool> small_done{false};
  std::thread big([&] {
    MemoryLease lease = budget.acquire(90);
    big_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // `big` queues first
  std::thread small([&] {
    MemoryLease lease = budget.acquire(10);
    EXPECT_TRUE(big_done.load());  // it waited its turn behind the big request
    small_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(small_done.load());
  // While `big` waits for 90 bytes, a try_acquire may not jump the queue either.
  held.release();
  big.join();
  small.join();
  EXPECT_TRUE(small_done.load());
}

}  // namespace
}  // namespace pgexport
