// How --memory-limit is divided between the writers (compression contexts, page buffers,
// Parquet row groups) and the upload buffers, and the one-line refusal of a limit too small.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/export_settings.hpp"
#include "cli/memory_plan.hpp"
#include "common/error.hpp"
#include "compress/stream_compressor.hpp"

namespace pgexport::cli {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

MemoryPlan plan_of(std::vector<const char*> args) {
  CLI::App app;
  Settings settings;
  bind_options(app, export_options(), settings);
  args.insert(args.begin(), "pgexport");
  app.parse(static_cast<int>(args.size()), const_cast<char**>(args.data()));
  return plan_memory(settings, make_export_config(settings));
}

std::string refusal_of(std::vector<const char*> args) {
  try {
    plan_of(std::move(args));
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    return error.what();
  }
  ADD_FAILURE() << "the plan was accepted";
  return "";
}

TEST(MemoryPlan, ParquetWritersShareHalfOfTheLimit) {
  const MemoryPlan plan = plan_of({"--format", "parquet", "--memory-limit", "128MiB", "--jobs", "2",
                                   "--destination", "s3://bucket/prefix"});
  EXPECT_EQ(plan.upload_bytes, 64 * kMiB);
  ASSERT_TRUE(plan.writers);
  EXPECT_EQ(plan.writers->share().total(), 64 * kMiB);
  // Each job's equal part of the share: its fixed lease holds the first MiB of the row group.
  const uint64_t fixed = plan.writers->fixed_per_writer();
  EXPECT_EQ(plan.row_group_bytes, kMiB + (64 * kMiB - 2 * fixed) / 2);
  EXPECT_GT(plan.row_group_bytes, 25 * kMiB);
  // An explicit size stands: the share closes such a row group early instead.
  EXPECT_EQ(
      plan_of({"--format", "parquet", "--memory-limit", "128MiB", "--row-group-bytes", "512MiB"})
          .row_group_bytes,
      512 * kMiB);
  // At most 64 MiB by default, however large the limit.
  EXPECT_EQ(plan_of({"--format", "parquet", "--memory-limit", "8GiB"}).row_group_bytes, 64 * kMiB);
}

TEST(MemoryPlan, TextFormatsSetAsideOneCompressorPerJob) {
  const MemoryPlan plan = plan_of({"--memory-limit", "128MiB", "--jobs", "4"});
  const uint64_t compressor =
      compress::stream_compressor_memory_bytes(compress::StreamCodec::zstd, std::nullopt);
  ASSERT_TRUE(plan.writers);
  EXPECT_EQ(plan.writers->share().total(), 4 * compressor);
  EXPECT_EQ(plan.upload_bytes, 128 * kMiB - 4 * compressor);
  EXPECT_EQ(plan.row_group_bytes, 0u);
  // Without compression nothing is leased and uploads have the whole limit.
  const MemoryPlan plain = plan_of({"--memory-limit", "128MiB", "--compression", "none"});
  EXPECT_FALSE(plain.writers);
  EXPECT_EQ(plain.upload_bytes, 128 * kMiB);
}

TEST(MemoryPlan, ALimitTooSmallIsRefusedWithWhatWouldDo) {
  // Eight zstd level 19 compressors need about 90 MiB each.
  const std::string csv =
      refusal_of({"--memory-limit", "512MiB", "--jobs", "8", "--compression-level", "19"});
  EXPECT_NE(csv.find("--memory-limit 512MiB cannot hold 8 writers"), std::string::npos) << csv;
  EXPECT_NE(csv.find("zstd level 19"), std::string::npos) << csv;
  EXPECT_NE(csv.find("raise --memory-limit to at least"), std::string::npos) << csv;
  // Parquet's fixed leases must fit in its half of the limit.
  const std::string parquet =
      refusal_of({"--format", "parquet", "--memory-limit", "16MiB", "--jobs", "4"});
  EXPECT_NE(parquet.find("cannot hold 4 writers"), std::string::npos) << parquet;
  // An S3 upload needs room for one part besides the writers.
  const std::string part = refusal_of({"--format", "parquet", "--memory-limit", "14MiB", "--jobs",
                                       "1", "--destination", "s3://b/p"});
  EXPECT_NE(part.find("and a 8MiB upload part"), std::string::npos) << part;
}

TEST(MemoryPlan, TheSuggestedLimitIsAccepted) {
  // What the refusal suggests must itself work, so a user can copy it.
  const std::string message = refusal_of({"--format", "parquet", "--memory-limit", "16MiB",
                                          "--jobs", "4", "--destination", "s3://b/p"});
  const std::string marker = "at least ";
  const size_t at = message.find(marker);
  ASSERT_NE(at, std::string::npos);
  const std::string suggested =
      message.substr(at + marker.size(), message.find(',', at) - at - marker.size());
  EXPECT_NO_THROW(plan_of({"--format", "parquet", "--memory-limit", suggested.c_str(), "--jobs",
                           "4", "--destination", "s3://b/p"}))
      << suggested;
}

}  // namespace
}  // namespace pgexport::cli
