// The writers' share of --memory-limit: fixed leases per open file, row-group growth that
// never waits and never takes another writer's fixed lease.
#include "common/encoder_memory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.hpp"
#include "error_of.hpp"

namespace pgexport {
namespace {

TEST(EncoderMemory, TheShareIsTheFixedLeasesAndTheGrowthRoom) {
  EncoderMemory memory(3, 10, 40);
  EXPECT_EQ(memory.share().total(), 70u);
  EXPECT_EQ(memory.fixed_per_writer(), 10u);
}

TEST(EncoderMemory, GrowthStopsAtItsRoomAndLeavesTheLeaseAsItWas) {
  EncoderMemory memory(2, 10, 30);
  GrowthLease lease;
  EXPECT_TRUE(memory.try_grow(lease, 20));
  EXPECT_TRUE(memory.try_grow(lease, 10));
  EXPECT_EQ(lease.bytes(), 30u);
  // The share still has 20 free (the two fixed leases), but they are not growth's to take.
  EXPECT_FALSE(memory.try_grow(lease, 1));
  EXPECT_EQ(lease.bytes(), 30u);
  EXPECT_EQ(memory.share().in_use(), 30u);
  lease.release();
  EXPECT_EQ(memory.share().in_use(), 0u);
  EXPECT_TRUE(memory.try_grow(lease, 30));  // the room is whole again
}

TEST(EncoderMemory, EveryWriterGetsItsFixedLeaseWhateverRowGroupsHold) {
  EncoderMemory memory(2, 10, 30);
  GrowthLease a;
  GrowthLease b;
  ASSERT_TRUE(memory.try_grow(a, 15));
  ASSERT_TRUE(memory.try_grow(b, 15));
  // Both writers' fixed leases are granted without waiting: growth could not take them.
  MemoryLease first = memory.hold(10);
  MemoryLease second = memory.hold(10);
  EXPECT_EQ(memory.share().in_use(), 50u);
  EXPECT_EQ(memory.share().peak(), 50u);
}

TEST(EncoderMemory, AFixedLeaseLargerThanPlannedIsABug) {
  EncoderMemory memory(2, 10, 30);
  const Error error = test_support::error_of([&] { memory.hold(11); });
  EXPECT_EQ(error.kind(), ErrorKind::internal);
  EXPECT_EQ(memory.share().in_use(), 0u);
}

TEST(EncoderMemory, RowGroupsGiveWayToAWriterWaitingForItsFixedLease) {
  // One writer more than planned: the third fixed lease waits for one to return, and while it
  // waits no row group may grow into what it waits for.
  EncoderMemory memory(2, 10, 5);
  MemoryLease first = memory.hold(10);
  MemoryLease second = memory.hold(10);
  GrowthLease growth;
  ASSERT_TRUE(memory.try_grow(growth, 4));
  std::atomic<bool> held{false};
  std::thread third([&] {
    MemoryLease lease = memory.hold(10);
    held = true;
  });
  while (memory.share().waiting() < 1) std::this_thread::yield();
  EXPECT_FALSE(memory.try_grow(growth, 1));
  EXPECT_EQ(growth.bytes(), 4u);
  EXPECT_FALSE(held.load());
  first.release();
  third.join();
  EXPECT_TRUE(held.load());
}

}  // namespace
}  // namespace pgexport
