// cleanup's plan for a destination with runs of several ages, uncommitted runs, leftovers in a
// committed run and pending uploads, under each retention rule; the order in which a plan is
// carried out; and that planning alone changes nothing.
#include "housekeeping/cleaner.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "run_fixtures.hpp"

namespace pgexport::housekeeping {
namespace {

using namespace testing;
using namespace std::chrono_literals;

CleanupPolicy policy(std::chrono::seconds grace, std::optional<int64_t> keep_last = std::nullopt,
                     std::optional<int64_t> keep_days = std::nullopt) {
  CleanupPolicy result;
  result.grace = grace;
  result.keep_last = keep_last;
  result.keep_days = keep_days;
  return result;
}

std::string describe(const CleanupAction& action) {
  return action_verb(action.kind) + " " + action.key;
}

std::vector<std::string> describe(const CleanupPlan& plan) {
  std::vector<std::string> lines;
  for (const auto& action : plan.actions) lines.push_back(describe(action));
  return lines;
}

// Day 0: r1 (which latest.json names). Day 3: r2. Day 6: r3, with an unlisted object from a
// lost attempt. Day 8: an uncommitted run and an upload into it. Day 10 less an hour: an
// uncommitted run, an unlisted object in r3 and an upload into r3, all young. changes/ holds an
// object and an upload from day 1 that cleanup must never touch. Now is day 10.
class CleanerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_run(storage, clock, "r1", "csv", "zstd", {{3}}, true, /*latest=*/true);
    clock.advance(24h);
    storage.put("changes/log/000001.json", "{}");
    storage.start_upload("changes/batch-1.parquet");
    clock.advance(2 * 24h);
    write_run(storage, clock, "r2", "csv", "zstd", {{3}, {4}});
    clock.advance(3 * 24h);
    write_run(storage, clock, "r3", "jsonl", "gzip", {{3}});
    storage.put("runs/r3/lost-attempt/public.t0/part-00000-000.jsonl.gz", "leftover");
    clock.advance(2 * 24h);
    write_run(storage, clock, "u-old", "csv", "zstd", {{3}, {1}}, /*commit=*/false);
    storage.start_upload("runs/u-old/a1/public.t9/part-00000-000.csv.zst");
    clock.advance(2 * 24h - 1h);
    write_run(storage, clock, "u-young", "csv", "zstd", {{3}}, /*commit=*/false);
    storage.put("runs/r3/young-attempt/public.t0/part-00000-000.jsonl.gz", "in flight");
    storage.start_upload("runs/r3/young-attempt/public.t1/part-00000-000.jsonl.gz");
    clock.advance(1h);
    keys_before = storage.keys();
  }

  CleanupPlan plan(const CleanupPolicy& rules) { return plan_cleanup(storage, rules, clock.now); }

  FakeClock clock;
  FakeStorage storage{clock};
  std::vector<std::string> keys_before;
};

TEST_F(CleanerTest, PlansExactlyWhatIsPastGraceAndOutsideRetention) {
  auto result = plan(policy(24h, 1));
  EXPECT_EQ(describe(result),
            (std::vector<std::string>{
                "abort pending upload runs/u-old/a1/public.t9/part-00000-000.csv.zst",
                "remove uncommitted run runs/u-old/",
                "remove object the manifest does not list "
                "runs/r3/lost-attempt/public.t0/part-00000-000.jsonl.gz",
                // r3 is the newest; r1 is older than r2 but latest.json names it.
                "remove committed run runs/r2/",
            }));
  EXPECT_EQ(result.committed_runs_kept, 2u);
  const auto& committed = result.actions.back();
  EXPECT_EQ(committed.objects, 3u);  // two data files and the manifest
  EXPECT_EQ(committed.reason, "not among the 1 newest (--keep-last 1)");
  EXPECT_EQ(result.actions[1].objects, 2u);
  EXPECT_EQ(result.actions[1].reason, "no manifest; its newest object is 2d old");
  // Planning reads only.
  EXPECT_TRUE(storage.journal().empty());
  EXPECT_EQ(storage.keys(), keys_before);
}

TEST_F(CleanerTest, ExecutionRemovesManifestFirstAndNeverTouchesOtherTrees) {
  auto result = plan(policy(24h, 1));
  std::vector<std::string> logged;
  auto counts = execute_cleanup(storage, result, [&](const CleanupAction& action, bool done) {
    EXPECT_TRUE(done);
    logged.push_back(describe(action));
  });
  EXPECT_EQ(logged, describe(result));
  EXPECT_EQ(storage.journal(), (std::vector<std::string>{
                                   "abort runs/u-old/a1/public.t9/part-00000-000.csv.zst upload-2",
                                   "remove_prefix runs/u-old/",
                                   "remove runs/r3/lost-attempt/public.t0/part-00000-000.jsonl.gz",
                                   "remove runs/r2/_manifest.json",
                                   "remove_prefix runs/r2/",
                               }));
  EXPECT_EQ(counts.uploads_aborted, 1u);
  EXPECT_EQ(counts.uncommitted_runs_removed, 1u);
  EXPECT_EQ(counts.unlisted_objects_removed, 1u);
  EXPECT_EQ(counts.committed_runs_removed, 1u);
  EXPECT_EQ(counts.objects_removed, 2u + 1u + 3u);
  EXPECT_TRUE(storage.has("changes/log/000001.json"));
  EXPECT_TRUE(storage.has("latest.json"));
  EXPECT_TRUE(storage.has("runs/r1/_manifest.json"));
  EXPECT_TRUE(storage.has("runs/u-young/a1/public.t0/part-00000-000.csv.zst"));
  EXPECT_TRUE(storage.has("runs/r3/young-attempt/public.t0/part-00000-000.jsonl.gz"));
  ASSERT_EQ(storage.pending().size(), 2u);
  EXPECT_EQ(storage.pending()[0].key, "changes/batch-1.parquet");
  // Run again: nothing is left to do.
  EXPECT_TRUE(plan(policy(24h, 1)).actions.empty());
}

TEST_F(CleanerTest, WithoutRetentionNoCommittedRunIsRemoved) {
  for (auto grace : {24h, 0h}) {
    auto result = plan(policy(grace));
    for (const auto& action : result.actions) {
      EXPECT_NE(action.kind, CleanupActionKind::remove_committed_run) << describe(action);
    }
    EXPECT_EQ(result.committed_runs_kept, 3u);
  }
}

TEST_F(CleanerTest, GraceZeroTakesEverythingStaleOrNot) {
  auto result = plan(policy(0s));
  EXPECT_EQ(describe(result),
            (std::vector<std::string>{
                "abort pending upload runs/u-old/a1/public.t9/part-00000-000.csv.zst",
                "abort pending upload runs/r3/young-attempt/public.t1/part-00000-000.jsonl.gz",
                "remove uncommitted run runs/u-old/",
                "remove uncommitted run runs/u-young/",
                "remove object the manifest does not list "
                "runs/r3/lost-attempt/public.t0/part-00000-000.jsonl.gz",
                "remove object the manifest does not list "
                "runs/r3/young-attempt/public.t0/part-00000-000.jsonl.gz",
            }));
}

TEST_F(CleanerTest, AYoungUploadKeepsAnOldUncommittedRunAlive) {
  storage.start_upload("runs/u-old/a1/public.t8/part-00000-000.csv.zst");
  auto result = plan(policy(24h));
  for (const auto& action : result.actions) {
    EXPECT_NE(action.key, "runs/u-old/") << "an export is still uploading into it";
  }
}

TEST_F(CleanerTest, KeepDaysAndKeepLastKeepARunIfEitherKeepsIt) {
  // r3 finished 4 days ago, r2 7 days ago, r1 (latest) 10 days ago.
  EXPECT_EQ(describe(plan(policy(24h, std::nullopt, 5))).back(), "remove committed run runs/r2/");
  auto by_both = plan(policy(24h, 2, 1));
  EXPECT_EQ(by_both.committed_runs_kept, 3u);
  auto by_days = plan(policy(24h, std::nullopt, 8));
  EXPECT_EQ(by_days.committed_runs_kept, 3u);
  auto none = plan(policy(24h, 0, 0));
  EXPECT_EQ(none.committed_runs_kept, 1u);  // only latest.json's run survives
  EXPECT_EQ(describe(none).back(), "remove committed run runs/r2/");
  EXPECT_EQ(describe(none)[describe(none).size() - 2], "remove committed run runs/r3/");
}

TEST_F(CleanerTest, RetentionKeepsTheRunsChangeDataCaptureStartsFrom) {
  // Makes `run` a run of slot "pgexport" at `point`, with its finish time as snapshot time.
  auto make_cdc_run = [&](const std::string& run, const std::string& point) {
    const std::string key = "runs/" + run + "/_manifest.json";
    auto manifest = nlohmann::json::parse(storage.bytes_of(key));
    manifest["snapshot_at"] = manifest["finished_at"];
    manifest["cdc"] = {
        {"slot", "pgexport"}, {"publication", "pgexport"}, {"consistent_point", point}};
    storage.bytes_of(key) = manifest.dump();
  };
  auto kept_by_cdc = [](const CleanupPlan& result, const std::string& run) {
    for (const auto& note : result.notes) {
      if (note.find("run " + run + " is kept although retention would remove it") != note.npos &&
          note.find("slot pgexport") != note.npos) {
        return true;
      }
    }
    return false;
  };
  // r3 is the newest run of the slot (cdc run's base), r2 has the newest consistent point
  // (materialize's base): neither goes, whatever --keep-last says; r1 is latest.json's.
  make_cdc_run("r3", "0/1000");
  make_cdc_run("r2", "0/3000");
  auto both = plan(policy(24h, 0));
  for (const auto& action : both.actions) {
    EXPECT_NE(action.kind, CleanupActionKind::remove_committed_run) << describe(action);
  }
  EXPECT_TRUE(kept_by_cdc(both, "r3"));
  EXPECT_TRUE(kept_by_cdc(both, "r2"));
  // An older run of the slot that neither starts from is retention's like any other.
  make_cdc_run("r2", "0/800");
  auto older = plan(policy(24h, 0));
  EXPECT_EQ(describe(older).back(), "remove committed run runs/r2/");
  EXPECT_TRUE(kept_by_cdc(older, "r3"));
  EXPECT_FALSE(kept_by_cdc(older, "r2"));
}

TEST_F(CleanerTest, AnUnreadableLatestStopsCleanupBeforeAnything) {
  storage.put("latest.json", "{\"run_id\": ");
  try {
    plan(policy(24h, 1));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::verification_failed);
    EXPECT_NE(std::string(error.what()).find("latest.json"), std::string::npos);
  }
  EXPECT_TRUE(storage.journal().empty());
}

TEST_F(CleanerTest, ARunWithAnInvalidManifestIsLeftAlone) {
  storage.put("runs/r2/_manifest.json", "[]");
  auto result = plan(policy(0s, 1));
  for (const auto& action : result.actions) {
    EXPECT_NE(action.run_id, "r2") << describe(action);
  }
  ASSERT_FALSE(result.notes.empty());
  bool noted = false;
  for (const auto& note : result.notes) noted |= note.find("run r2 is left alone") != note.npos;
  EXPECT_TRUE(noted);
}

TEST_F(CleanerTest, LatestRunIsNeverRemovedEvenWithoutAManifest) {
  storage.remove("runs/r1/_manifest.json");
  auto result = plan(policy(0s, 0));
  for (const auto& action : result.actions) EXPECT_NE(action.run_id, "r1") << describe(action);
}

TEST_F(CleanerTest, ARunCommittedAfterPlanningIsNotRemoved) {
  auto result = plan(policy(24h));
  // The export that was writing u-old commits it after all.
  storage.put("runs/u-old/_manifest.json", "{}");
  size_t skipped = 0;
  auto counts = execute_cleanup(storage, result, [&](const CleanupAction& action, bool done) {
    if (!done) {
      ++skipped;
      EXPECT_EQ(action.key, "runs/u-old/");
    }
  });
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(counts.skipped, 1u);
  EXPECT_EQ(counts.uncommitted_runs_removed, 0u);
  EXPECT_TRUE(storage.has("runs/u-old/_manifest.json"));
}

TEST_F(CleanerTest, LatestMovingToAPlannedRunSavesIt) {
  auto result = plan(policy(24h, 1));
  storage.put("latest.json", R"({"run_id":"r2","manifest":"runs/r2/_manifest.json",)"
                             R"("finished_at":"2026-11-27T00:00:00.000Z"})");
  auto counts = execute_cleanup(storage, result, [](const CleanupAction&, bool) {});
  EXPECT_EQ(counts.committed_runs_removed, 0u);
  EXPECT_TRUE(storage.has("runs/r2/_manifest.json"));
}

}  // namespace
}  // namespace pgexport::housekeeping
