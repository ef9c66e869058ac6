#include "cdc/change_memory.hpp"

#include <gtest/gtest.h>

namespace pgexport::cdc {
namespace {

constexpr uint64_t MiB = 1ull << 20;

TEST(ChangeMemory, TheProcessAndEveryOpenFileComeOffTheLimitBeforeThePartBudget) {
  auto plan = plan_change_memory(128 * MiB, 8 * MiB);
  ASSERT_TRUE(plan);
  // (128 - 16 - 8) / (8 + 3) = 9 files; 128 - 16 - 9 * 3 = 85 MiB for part buffers.
  EXPECT_EQ(plan->max_open_files, 9u);
  EXPECT_EQ(plan->upload_bytes, 85 * MiB);

  plan = plan_change_memory(512 * MiB, 8 * MiB);  // the default limit
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->max_open_files, 44u);
  EXPECT_EQ(plan->upload_bytes, 364 * MiB);
}

TEST(ChangeMemory, WhatEveryFileMayHoldAtOnceStaysUnderTheLimit) {
  for (uint64_t part : {5 * MiB, 8 * MiB, 16 * MiB, 64 * MiB, 8 * MiB + 1}) {
    for (uint64_t limit = minimum_change_memory(part); limit < 4096 * MiB;
         limit += limit / 7 + 12345) {
      auto plan = plan_change_memory(limit, part);
      ASSERT_TRUE(plan) << limit << " " << part;
      ASSERT_GE(plan->max_open_files, 1u);
      // Each open file filling its part buffer, with one part more free for an upload.
      EXPECT_GE(plan->upload_bytes, (plan->max_open_files + 1) * part) << limit << " " << part;
      EXPECT_LE(kProcessBytes + plan->max_open_files * kOpenFileBytes + plan->upload_bytes, limit)
          << limit << " " << part;
      // No room is left for another file.
      EXPECT_LT(plan->upload_bytes, (plan->max_open_files + 2) * part + kOpenFileBytes)
          << limit << " " << part;
    }
  }
}

TEST(ChangeMemory, ALimitBelowOneFileWithTwoPartsIsRefused) {
  const uint64_t minimum = minimum_change_memory(8 * MiB);
  EXPECT_EQ(minimum, 35 * MiB);
  auto plan = plan_change_memory(minimum, 8 * MiB);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->max_open_files, 1u);
  EXPECT_EQ(plan->upload_bytes, 16 * MiB);
  EXPECT_FALSE(plan_change_memory(minimum - 1, 8 * MiB));
  EXPECT_FALSE(plan_change_memory(0, 8 * MiB));
  EXPECT_FALSE(plan_change_memory(128 * MiB, 0));
  EXPECT_FALSE(plan_change_memory(128 * MiB, 64 * MiB));
}

}  // namespace
}  // namespace pgexport::cdc
