// verify against an in-memory destination: clean runs of every format pass with their rows
// counted from the data; each kind of damage is reported on the object it concerns, and all
// problems of a run are reported together.
#include "housekeeping/verifier.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "run_fixtures.hpp"

namespace pgexport::housekeeping {
namespace {

using namespace testing;

class VerifierTest : public ::testing::Test {
 protected:
  FakeClock clock;
  FakeStorage storage{clock};
};

struct FormatCase {
  const char* format;
  const char* compression;
  friend void PrintTo(const FormatCase& c, std::ostream* out) {
    *out << c.format << "+" << c.compression;
  }
};

class VerifierFormatTest : public VerifierTest, public ::testing::WithParamInterface<FormatCase> {};

TEST_P(VerifierFormatTest, ACleanRunPassesWithItsRowsCounted) {
  write_run(storage, clock, "r1", GetParam().format, GetParam().compression, {{10, 0}, {7}});
  auto report = verify_run(storage, "r1");
  for (const auto& problem : report.problems) ADD_FAILURE() << problem.line();
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.objects_checked, 3u);
  EXPECT_EQ(report.rows, 17u);
}

TEST_P(VerifierFormatTest, AFlippedByteIsReportedOnItsObject) {
  auto manifest =
      write_run(storage, clock, "r1", GetParam().format, GetParam().compression, {{10}, {20}});
  std::string key = file_key(manifest, 1, 0);
  std::string& bytes = storage.bytes_of(key);
  bytes[bytes.size() / 2] ^= 0x20;
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].object, key);
  EXPECT_NE(report.problems[0].what.find("SHA-256 is "), std::string::npos)
      << report.problems[0].what;
  EXPECT_EQ(report.problems[0].what.find("size is"), std::string::npos) << "same size";
}

TEST_P(VerifierFormatTest, ATruncatedObjectIsReportedWithItsSize) {
  auto manifest =
      write_run(storage, clock, "r1", GetParam().format, GetParam().compression, {{30}});
  std::string key = file_key(manifest, 0, 0);
  std::string& bytes = storage.bytes_of(key);
  size_t full = bytes.size();
  bytes.resize(full - 5);
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].object, key);
  EXPECT_NE(report.problems[0].what.find(
                fmt::format("size is {} bytes, the manifest says {}", full - 5, full)),
            std::string::npos)
      << report.problems[0].what;
}

TEST_P(VerifierFormatTest, AManifestWhoseRowCountLiesIsCaught) {
  auto manifest =
      write_run(storage, clock, "r1", GetParam().format, GetParam().compression, {{12}});
  // Both the file's and the table's count say 13: consistent with each other, not with the data.
  manifest["tables"][0]["files"][0]["rows"] = 13;
  manifest["tables"][0]["rows"] = 13;
  storage.put("runs/r1/_manifest.json", manifest.dump());
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].object, file_key(manifest, 0, 0));
  EXPECT_NE(report.problems[0].what.find("holds 12 rows, the manifest says 13"), std::string::npos)
      << report.problems[0].what;
}

INSTANTIATE_TEST_SUITE_P(Formats, VerifierFormatTest,
                         ::testing::Values(FormatCase{"csv", "zstd"}, FormatCase{"csv", "none"},
                                           FormatCase{"jsonl", "gzip"},
                                           FormatCase{"parquet", "zstd"}),
                         [](const auto& info) {
                           return std::string(info.param.format) + "_" + info.param.compression;
                         });

TEST_F(VerifierTest, AMissingObjectIsReported) {
  auto manifest = write_run(storage, clock, "r1", "csv", "zstd", {{5, 6}});
  storage.remove(file_key(manifest, 0, 1));
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].object, file_key(manifest, 0, 1));
  EXPECT_NE(report.problems[0].what.find("is missing"), std::string::npos);
}

TEST_F(VerifierTest, ATableTotalThatDisagreesWithItsFilesIsCaught) {
  auto manifest = write_run(storage, clock, "r1", "jsonl", "none", {{4, 4}});
  manifest["tables"][0]["rows"] = 9;
  storage.put("runs/r1/_manifest.json", manifest.dump());
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].object, "runs/r1/_manifest.json");
  EXPECT_NE(report.problems[0].what.find("public.t0 has 9 rows, but its files list 8"),
            std::string::npos)
      << report.problems[0].what;
}

TEST_F(VerifierTest, AnUnparsableOrIncompleteManifestIsAProblem) {
  write_run(storage, clock, "r1", "csv", "zstd", {{3}});
  storage.put("runs/r1/_manifest.json", "{\"manifest_version\": 1, \"run_id\": ");
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].object, "runs/r1/_manifest.json");
  EXPECT_NE(report.problems[0].what.find("not valid JSON"), std::string::npos);

  auto manifest = write_run(storage, clock, "r2", "csv", "zstd", {{3}});
  manifest["tables"][0]["files"][0].erase("sha256");
  storage.put("runs/r2/_manifest.json", manifest.dump());
  report = verify_run(storage, "r2");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].what.find("tables[0].files[0] has no \"sha256\""), std::string::npos)
      << report.problems[0].what;
}

TEST_F(VerifierTest, AMissingManifestIsAProblem) {
  write_run(storage, clock, "r1", "csv", "zstd", {{3}}, /*commit=*/false);
  auto report = verify_run(storage, "r1");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].what.find("is missing"), std::string::npos);
}

TEST_F(VerifierTest, EveryProblemOfARunIsReportedInOnePass) {
  auto manifest = write_run(storage, clock, "r1", "csv", "gzip", {{5, 5}, {5}});
  storage.remove(file_key(manifest, 0, 0));
  storage.bytes_of(file_key(manifest, 1, 0)) += "x";
  auto report = verify_run(storage, "r1");
  EXPECT_EQ(report.objects_checked, 3u);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].object, file_key(manifest, 0, 0));
  EXPECT_EQ(report.problems[1].object, file_key(manifest, 1, 0));
  // Appended bytes are not a gzip member: the data cannot be read to the end.
  EXPECT_NE(report.problems[1].what.find("cannot be read as csv (gzip)"), std::string::npos)
      << report.problems[1].what;
}

TEST_F(VerifierTest, TheDefaultRunIsTheOneLatestNames) {
  EXPECT_THROW(
      {
        try {
          run_named_by_latest(storage);
        } catch (const Error& error) {
          EXPECT_EQ(error.kind(), ErrorKind::verification_failed);
          EXPECT_NE(std::string(error.what()).find("no latest.json"), std::string::npos);
          throw;
        }
      },
      Error);
  write_run(storage, clock, "r1", "csv", "zstd", {{1}}, true, /*latest=*/true);
  write_run(storage, clock, "r2", "csv", "zstd", {{1}});
  EXPECT_EQ(run_named_by_latest(storage).run_id, "r1");
  storage.put("latest.json", "not json");
  EXPECT_THROW(run_named_by_latest(storage), Error);
}

TEST_F(VerifierTest, ManifestAndDirectoryMustNameTheSameRun) {
  auto manifest = write_run(storage, clock, "r1", "csv", "zstd", {{2}});
  storage.put("runs/r9/_manifest.json", manifest.dump());
  auto report = verify_run(storage, "r9");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].what.find("names run 'r1', but lies under run 'r9'"),
            std::string::npos);
}

}  // namespace
}  // namespace pgexport::housekeeping
