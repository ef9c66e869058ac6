// Reading a destination: manifests and latest.json parsed strictly, runs grouped by id from
// any key shape below runs/<id>/, committed runs ordered newest first; and the streaming row
// counters verify relies on.
#include "housekeeping/runs_catalog.hpp"

#include <gtest/gtest.h>

#include "housekeeping/record_counters.hpp"
#include "run_fixtures.hpp"

namespace pgexport::housekeeping {
namespace {

using namespace testing;
using namespace std::chrono_literals;

TEST(RunsCatalog, RunIdsComeFromTheFirstSegmentBelowRuns) {
  EXPECT_EQ(run_id_of_key("runs/r1/_manifest.json"), "r1");
  EXPECT_EQ(run_id_of_key("runs/r1/attempt-7/public.t/part-00000-000.csv"), "r1");
  EXPECT_FALSE(run_id_of_key("runs/loose-object"));
  EXPECT_FALSE(run_id_of_key("runs//x"));
  EXPECT_FALSE(run_id_of_key("changes/runs/r1/x"));
  EXPECT_FALSE(run_id_of_key("latest.json"));
}

TEST(RunsCatalog, ScansRunsAndOrdersCommittedOnesNewestFirst) {
  FakeClock clock;
  FakeStorage storage(clock);
  write_run(storage, clock, "b-first", "csv", "zstd", {{2}});
  clock.advance(1h);
  write_run(storage, clock, "a-second", "csv", "zstd", {{2, 3}}, true, true);
  clock.advance(1h);
  write_run(storage, clock, "c-uncommitted", "csv", "zstd", {{1}}, false);
  storage.put("runs/loose", "x");
  storage.put("changes/x", "y");
  auto state = scan_destination(storage);
  ASSERT_EQ(state.runs.size(), 3u);
  EXPECT_EQ(state.runs[0].id, "a-second");
  EXPECT_TRUE(state.runs[0].committed);
  EXPECT_EQ(state.runs[0].objects.size(), 3u);
  EXPECT_FALSE(state.runs[2].committed);
  EXPECT_EQ(state.runs[2].newest_object, clock.now);
  ASSERT_TRUE(state.latest.pointer);
  EXPECT_EQ(state.latest.pointer->run_id, "a-second");
  auto committed = committed_runs_newest_first(state);
  ASSERT_EQ(committed.size(), 2u);
  EXPECT_EQ(committed[0]->id, "a-second");  // finished later, although it sorts first by name
  EXPECT_EQ(committed[1]->id, "b-first");
  EXPECT_EQ(committed[0]->manifest.manifest->rows(), 5u);
  EXPECT_EQ(committed[0]->manifest.manifest->files(), 2u);
}

TEST(RunsCatalog, ManifestProblemsNameTheField) {
  EXPECT_EQ(parse_manifest("nope").problem, "it is not valid JSON");
  EXPECT_EQ(parse_manifest("[]").problem, "it is not a JSON object");
  auto newer = parse_manifest(R"({"manifest_version": 99})");
  EXPECT_NE(newer.problem.find("newer than this pgexport reads"), std::string::npos);
  auto bad_time = parse_manifest(
      R"({"manifest_version":1,"run_id":"r","finished_at":"yesterday","format":"csv",)"
      R"("compression":"none","tables":[]})");
  EXPECT_NE(bad_time.problem.find("finished_at 'yesterday'"), std::string::npos);
  auto negative = parse_manifest(
      R"({"manifest_version":1,"run_id":"r","finished_at":"2026-01-01T00:00:00Z","format":"csv",)"
      R"("compression":"none","tables":[{"schema":"s","name":"t","rows":-1,"files":[]}]})");
  EXPECT_EQ(negative.problem, "tables[0].rows is not a whole number >= 0");
  auto good =
      parse_manifest(R"({"manifest_version":1,"run_id":"r","finished_at":"2026-01-01T00:00:00.5Z",)"
                     R"("format":"csv","compression":"none","tables":[]})");
  ASSERT_TRUE(good.manifest) << good.problem;
  EXPECT_EQ(good.manifest->finished.time_since_epoch(),
            std::chrono::sys_days(std::chrono::year(2026) / 1 / 1).time_since_epoch() + 500ms);
}

TEST(RunsCatalog, LatestPointerIsCheckedToo) {
  EXPECT_FALSE(parse_latest("{}").pointer);
  EXPECT_NE(parse_latest(R"({"run_id":"../x","manifest":"m","finished_at":"t"})")
                .problem.find("not a run id"),
            std::string::npos);
  auto good = parse_latest(R"({"run_id":"r1","manifest":"runs/r1/_manifest.json",)"
                           R"("finished_at":"2026-01-01T00:00:00Z"})");
  ASSERT_TRUE(good.pointer);
  EXPECT_EQ(good.pointer->manifest_key, "runs/r1/_manifest.json");
}

// Writes `text` one byte at a time, so no state may depend on a write's boundaries.
template <typename Counter>
void write_bytewise(Counter& counter, std::string_view text) {
  for (char c : text) counter.write(std::string_view(&c, 1));
}

TEST(RecordCounters, CsvRecordsMayHoldQuotedNewlinesAndQuotes) {
  std::string text = "a,b\n1,\"x\ny\"\n2,\"he said \"\"hi\n\"\"\"\n3,\"\"\n4,last";
  CsvRecordCounter whole, bytewise;
  whole.write(text);
  write_bytewise(bytewise, text);
  EXPECT_EQ(whole.records(), 5u);
  EXPECT_EQ(bytewise.records(), 5u);
  EXPECT_FALSE(whole.inside_quotes());
  CsvRecordCounter cut;
  cut.write("a\n\"open\n");
  EXPECT_TRUE(cut.inside_quotes());
  CsvRecordCounter fixture;
  fixture.write(csv_rows(10));
  EXPECT_EQ(fixture.records(), 11u);  // header and ten records, four with a quoted newline
}

TEST(RecordCounters, LinesCountALastLineWithoutNewline) {
  LineCounter lines;
  write_bytewise(lines, "{}\n{}\n{}");
  EXPECT_EQ(lines.lines(), 3u);
  LineCounter terminated;
  terminated.write("{}\n{}\n");
  terminated.write("");
  EXPECT_EQ(terminated.lines(), 2u);
}

TEST(RecordCounters, TailKeeperHoldsHeadAndBoundedTail) {
  TailKeeper keeper(10);
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26);
  for (size_t at = 0; at < data.size(); at += 7) keeper.write(std::string_view(data).substr(at, 7));
  EXPECT_EQ(keeper.head(), data.substr(0, 4));
  EXPECT_EQ(keeper.total(), 1000u);
  EXPECT_GE(keeper.tail().size(), 10u);
  EXPECT_LE(keeper.tail().size(), 27u);  // at most twice what is kept, plus one write
  EXPECT_TRUE(data.ends_with(keeper.tail()));
}

}  // namespace
}  // namespace pgexport::housekeeping
