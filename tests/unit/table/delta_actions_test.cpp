// Delta log actions, compared with lines written by hand from PROTOCOL.md ("Actions": Change
// Protocol, Change Metadata, Add File and Remove File, Transaction Identifiers, Commit
// Provenance Information) and its naming of delta files.
#include "table/delta/delta_actions.hpp"

#include <gtest/gtest.h>

namespace pgexport::table::delta {
namespace {

TEST(DeltaActions, EntriesAreNamedByTheirVersionInTwentyDigits) {
  EXPECT_EQ(log_entry_key("tables/public.t/", 0),
            "tables/public.t/_delta_log/00000000000000000000.json");
  EXPECT_EQ(log_entry_key("tables/public.t/", 123),
            "tables/public.t/_delta_log/00000000000000000123.json");
  EXPECT_EQ(table_root("public.t"), "tables/public.t/");
}

TEST(DeltaActions, ProtocolWithoutFeaturesIsReaderOneWriterTwo) {
  EXPECT_EQ(protocol_action(false).dump(),
            R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})");
}

TEST(DeltaActions, TimestampNtzNeedsTableFeaturesInBothLists) {
  EXPECT_EQ(protocol_action(true).dump(),
            R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,)"
            R"("readerFeatures":["timestampNtz"],"writerFeatures":["timestampNtz"]}})");
}

TEST(DeltaActions, MetadataNamesParquetAndTheSchemaAsAString) {
  EXPECT_EQ(metadata_action({"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
                             R"({"type":"struct","fields":[]})", 1700000000000})
                .dump(),
            R"({"metaData":{"id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",)"
            R"("format":{"provider":"parquet","options":{}},)"
            R"("schemaString":"{\"type\":\"struct\",\"fields\":[]}",)"
            R"("partitionColumns":[],"configuration":{},"createdTime":1700000000000}})");
}

TEST(DeltaActions, AddCarriesStatsAsAJsonString) {
  AddedFile file;
  file.path = "run-r1-abc/part-00000-000.parquet";
  file.size = 1234;
  file.modification_time = 1700000000123;
  file.rows = 3;
  file.sha256_hex = "ff";
  file.statistics = {{"id", uint64_t{0}, 1, 3},
                     {"name", uint64_t{1}, "a", "c"},
                     {"price", uint64_t{2}, nullptr, nullptr},  // no bounds: left out
                     {"tags", std::nullopt, nullptr, nullptr}};
  EXPECT_EQ(add_action(file).dump(),
            R"({"add":{"path":"run-r1-abc/part-00000-000.parquet","partitionValues":{},)"
            R"("size":1234,"modificationTime":1700000000123,"dataChange":true,)"
            R"("stats":"{\"numRecords\":3,\"minValues\":{\"id\":1,\"name\":\"a\"},)"
            R"(\"maxValues\":{\"id\":3,\"name\":\"c\"},)"
            R"(\"nullCount\":{\"id\":0,\"name\":1,\"price\":2}}",)"
            R"("tags":{"pgexport.sha256":"ff"}}})");
}

TEST(DeltaActions, PathsAreEscapedAsUris) {
  EXPECT_EQ(escape_path("run-a.b_c~/part 1%.parquet"), "run-a.b_c~/part%201%25.parquet");
}

TEST(DeltaActions, RemoveTxnAndCommitInfo) {
  EXPECT_EQ(remove_action({"run-r0-x/part-00000-000.parquet", 99}, 1700000000999).dump(),
            R"({"remove":{"path":"run-r0-x/part-00000-000.parquet",)"
            R"("deletionTimestamp":1700000000999,"dataChange":true,"extendedFileMetadata":true,)"
            R"("partitionValues":{},"size":99}})");
  EXPECT_EQ(txn_action("pgexport-public.t", 4, 1700000000999).dump(),
            R"({"txn":{"appId":"pgexport-public.t","version":4,"lastUpdated":1700000000999}})");
  EXPECT_EQ(
      commit_info_action({1700000000999, "r1", "abc", "2026-12-01T20:00:00.000Z"}).dump(),
      R"({"commitInfo":{"timestamp":1700000000999,"operation":"WRITE",)"
      R"("operationParameters":{"mode":"Overwrite","partitionBy":"[]"},)"
      R"("isBlindAppend":false,"engineInfo":"pgexport/)" PGEXPORT_VERSION R"(",)"
      R"("pgexport":{"runId":"r1","attempt":"abc","snapshotAt":"2026-12-01T20:00:00.000Z"}}})");
}

TEST(DeltaActions, AnEntryIsOneActionPerLine) {
  EXPECT_EQ(entry_text({protocol_action(false), txn_action("a", 1, 2)}),
            "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
            "{\"txn\":{\"appId\":\"a\",\"version\":1,\"lastUpdated\":2}}\n");
}

}  // namespace
}  // namespace pgexport::table::delta
