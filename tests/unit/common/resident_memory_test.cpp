// resident_bytes() follows the pages the process touches and gives back.
#include "common/resident_memory.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace pgexport {
namespace {

TEST(ResidentBytes, GrowsWithTouchedPagesAndShrinksWhenTheyAreFreed) {
  // Above glibc's largest mmap threshold (32 MiB), so the block is mapped on its own and
  // unmapped by free().
  constexpr size_t kBlock = 64 << 20;
  const auto before = resident_bytes();
  ASSERT_TRUE(before);
  auto* block = static_cast<char*>(std::malloc(kBlock));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBlock);
  // The block escapes, so the compiler keeps the allocation and the writes.
  asm volatile("" : : "r"(block) : "memory");
  const auto touched = resident_bytes();
  std::free(block);
  const auto freed = resident_bytes();
  ASSERT_TRUE(touched && freed);
  EXPECT_GE(*touched, *before + kBlock);
  EXPECT_LE(*freed + kBlock, *touched);
}

}  // namespace
}  // namespace pgexport
