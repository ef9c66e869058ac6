#include "cdc/dms_change_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cdc/layout.hpp"
#include "common/byte_sink.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "compress/stream_compressor.hpp"
#include "compress/stream_decompressor.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cdc {
namespace {

namespace fs = std::filesystem;
using std::chrono::microseconds;

SystemMicros at_micros(int64_t micros) {
  return SystemMicros(microseconds(micros));
}

// 2014-10-29 11:34:01 UTC, the time of DMS's documented file name 20141029-1134010000.csv.
constexpr int64_t kDocumentedSecond = 1414582441;

TEST(DmsChangeFileNames, FollowTheDocumentedPattern) {
  const int64_t ticks = dms_name_ticks(at_micros(kDocumentedSecond * 1'000'000));
  EXPECT_EQ(dms_change_file_stem(ticks), "20141029-1134010000");
  EXPECT_EQ(dms_change_file_key("public", "orders", dms_change_file_stem(ticks), "csv"),
            "public/orders/20141029-1134010000.csv");
  // The last four digits count ten-thousandths of a second, rounded down.
  EXPECT_EQ(dms_change_file_stem(dms_name_ticks(at_micros(kDocumentedSecond * 1'000'000 + 812399))),
            "20141029-1134018123");
  EXPECT_EQ(dms_change_file_stem(dms_name_ticks(at_micros(-1))), "19691231-2359599999");
  // Folders are the full load's, names escaped alike.
  EXPECT_EQ(dms_change_file_key("my schema", "a/b", "20141029-1134010000", "csv.gz"),
            "my schema/a%2Fb/20141029-1134010000.csv.gz");
}

TEST(DmsChangeFileNames, OnlyTheirShapeIsRecognised) {
  EXPECT_TRUE(is_dms_change_file_key("public/orders/20141029-1134010000.csv"));
  EXPECT_TRUE(is_dms_change_file_key("my schema/a%2Fb/20141029-1134010000.csv.gz"));
  EXPECT_TRUE(is_dms_change_file_key("s/t/20141029-1134010000.parquet"));
  for (const char* other :
       {"public/orders/LOAD00000001.csv", "public/orders/20141029-113401000.csv",
        "public/orders/20141029-1134010000.json", "orders/20141029-1134010000.csv",
        "a/b/c/20141029-1134010000.csv", "public//20141029-1134010000.csv",
        "changes/_log/00000000000000000001.json", "public/orders/2014102x-1134010000.csv"}) {
    EXPECT_FALSE(is_dms_change_file_key(other)) << other;
  }
}

LoggedTable table_named(std::string name, std::vector<std::string> columns,
                        std::vector<std::string> key = {"id"},
                        KeyKind kind = KeyKind::primary_key) {
  LoggedTable table;
  table.schema = "public";
  table.name = std::move(name);
  table.key_kind = kind;
  table.key_columns = std::move(key);
  for (auto& column : columns) table.columns.push_back({column, "text"});
  return table;
}

TEST(DmsChangeFileNames, SortInLogOrderEvenWhenCommitTimesStepBack) {
  LogEntry entry;
  entry.sequence = 4;
  entry.transactions = 1;
  entry.last_commit_time = at_micros(kDocumentedSecond * 1'000'000);
  entry.tables = {table_named("a", {"id"}), table_named("b", {"id"}),
                  table_named("a", {"id", "added"})};
  const int64_t own = dms_name_ticks(entry.last_commit_time);
  // After an older entry: the entry's own time; a second schema version of "a" a tick later.
  EXPECT_EQ(dms_entry_ticks(entry, own - 50), (std::vector<int64_t>{own, own, own + 1}));
  // After an entry whose name is later (a commit time that stepped back): one tick after it.
  EXPECT_EQ(dms_entry_ticks(entry, own + 7), (std::vector<int64_t>{own + 8, own + 8, own + 9}));
  // Equal times cannot give equal names either.
  EXPECT_EQ(dms_entry_ticks(entry, own)[0], own + 1);
}

TEST(DmsChangeFileNames, ProgressRoundTrips) {
  const DmsPublishProgress progress{17, 14145824410000};
  const std::string text = serialize_dms_progress(progress);
  EXPECT_NE(text.find("\"last_name\": \"20141029-1134010000\""), std::string::npos) << text;
  EXPECT_EQ(parse_dms_progress(text, "dms_changes.json"), progress);
  EXPECT_THROW(parse_dms_progress("{\"version\": 1}", "dms_changes.json"), Error);
  EXPECT_THROW(parse_dms_progress("not json", "dms_changes.json"), Error);
}

TEST(DmsTimestamp, CommitTimeTextBecomesDmsText) {
  EXPECT_EQ(dms_timestamp_of_commit_text("2026-12-01 10:00:59.81234+00"),
            "2026-12-01 10:00:59.812340");
  EXPECT_EQ(dms_timestamp_of_commit_text("2026-12-01 10:00:59+00"), "2026-12-01 10:00:59.000000");
  EXPECT_EQ(dms_timestamp_of_commit_text("2026-12-01 10:00:59.000001+00"),
            "2026-12-01 10:00:59.000001");
  for (const char* bad : {"2026-12-01 10:00:59.81234+01", "2026-12-01T10:00:59+00",
                          "2026-12-01 10:00:59.1234567+00", "yesterday"}) {
    EXPECT_THROW(dms_timestamp_of_commit_text(bad), Error) << bad;
  }
}

// A change row: the metadata fields, then the table's fields.
std::vector<FieldText> change_row(std::string op, FieldText unchanged, FieldText old_key,
                                  std::vector<FieldText> values) {
  std::vector<FieldText> row = {op,
                                "0/16B3748",
                                "2026-12-01 10:00:59.81234+00",
                                "731",
                                "1",
                                std::move(unchanged),
                                std::move(old_key)};
  row.insert(row.end(), values.begin(), values.end());
  return row;
}

using DmsRow = std::vector<FieldText>;

std::vector<DmsRow> mapped(DmsRowMapper& mapper, const std::vector<FieldText>& row) {
  std::vector<DmsRow> rows;
  mapper.map(row, [&](DmsRowMapper::Row out) {
    DmsRow copy;
    for (const auto& field : out)
      copy.push_back(field ? FieldText(std::string(*field)) : FieldText());
    rows.push_back(std::move(copy));
  });
  return rows;
}

TEST(DmsRowMapping, OpComesFirstThenTheTimestampThenTheColumns) {
  DmsRowMapper mapper(table_named("t", {"id", "name", "note"}), true);
  EXPECT_EQ(mapper.width(), 5u);
  const std::string ts = "2026-12-01 10:00:59.812340";
  EXPECT_EQ(mapped(mapper, change_row("I", {}, {}, {"1", "a", ""})),
            (std::vector<DmsRow>{{"I", ts, "1", "a", ""}}));
  // A delete carries the old key; the other columns are NULL, as the change file has them.
  EXPECT_EQ(mapped(mapper, change_row("D", {}, {}, {"1", {}, {}})),
            (std::vector<DmsRow>{{"D", ts, "1", {}, {}}}));
  EXPECT_EQ(mapped(mapper, change_row("T", {}, {}, {{}, {}, {}})),
            (std::vector<DmsRow>{{"T", ts, {}, {}, {}}}));
  EXPECT_EQ(mapped(mapper, change_row("U", {}, {}, {"1", "b", {}})),
            (std::vector<DmsRow>{{"U", ts, "1", "b", {}}}));

  DmsRowMapper without(table_named("t", {"id", "name", "note"}), false);
  EXPECT_EQ(mapped(without, change_row("I", {}, {}, {"1", "a", {}})),
            (std::vector<DmsRow>{{"I", "1", "a", {}}}));
  EXPECT_EQ(without.change_columns(),
            (std::vector<std::string>{"_op", "_commit_lsn", "_commit_time", "_xid", "_seq",
                                      "_unchanged", "_old_key", "id", "name", "note"}));
}

TEST(DmsRowMapping, AnUnchangedValueComesFromTheOldRow) {
  DmsRowMapper mapper(table_named("t", {"id", "big", "n"}), false);
  // REPLICA IDENTITY FULL: the old row has every value, the key did not change.
  EXPECT_EQ(mapped(mapper,
                   change_row("U", "{big}", R"({"id":"1","big":"xyz","n":null})", {"1", {}, "5"})),
            (std::vector<DmsRow>{{"U", "1", "xyz", "5"}}));
  // Without the old row the value is unknown: refused, never written as NULL.
  try {
    mapped(mapper, change_row("U", "{big}", {}, {"1", {}, "5"}));
    ADD_FAILURE() << "an unsent value was written";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    EXPECT_NE(std::string(error.what()).find("\"big\""), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("REPLICA IDENTITY FULL"), std::string::npos);
  }
  // An old key without the column does not hold it either.
  EXPECT_THROW(mapped(mapper, change_row("U", "{big}", R"({"id":"0"})", {"1", {}, "5"})), Error);
}

TEST(DmsRowMapping, AKeyUpdateIsTheOldRowDeletedThenTheNewRowInserted) {
  DmsRowMapper mapper(table_named("t", {"id", "name"}), false);
  EXPECT_EQ(mapped(mapper, change_row("U", {}, R"({"id":"1"})", {"2", "a"})),
            (std::vector<DmsRow>{{"D", "1", {}}, {"I", "2", "a"}}));
  // Under REPLICA IDENTITY FULL with a primary key, only the key decides.
  EXPECT_EQ(mapped(mapper, change_row("U", {}, R"({"id":"2","name":"z"})", {"2", "a"})),
            (std::vector<DmsRow>{{"U", "2", "a"}}));
  EXPECT_EQ(mapped(mapper, change_row("U", {}, R"({"id":"2","name":"z"})", {"3", "a"})),
            (std::vector<DmsRow>{{"D", "2", "z"}, {"I", "3", "a"}}));
  // A table whose key is the full row: every update replaces one whole row by another.
  DmsRowMapper full(table_named("e", {"kind", "n"}, {"kind", "n"}, KeyKind::full_row), false);
  EXPECT_EQ(mapped(full, change_row("U", {}, R"({"kind":"k","n":null})", {"k", "1"})),
            (std::vector<DmsRow>{{"D", "k", {}}, {"I", "k", "1"}}));
}

TEST(DmsRowMapping, RowsThatDoNotFitAreRefused) {
  DmsRowMapper mapper(table_named("t", {"id"}), false);
  EXPECT_THROW(mapped(mapper, change_row("X", {}, {}, {"1"})), Error);
  EXPECT_THROW(mapped(mapper, change_row("I", {}, {}, {"1", "2"})), Error);
  EXPECT_THROW(mapped(mapper, change_row("U", {}, "[1]", {"1"})), Error);
  EXPECT_THROW(DmsRowMapper(table_named("t", {"name"}), false), Error);
}

class DmsChangePublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pgexport-dms-changes-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_);
    storage_->check_writable();
    base_.run_id = "r1";
    base_.format = "csv";
    base_.compression = "none";
    base_.layout = "dms";
    base_.dms_timestamp_column = "ts";
  }
  void TearDown() override { fs::remove_all(root_); }

  void put(const std::string& key, const std::string& bytes) {
    auto object = storage_->create(key);
    object->write(bytes);
    object->commit();
  }

  // Entry `sequence` with one change file of table t holding `rows` (CSV records).
  LogEntry logged(uint64_t sequence, int64_t second, const std::vector<std::string>& rows,
                  compress::StreamCodec codec = compress::StreamCodec::none) {
    std::string text = "_op,_commit_lsn,_commit_time,_xid,_seq,_unchanged,_old_key,id,name\n";
    for (const auto& row : rows) text += row + "\n";
    StringSink compressed;
    auto compressor = compress::make_stream_compressor(codec, std::nullopt, compressed);
    compressor->write(text);
    compressor->finish();
    const std::string& file = compressed.data;
    const std::string key = change_file_key("public", "t", sequence, "0123456789ab", 0,
                                            "csv" + compress::stream_codec_suffix(codec));
    put(key, file);
    LogEntry entry;
    entry.sequence = sequence;
    entry.slot = "pgexport";
    entry.attempt = "0123456789ab";
    entry.transactions = 1;
    entry.changes = rows.size();
    entry.first_commit_lsn = Lsn(sequence * 0x100);
    entry.last_commit_lsn = Lsn(sequence * 0x100);
    entry.end_lsn = Lsn(sequence * 0x100 + 0x30);
    entry.first_commit_time = entry.last_commit_time = at_micros(second * 1'000'000);
    entry.format = "csv";
    entry.compression = codec == compress::StreamCodec::gzip ? "gzip" : "none";
    LoggedTable table = table_named("t", {"id", "name"});
    table.rows = rows.size();
    table.files = {{key, rows.size(), file.size(), hex_encode(sha256(file))}};
    entry.tables = {table};
    EXPECT_EQ(CommitLog(*storage_).append(entry), AppendOutcome::appended);
    return entry;
  }

  std::string read(const std::string& key) { return storage_->read(key).value_or("<missing>"); }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
  BaseRun base_;
};

TEST_F(DmsChangePublisherTest, PublishesEachLoggedEntryOnceWithStableNames) {
  logged(1, kDocumentedSecond, {"I,0/100,2014-10-29 11:34:01+00,7,1,,,1,\"a,b\""});
  // The second batch's commit time is before the first's: its name still sorts after.
  const LogEntry second = logged(2, kDocumentedSecond - 5,
                                 {"U,0/200,2014-10-29 11:33:56.5+00,8,1,,,1,\"\"",
                                  "D,0/200,2014-10-29 11:33:56.5+00,8,2,,,1,"});
  CommitLog log(*storage_);
  DmsChangePublisher publisher(*storage_, base_);
  publisher.catch_up(log, second);
  EXPECT_EQ(publisher.files_written(), 2u);
  EXPECT_EQ(read("public/t/20141029-1134010000.csv"), "I,2014-10-29 11:34:01.000000,1,\"a,b\"\n");
  EXPECT_EQ(read("public/t/20141029-1134010001.csv"),
            "U,2014-10-29 11:33:56.500000,1,\"\"\nD,2014-10-29 11:33:56.500000,1,\n");
  EXPECT_EQ(parse_dms_progress(read(std::string(kDmsChangesProgressKey)), "p"),
            (DmsPublishProgress{2, dms_name_ticks(at_micros(kDocumentedSecond * 1'000'000)) + 1}));

  // A run that lost the progress derives the same names and writes nothing twice.
  storage_->remove(std::string(kDmsChangesProgressKey));
  DmsChangePublisher again(*storage_, base_);
  again.catch_up(log, second);
  EXPECT_EQ(again.files_written(), 0u);
  EXPECT_EQ(storage_->list("public/t/").size(), 2u);

  // The next entry continues after the stored progress.
  const LogEntry third =
      logged(3, kDocumentedSecond + 60, {"I,0/300,2014-10-29 11:35:01+00,9,1,,,2,x"});
  again.catch_up(log, third);
  EXPECT_EQ(again.files_written(), 1u);
  EXPECT_EQ(read("public/t/20141029-1135010000.csv"), "I,2014-10-29 11:35:01.000000,2,x\n");
}

TEST_F(DmsChangePublisherTest, GzipBasesGetGzipFiles) {
  base_.compression = "gzip";
  const LogEntry entry = logged(1, kDocumentedSecond, {"T,0/100,2014-10-29 11:34:01.25+00,7,1,,,,"},
                                compress::StreamCodec::gzip);
  CommitLog log(*storage_);
  DmsChangePublisher publisher(*storage_, base_);
  publisher.catch_up(log, entry);
  const std::string key = "public/t/20141029-1134010000.csv.gz";
  ASSERT_TRUE(storage_->read(key)) << "no " << key;
  StringSink text;
  auto decompressor = compress::make_stream_decompressor(compress::StreamCodec::gzip, text);
  decompressor->write(read(key));
  decompressor->finish();
  EXPECT_EQ(text.data, "T,2014-10-29 11:34:01.250000,,\n");
}

TEST_F(DmsChangePublisherTest, AChangeFileThatDiffersFromItsListingIsNotPublished) {
  const LogEntry entry = logged(1, kDocumentedSecond, {"I,0/100,2014-10-29 11:34:01+00,7,1,,,1,a"});
  put(entry.tables[0].files[0].key,
      "_op,_commit_lsn,_commit_time,_xid,_seq,_unchanged,_old_key,id,name\n"
      "I,0/100,2014-10-29 11:34:01+00,7,1,,,1,b\n");
  CommitLog log(*storage_);
  DmsChangePublisher publisher(*storage_, base_);
  try {
    publisher.catch_up(log, entry);
    ADD_FAILURE() << "published a damaged change file";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::verification_failed) << error.what();
  }
  EXPECT_TRUE(storage_->list("public/").empty());
  EXPECT_FALSE(storage_->read(std::string(kDmsChangesProgressKey)));
}

TEST_F(DmsChangePublisherTest, OnlyDmsLayoutCsvAndParquetBasesArePublished) {
  BaseRun runs = base_;
  runs.layout = "runs";
  EXPECT_THROW(DmsChangePublisher(*storage_, runs), Error);
  BaseRun jsonl = base_;
  jsonl.format = "jsonl";
  EXPECT_THROW(DmsChangePublisher(*storage_, jsonl), Error);
  BaseRun parquet = base_;
  parquet.format = "parquet";
  EXPECT_NO_THROW(DmsChangePublisher(*storage_, parquet));
}

}  // namespace
}  // namespace pgexport::cdc
