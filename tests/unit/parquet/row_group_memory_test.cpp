// Parquet writers that lease their memory from the writers' share of --memory-limit: a fixed
// lease while a file is open, and row groups that close early when the share has no room left
// for them to grow.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/encoder_memory.hpp"
#include "format/parquet/parquet_format.hpp"
#include "test_support.hpp"

namespace pgexport::format::parquet {
namespace {

using namespace pqtest;

constexpr uint64_t kMiB = uint64_t{1} << 20;

pg::TableSchema text_table() {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = {column("s", base_type(pg::oid::kText, "text"))};
  return table;
}

// Options whose row groups only the memory share can close: no byte or row cap in reach, and
// PLAIN pages, so each row buffers its value's bytes.
ParquetOptions options_with(std::shared_ptr<EncoderMemory> memory) {
  ParquetOptions options;
  options.compression = Compression::none;
  options.row_group_bytes = 1024 * kMiB;
  options.dictionary_bytes = 0;
  options.memory = std::move(memory);
  return options;
}

// A row of one 100 KiB text value.
std::string row(int i) {
  return tuple({std::string(100 << 10, static_cast<char>('a' + i % 26))});
}

// Each row group's buffered bytes (total_byte_size) and rows, from the footer.
struct Groups {
  std::vector<int64_t> bytes;
  int64_t rows = 0;
};
Groups groups_of(const std::string& file) {
  Groups groups;
  for (const auto& group : read_footer(file)[fmd::kRowGroups].list()) {
    groups.bytes.push_back(group[rg::kTotalByteSize].i());
    groups.rows += group[rg::kNumRows].i();
  }
  return groups;
}

TEST(RowGroupMemory, AFileHoldsItsFixedLeaseWhileOpen) {
  const ParquetOptions probe = options_with(nullptr);
  const uint64_t fixed = writer_fixed_memory_bytes(probe);
  auto memory = std::make_shared<EncoderMemory>(1, fixed, 0);
  ParquetEncoder encoder(text_table(), options_with(memory));
  EXPECT_EQ(memory->share().in_use(), 0u);  // nothing before a file is started
  StringSink sink;
  encoder.start(sink);
  EXPECT_EQ(memory->share().in_use(), fixed);
  encoder.finish();
  EXPECT_EQ(memory->share().in_use(), 0u);
}

TEST(RowGroupMemory, RowGroupsCloseWhenTheShareHasNoRoomToGrow) {
  const uint64_t fixed = writer_fixed_memory_bytes(options_with(nullptr));
  auto memory = std::make_shared<EncoderMemory>(1, fixed, 2 * kMiB);
  ParquetEncoder encoder(text_table(), options_with(memory));
  StringSink sink;
  encoder.start(sink);
  for (int i = 0; i < 300; ++i) encoder.write_row(row(i));  // about 30 MiB
  encoder.finish();
  const Groups groups = groups_of(sink.data);
  EXPECT_EQ(groups.rows, 300);
  // The first MiB (in the fixed lease) and 2 MiB of growth, and the row that went past them.
  ASSERT_GE(groups.bytes.size(), 10u);
  for (int64_t bytes : groups.bytes) EXPECT_LE(static_cast<uint64_t>(bytes), 3 * kMiB + 110'000);
  EXPECT_GE(static_cast<uint64_t>(groups.bytes.front()), 3 * kMiB);  // the room was used
  EXPECT_LE(memory->share().peak(), memory->share().total());
  EXPECT_EQ(memory->share().in_use(), 0u);
}

TEST(RowGroupMemory, ARowGroupTakesOnlyWhatOtherRowGroupsLeave) {
  // Two writers, 3 MiB of room. The first buffers 2.5 MiB (leasing 2 MiB beyond its first);
  // the second can then grow by 1 MiB only, and its row groups close at about 2 MiB.
  const uint64_t fixed = writer_fixed_memory_bytes(options_with(nullptr));
  auto memory = std::make_shared<EncoderMemory>(2, fixed, 3 * kMiB);
  ParquetEncoder first(text_table(), options_with(memory));
  ParquetEncoder second(text_table(), options_with(memory));
  StringSink first_sink;
  StringSink second_sink;
  first.start(first_sink);
  second.start(second_sink);
  for (int i = 0; i < 25; ++i) first.write_row(row(i));
  first.write_filled();  // leases what the 25 rows buffer
  for (int i = 0; i < 100; ++i) second.write_row(row(i));
  second.finish();
  first.finish();
  const Groups crowded = groups_of(second_sink.data);
  EXPECT_EQ(crowded.rows, 100);
  ASSERT_GE(crowded.bytes.size(), 4u);
  for (int64_t bytes : crowded.bytes) EXPECT_LE(static_cast<uint64_t>(bytes), 2 * kMiB + 110'000);
  const Groups alone = groups_of(first_sink.data);
  EXPECT_EQ(alone.bytes.size(), 1u);  // its 25 rows stayed one row group
  EXPECT_EQ(memory->share().in_use(), 0u);
}

}  // namespace
}  // namespace pgexport::format::parquet
