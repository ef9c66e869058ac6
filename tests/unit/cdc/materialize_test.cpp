// Materialize with directories: base runs and commit logs built by hand through the real
// encoders (CsvFormat, JsonlFormat, ParquetFormat), ChangeRowBuilder and CommitLog, then the
// materialized tables compared row by row with the rows each table must hold, in each format
// (Parquet files read back as PostgreSQL texts, as materialize itself reads them).
#include "cdc/materialize.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cdc/change_rows.hpp"
#include "cdc/commit_log.hpp"
#include "cdc/layout.hpp"
#include "cdc/stored_parquet.hpp"
#include "change_fixture.hpp"
#include "common/error.hpp"
#include "compress/stream_compressor.hpp"
#include "compress/stream_decompressor.hpp"
#include "export/commit.hpp"
#include "export/layout.hpp"
#include "export/manifest.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "format/parquet/parquet_format.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cdc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A row as PostgreSQL's texts; nullopt is NULL, kUnchanged an unsent TOASTed value.
using Row = std::vector<std::optional<std::string>>;
const std::string kUnchanged = "\x01(unchanged)";
constexpr std::string_view kAttempt = "a1b2c3d4e5f6";

using fixture::scalar;

struct TableDef {
  pg::TableSchema schema;
  pg::TableKey key;
  std::vector<size_t> key_positions;  // into schema.columns
};

// public.items: id integer (primary key), name text, big text (TOASTed), doc jsonb.
TableDef items() {
  TableDef table;
  table.schema = {"public", "items", {}};
  table.schema.columns.push_back({"id", 1, true, scalar(pg::oid::kInt4, "integer"), {}});
  table.schema.columns.push_back({"name", 2, false, scalar(pg::oid::kText, "text"), {}});
  table.schema.columns.push_back({"big", 3, false, scalar(pg::oid::kText, "text"), {}});
  table.schema.columns.push_back({"doc", 4, false, scalar(pg::oid::kJsonb, "jsonb"), {}});
  table.key = {pg::TableKey::Kind::primary_key, {"id"}};
  table.key_positions = {0};
  return table;
}

// public.events under REPLICA IDENTITY FULL without a key: at text, n integer.
TableDef events() {
  TableDef table;
  table.schema = {"public", "events", {}};
  table.schema.columns.push_back({"at", 1, false, scalar(pg::oid::kText, "text"), {}});
  table.schema.columns.push_back({"n", 2, false, scalar(pg::oid::kInt4, "integer"), {}});
  table.key = {pg::TableKey::Kind::full_row, {}};
  table.key_positions = {0, 1};
  return table;
}

struct ChangeSpec {
  ChangeOp op;
  uint64_t lsn;  // the transaction's commit LSN
  Row values;
  std::optional<Row> old = std::nullopt;  // an update's old key (or old row under full row)
};

struct TableChanges {
  TableDef table;
  uint64_t schema_version = 1;
  std::vector<ChangeSpec> changes;
  std::map<std::string, std::string> missing_values = {};
};

std::vector<pg::ColumnValue> column_values(const Row& row) {
  std::vector<pg::ColumnValue> values;
  for (const auto& value : row) {
    if (!value) {
      values.push_back(pg::ColumnValue::null());
    } else if (*value == kUnchanged) {
      values.push_back(pg::ColumnValue::unchanged());
    } else {
      values.push_back(pg::ColumnValue::text(*value));
    }
  }
  return values;
}

// COPY TEXT escaping, for rows handed to the JSON Lines encoder.
std::string copy_text(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class MaterializeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    root_ = fs::temp_directory_path() /
            ("pgexport-materialize-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(root_);
    source_ = std::make_unique<storage::LocalStorage>(root_ / "source");
    output_ = std::make_unique<storage::LocalStorage>(root_ / "output");
    source_->check_writable();
    if (csv()) {
      format_ = std::make_unique<format::CsvFormat>();
    } else if (parquet()) {
      format_ = std::make_unique<format::parquet::ParquetFormat>();
    } else {
      format_ = std::make_unique<format::JsonlFormat>();
    }
  }
  void TearDown() override {
    if (!getenv("KEEP")) fs::remove_all(root_);
  }

  bool csv() const { return GetParam() == "csv"; }
  bool parquet() const { return GetParam() == "parquet"; }
  format::WireFormat wire() const {
    return csv() ? format::WireFormat::csv : format::WireFormat::text;
  }
  // Parquet compresses its pages (zstd, the manifest's "compression"), not the file.
  std::string extension() const { return parquet() ? "parquet" : GetParam() + ".zst"; }

  // One row in the wire form the format's encoder takes, as COPY sends it.
  std::string wire_row(const Row& row) const {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += csv() ? ',' : '\t';
      if (csv()) {
        if (row[i]) line += format::csv_quote(*row[i]);
      } else {
        line += row[i] ? copy_text(*row[i]) : std::string("\\N");
      }
    }
    return line + "\n";
  }

  std::string encode(const pg::TableSchema& schema, const std::vector<Row>& rows) const {
    auto encoder = format_->make_encoder(schema);
    auto text_rows = format_->make_text_row_writer(schema);
    StringSink sink;
    encoder->start(sink);
    for (const Row& row : rows) {
      if (parquet()) {
        std::vector<std::optional<std::string_view>> values(row.begin(), row.end());
        encoder->write_row(text_rows->build(values));
      } else {
        encoder->write_row(wire_row(row));
      }
    }
    encoder->finish();
    return sink.data;
  }

  storage::ObjectInfo store(storage::Storage& storage, const std::string& key,
                            const std::string& bytes) const {
    auto object = storage.create(key);
    auto compressor = compress::make_stream_compressor(
        parquet() ? compress::StreamCodec::none : compress::StreamCodec::zstd, std::nullopt,
        *object);
    compressor->write(bytes);
    compressor->finish();
    return object->commit();
  }

  // A committed base run with a cdc section at `consistent_point`.
  void write_base(const std::vector<std::pair<TableDef, std::vector<Row>>>& tables,
                  uint64_t consistent_point, const std::string& run_id = "base") {
    std::vector<pg::CatalogTable> catalog;
    std::vector<exporter::TableResult> results;
    for (const auto& [table, rows] : tables) {
      pg::CatalogTable entry;
      entry.schema = table.schema;
      entry.key = table.key;
      catalog.push_back(entry);
      exporter::TableResult result;
      result.rows = rows.size();
      const std::string key = exporter::data_file_key(run_id, "0123456789ab", table.schema.schema,
                                                      table.schema.name, 0, 0, extension());
      result.files.push_back({store(*source_, key, encode(table.schema, rows)), rows.size()});
      results.push_back(result);
    }
    exporter::ManifestInput input;
    input.run_id = run_id;
    input.attempt = "0123456789ab";
    input.started_at = input.snapshot_at = input.finished_at = "2026-12-01T09:00:00.000Z";
    input.format_name = GetParam();
    input.compression_name = "zstd";
    input.snapshot = {"00000003-0000001B-1", "100:100:", "0/100", "app", "15.8", 150008};
    input.tables = &catalog;
    input.results = &results;
    input.format = format_.get();
    auto manifest = exporter::build_manifest(input);
    manifest["cdc"] = {{"slot", "pgexport"},
                       {"publication", "pgexport"},
                       {"consistent_point", Lsn(consistent_point).to_string()}};
    ASSERT_EQ(exporter::create_manifest(*source_, run_id, manifest.dump(2)),
              exporter::ManifestOutcome::committed);
  }

  // Log entry `sequence` holding `tables`' changes, each table's in one change file.
  void write_entry(uint64_t sequence, const std::vector<TableChanges>& tables) {
    LogEntry entry;
    entry.sequence = sequence;
    entry.slot = "pgexport";
    entry.attempt = std::string(kAttempt);
    entry.format = GetParam();
    entry.compression = "zstd";
    entry.first_commit_lsn = Lsn(UINT64_MAX);
    entry.first_commit_time = entry.last_commit_time =
        pg::replication::to_system_time(pg::replication::to_pg_timestamp(
            std::chrono::sys_days(std::chrono::year(2026) / 12 / 1) + std::chrono::hours(10)));
    for (const TableChanges& changes : tables) {
      ChangeRowBuilder builder(changes.table.schema, changes.table.key_positions, *format_);
      auto encoder = format_->make_encoder(builder.change_table());
      StringSink sink;
      encoder->start(sink);
      uint64_t seq = 0;
      for (const ChangeSpec& spec : changes.changes) {
        const std::vector<pg::ColumnValue> values = column_values(spec.values);
        std::optional<pg::replication::OldTuple> old;
        if (spec.old) {
          old = pg::replication::OldTuple{changes.table.key.kind == pg::TableKey::Kind::full_row
                                              ? pg::replication::OldTuple::Kind::full_row
                                              : pg::replication::OldTuple::Kind::key,
                                          column_values(*spec.old)};
        }
        const TransactionInfo transaction{Lsn(spec.lsn), commit_time(), 1000};
        Change change{spec.op, ++seq,
                      spec.op == ChangeOp::truncate ? std::span<const pg::ColumnValue>()
                                                    : std::span<const pg::ColumnValue>(values),
                      old ? &*old : nullptr};
        encoder->write_row(builder.build(transaction, change));
        entry.first_commit_lsn = std::min(entry.first_commit_lsn, Lsn(spec.lsn));
        entry.last_commit_lsn = std::max(entry.last_commit_lsn, Lsn(spec.lsn));
        ++entry.changes;
      }
      encoder->finish();
      const std::string key =
          change_file_key(changes.table.schema.schema, changes.table.schema.name, sequence,
                          kAttempt, 0, extension());
      const storage::ObjectInfo object = store(*source_, key, sink.data);
      LoggedTable logged;
      logged.schema = changes.table.schema.schema;
      logged.name = changes.table.schema.name;
      logged.schema_version = changes.schema_version;
      logged.key_kind = changes.table.key.kind == pg::TableKey::Kind::full_row
                            ? KeyKind::full_row
                            : KeyKind::primary_key;
      for (size_t position : changes.table.key_positions) {
        logged.key_columns.push_back(changes.table.schema.columns[position].name);
      }
      for (const pg::Column& column : changes.table.schema.columns) {
        logged.columns.push_back({column.name, column.type.name});
      }
      logged.missing_values = changes.missing_values;
      logged.rows = changes.changes.size();
      logged.files.push_back({key, logged.rows, object.size, object.sha256_hex});
      entry.tables.push_back(std::move(logged));
    }
    entry.end_lsn = Lsn(entry.last_commit_lsn.value() + 0x30);
    entry.transactions = 1;
    ASSERT_EQ(CommitLog(*source_).append(entry), AppendOutcome::appended);
  }

  // A position-only entry: no changes, the newest logged commit again, the log's end moved.
  void write_position_entry(uint64_t sequence, uint64_t newest_commit, uint64_t end) {
    LogEntry entry;
    entry.sequence = sequence;
    entry.slot = "pgexport";
    entry.attempt = std::string(kAttempt);
    entry.format = GetParam();
    entry.compression = "zstd";
    entry.first_commit_lsn = entry.last_commit_lsn = Lsn(newest_commit);
    entry.end_lsn = Lsn(end);
    entry.first_commit_time = entry.last_commit_time =
        pg::replication::to_system_time(commit_time());
    ASSERT_EQ(CommitLog(*source_).append(entry), AppendOutcome::appended);
  }

  static pg::replication::PgTimestamp commit_time() {
    using namespace std::chrono;
    return pg::replication::to_pg_timestamp(sys_days(2026y / 12 / 1) + 10h + 812340us);
  }

  MaterializeSummary run(std::optional<uint64_t> lsn = std::nullopt,
                         const std::string& run_id = "materialized") {
    MaterializeConfig config;
    if (lsn) config.lsn = Lsn(*lsn);
    config.run_id = run_id;
    return materialize(*source_, *output_, config);
  }

  json output_manifest(const std::string& run_id = "materialized") {
    auto text = output_->read(exporter::manifest_key(run_id));
    EXPECT_TRUE(text) << "no manifest";
    return text ? json::parse(*text) : json();
  }

  // The data lines of one table in the output run, sorted.
  std::vector<std::string> output_lines(const std::string& table,
                                        const std::string& run_id = "materialized") {
    std::vector<std::string> lines;
    const json manifest = output_manifest(run_id);
    for (const json& entry : manifest["tables"]) {
      if (entry["name"] != table) continue;
      for (const json& file : entry["files"]) {
        if (parquet()) {
          auto stored = StoredParquetFile::scan(*output_, file["key"].get<std::string>());
          EXPECT_TRUE(stored) << file["key"];
          if (!stored) continue;
          stored->read_rows(
              *output_, [](const format::parquet::ParquetTextReader&) {},
              [&](format::parquet::ParquetTextReader::Row row) {
                lines.push_back(text_line(Row(row.begin(), row.end())));
              });
          continue;
        }
        StringSink plain;
        auto decompressor = compress::make_stream_decompressor(compress::StreamCodec::zstd, plain);
        EXPECT_TRUE(output_->read_into(file["key"].get<std::string>(), *decompressor));
        decompressor->finish();
        size_t start = 0;
        bool header = csv();
        while (start < plain.data.size()) {
          size_t end = plain.data.find('\n', start);
          std::string line = plain.data.substr(start, end - start);
          if (!header) lines.push_back(line);
          header = false;
          start = end + 1;
        }
      }
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  // The lines `rows` must be, through the format's own encoder, sorted.
  std::vector<std::string> expected_lines(const pg::TableSchema& schema,
                                          const std::vector<Row>& rows) const {
    std::vector<std::string> lines;
    if (parquet()) {
      for (const Row& row : rows) lines.push_back(text_line(row));
      std::sort(lines.begin(), lines.end());
      return lines;
    }
    const std::string bytes = encode(schema, rows);
    size_t start = bytes.find('\n') + 1;  // CSV's header
    if (!csv()) start = 0;
    while (start < bytes.size()) {
      size_t end = bytes.find('\n', start);
      lines.push_back(bytes.substr(start, end - start));
      start = end + 1;
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  // A row of texts as one comparable line (CSV quoting, NULL an empty field).
  static std::string text_line(const Row& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += ',';
      if (row[i]) line += format::csv_quote(*row[i]);
    }
    return line;
  }

  // The kind of the error `call` throws, with its message in `message`.
  template <typename Call>
  ErrorKind error_of(Call call, std::string& message) {
    try {
      call();
    } catch (const Error& error) {
      message = error.what();
      return error.kind();
    }
    ADD_FAILURE() << "no error";
    return ErrorKind::internal;
  }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> source_;
  std::unique_ptr<storage::LocalStorage> output_;
  std::unique_ptr<format::Format> format_;
};

INSTANTIATE_TEST_SUITE_P(Formats, MaterializeTest, ::testing::Values("csv", "jsonl", "parquet"),
                         [](const auto& info) { return info.param; });

Row item(int id, std::optional<std::string> name, std::optional<std::string> big,
         std::optional<std::string> doc = std::nullopt) {
  return Row{std::to_string(id), std::move(name), std::move(big), std::move(doc)};
}
Row key_of(int id) {
  return Row{std::to_string(id), std::nullopt, std::nullopt, std::nullopt};
}

TEST_P(MaterializeTest, AppliesInsertsUpdatesKeyUpdatesAndDeletes) {
  write_base(
      {{items(),
        {item(1, "one", "B1", R"({"a": 1})"), item(2, "two", "B2"), item(3, "", "B3", "null")}}},
      0x100);
  write_entry(1, {{items(),
                   1,
                   {{ChangeOp::insert, 0x200, item(4, "four, \"quoted\"", "B4", "[1, 2]")},
                    {ChangeOp::update, 0x200, item(2, "TWO", "B2x")},
                    {ChangeOp::remove, 0x300, key_of(3)}}}});
  write_entry(2, {{items(),
                   1,
                   {{ChangeOp::update, 0x400, item(10, "ten", "B10"), key_of(1)},
                    {ChangeOp::insert, 0x500, item(5, std::nullopt, "")}}}});

  const MaterializeSummary summary = run();
  EXPECT_EQ(summary.base_run_id, "base");
  EXPECT_EQ(summary.lsn, Lsn(0x500));
  EXPECT_EQ(summary.changes_applied, 5u);
  EXPECT_EQ(output_lines("items"),
            expected_lines(items().schema, {item(10, "ten", "B10"), item(2, "TWO", "B2x"),
                                            item(4, "four, \"quoted\"", "B4", "[1, 2]"),
                                            item(5, std::nullopt, "")}));
  const json manifest = output_manifest();
  EXPECT_EQ(manifest["cdc"]["consistent_point"], "0/500");
  EXPECT_EQ(manifest["cdc"]["slot"], "pgexport");
  EXPECT_EQ(manifest["materialized_from"]["run_id"], "base");
  EXPECT_EQ(manifest["materialized_from"]["log_sequences"]["first"], 1);
  EXPECT_EQ(manifest["materialized_from"]["log_sequences"]["last"], 2);
  EXPECT_EQ(manifest["tables"][0]["rows"], 4);
  EXPECT_EQ(manifest["tables"][0]["key"]["kind"], "primary key");
  EXPECT_EQ(manifest["source"]["database"], "app");
  auto latest = output_->read("latest.json");
  ASSERT_TRUE(latest);
  EXPECT_EQ(json::parse(*latest)["run_id"], "materialized");
}

TEST_P(MaterializeTest, TruncateRemovesTheBaseAndEarlierChangesAndLaterChangesApply) {
  write_base({{items(), {item(1, "one", "B1"), item(2, "two", "B2")}}}, 0x100);
  write_entry(1, {{items(),
                   1,
                   {{ChangeOp::insert, 0x200, item(3, "three", "B3")},
                    {ChangeOp::truncate, 0x300, {}},
                    {ChangeOp::insert, 0x400, item(1, "again", "A1")},
                    {ChangeOp::update, 0x500, item(1, "again2", kUnchanged)}}}});
  run();
  EXPECT_EQ(output_lines("items"), expected_lines(items().schema, {item(1, "again2", "A1")}));
}

TEST_P(MaterializeTest, UnchangedToastedColumnsComeFromTheBaseOrAnEarlierChange) {
  write_base({{items(), {item(1, "one", "BIG1"), item(2, "two", "BIG2"), item(9, "nine", "B9")}}},
             0x100);
  write_entry(1, {{items(),
                   1,
                   {{ChangeOp::update, 0x200, item(1, "one'", kUnchanged)},
                    {ChangeOp::insert, 0x200, item(3, "three", "BIG3")},
                    // a key update that keeps the TOASTed value: taken from base row 2
                    {ChangeOp::update, 0x300, item(20, "twenty", kUnchanged), key_of(2)}}}});
  write_entry(2, {{items(),
                   1,
                   {{ChangeOp::update, 0x400, item(3, "three'", kUnchanged)},
                    {ChangeOp::update, 0x400, item(1, "one''", kUnchanged)},
                    {ChangeOp::update, 0x500, item(21, "twenty-one", kUnchanged), key_of(20)}}}});
  run();
  EXPECT_EQ(
      output_lines("items"),
      expected_lines(items().schema, {item(1, "one''", "BIG1"), item(21, "twenty-one", "BIG2"),
                                      item(3, "three'", "BIG3"), item(9, "nine", "B9")}));
}

TEST_P(MaterializeTest, FullRowTablesAreMultisets) {
  using R = Row;
  write_base({{events(), {R{"a", "1"}, R{"a", "1"}, R{"b", "2"}, R{"", std::nullopt}}}}, 0x100);
  write_entry(1, {{events(),
                   1,
                   {{ChangeOp::remove, 0x200, R{"a", "1"}},
                    {ChangeOp::insert, 0x200, R{"c", "3"}},
                    {ChangeOp::insert, 0x300, R{"c", "3"}},
                    {ChangeOp::update, 0x400, R{"b", "5"}, R{"b", "2"}},
                    {ChangeOp::remove, 0x500, R{"", std::nullopt}}}}});
  run();
  EXPECT_EQ(output_lines("events"),
            expected_lines(events().schema, {R{"a", "1"}, R{"c", "3"}, R{"c", "3"}, R{"b", "5"}}));
  EXPECT_EQ(output_manifest()["tables"][0]["key"]["kind"], "full row");
}

TEST_P(MaterializeTest, AFullRowTableWithAnAddedColumnHasItInItsKey) {
  using R = Row;
  write_base({{events(), {R{"a", "1"}, R{"a", "1"}, R{"b", "2"}}}}, 0x100);
  // ALTER TABLE events ADD COLUMN source text: every column is a full-row table's key, so the
  // new run's key names the newest columns; older changes carry the old row without the new
  // column, which is NULL in it (no default).
  TableDef v2 = events();
  v2.schema.columns.push_back({"source", 3, false, scalar(pg::oid::kText, "text"), {}});
  v2.key_positions = {0, 1, 2};
  write_entry(1, {{events(),
                   1,
                   {{ChangeOp::update, 0x200, R{"a", "5"}, R{"a", "1"}},
                    {ChangeOp::insert, 0x200, R{"c", "3"}}}}});
  write_entry(2, {{v2,
                   2,
                   {{ChangeOp::remove, 0x300, R{"a", "1", std::nullopt}},
                    {ChangeOp::insert, 0x300, R{"d", "4", "x"}},
                    {ChangeOp::update, 0x400, R{"b", "2", "y"}, R{"b", "2", std::nullopt}}}}});
  run();
  EXPECT_EQ(output_lines("events"),
            expected_lines(v2.schema, {R{"a", "5", std::nullopt}, R{"b", "2", "y"},
                                       R{"c", "3", std::nullopt}, R{"d", "4", "x"}}));
  const json key = output_manifest()["tables"][0]["key"];
  EXPECT_EQ(key["kind"], "full row");
  EXPECT_EQ(key["columns"], json::array({"at", "n", "source"}));
}

TEST_P(MaterializeTest, TheNewestSchemaVersionDecidesTheColumns) {
  write_base({{items(), {item(1, "one", "B1", R"({"k": 1})"), item(2, "two", "B2")}}}, 0x100);
  // Version 2: big dropped, extra (text) added.
  TableDef v2 = items();
  v2.schema.columns.erase(v2.schema.columns.begin() + 2);
  v2.schema.columns.push_back({"extra", 5, false, scalar(pg::oid::kText, "text"), {}});
  write_entry(1, {{items(), 1, {{ChangeOp::update, 0x200, item(2, "two'", "B2'")}}}});
  write_entry(2, {{v2, 2, {{ChangeOp::update, 0x300, Row{"1", "one'", std::nullopt, "e"}}}}});
  run();
  EXPECT_EQ(output_lines("items"),
            expected_lines(v2.schema, {Row{"1", "one'", std::nullopt, "e"},
                                       Row{"2", "two'", std::nullopt, std::nullopt}}));
  const json columns = output_manifest()["tables"][0]["columns"];
  ASSERT_EQ(columns.size(), 4u);
  EXPECT_EQ(columns[2]["name"], "doc");
  EXPECT_EQ(columns[3]["name"], "extra");
  EXPECT_EQ(columns[3]["nullable"], true);
}

TEST_P(MaterializeTest, OlderRowsHoldTheConstantDefaultOfAColumnAddedAfterThem) {
  write_base({{items(), {item(1, "one", "B1"), item(2, "two", "B2")}}}, 0x100);
  TableDef v2 = items();
  v2.schema.columns.push_back({"extra", 5, false, scalar(pg::oid::kText, "text"), {}});
  v2.schema.columns.push_back({"plain", 6, false, scalar(pg::oid::kInt4, "integer"), {}});
  write_entry(1, {{v2,
                   2,
                   {{ChangeOp::update, 0x200, Row{"1", "one'", "B1", std::nullopt, "e", "5"}}},
                   {{"extra", "a \"default\", with a comma"}}}});
  run();
  // Row 2 was written before the columns existed: extra holds the default, plain (added
  // without one) NULL.
  EXPECT_EQ(output_lines("items"),
            expected_lines(v2.schema, {Row{"1", "one'", "B1", std::nullopt, "e", "5"},
                                       Row{"2", "two", "B2", std::nullopt,
                                           "a \"default\", with a comma", std::nullopt}}));
}

TEST_P(MaterializeTest, AFullRowOfAnOlderVersionMatchesWithTheAddedColumnsDefault) {
  using R = Row;
  write_base({{events(), {R{"a", "1"}, R{"b", "2"}}}}, 0x100);
  TableDef v2 = events();
  v2.schema.columns.push_back({"x", 3, false, scalar(pg::oid::kInt4, "integer"), {}});
  v2.key_positions = {0, 1, 2};
  // Version 1's update names the old row without x; version 2's delete names it with x = 7,
  // as the server reads a row written before x was added.
  write_entry(1, {{events(), 1, {{ChangeOp::update, 0x200, R{"b", "5"}, R{"b", "2"}}}}});
  write_entry(2, {{v2, 2, {{ChangeOp::remove, 0x300, R{"a", "1", "7"}}}, {{"x", "7"}}}});
  run();
  EXPECT_EQ(output_lines("events"), expected_lines(v2.schema, {R{"b", "5", "7"}}));
}

TEST_P(MaterializeTest, AnLsnAppliesEveryTransactionUpToIt) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  write_entry(1, {{items(), 1, {{ChangeOp::insert, 0x200, item(2, "two", "B2")}}}});
  write_entry(2, {{items(),
                   1,
                   {{ChangeOp::insert, 0x300, item(3, "three", "B3")},
                    {ChangeOp::insert, 0x400, item(4, "four", "B4")}}}});

  // At an entry's boundary: entry 1 only.
  run(0x200, "at-200");
  EXPECT_EQ(output_lines("items", "at-200"),
            expected_lines(items().schema, {item(1, "one", "B1"), item(2, "two", "B2")}));
  EXPECT_EQ(output_manifest("at-200")["cdc"]["consistent_point"], "0/200");
  EXPECT_EQ(output_manifest("at-200")["materialized_from"]["log_sequences"]["last"], 1);

  // Inside entry 2's range: its first transaction only.
  run(0x350, "at-350");
  EXPECT_EQ(output_lines("items", "at-350"),
            expected_lines(items().schema,
                           {item(1, "one", "B1"), item(2, "two", "B2"), item(3, "three", "B3")}));
  EXPECT_EQ(output_manifest("at-350")["cdc"]["consistent_point"], "0/350");

  // The consistent point itself: the base as it is.
  const MaterializeSummary summary = run(0x100, "at-100");
  EXPECT_EQ(summary.changes_applied, 0u);
  EXPECT_FALSE(summary.first_sequence);
  EXPECT_EQ(output_lines("items", "at-100"),
            expected_lines(items().schema, {item(1, "one", "B1")}));
  EXPECT_TRUE(output_manifest("at-100")["materialized_from"]["log_sequences"].is_null());
}

TEST_P(MaterializeTest, PositionOnlyEntriesApplyNothingAndBreakNothing) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  write_position_entry(1, 0x100, 0x1000);  // before any batch: the base's consistent point
  write_entry(2, {{items(), 1, {{ChangeOp::insert, 0x2000, item(2, "two", "B2")}}}});
  write_position_entry(3, 0x2000, 0x5000);
  write_position_entry(4, 0x2000, 0x9000);
  const MaterializeSummary summary = run();
  EXPECT_EQ(summary.lsn, Lsn(0x2000));  // the newest logged commit, not the log's end
  EXPECT_EQ(summary.changes_applied, 1u);
  EXPECT_EQ(summary.first_sequence, 2u);
  EXPECT_EQ(output_lines("items"),
            expected_lines(items().schema, {item(1, "one", "B1"), item(2, "two", "B2")}));
  EXPECT_EQ(output_manifest()["cdc"]["consistent_point"], "0/2000");
  // An LSN past the newest commit is still beyond what the log holds.
  std::string message;
  EXPECT_EQ(error_of([&] { run(0x5000, "later"); }, message), ErrorKind::usage);
  EXPECT_NE(message.find("beyond the newest logged commit 0/2000"), std::string::npos) << message;
  // A run materialized at the newest commit, as the base: the entries after it hold nothing.
  MaterializeConfig config;
  config.run_id = "first";
  materialize(*source_, *source_, config);
  config.run_id = "second";
  const MaterializeSummary next = materialize(*source_, *output_, config);
  EXPECT_EQ(next.base_run_id, "first");
  EXPECT_EQ(next.changes_applied, 0u);
  EXPECT_FALSE(next.first_sequence);
  EXPECT_EQ(output_lines("items", "second"),
            expected_lines(items().schema, {item(1, "one", "B1"), item(2, "two", "B2")}));
}

TEST_P(MaterializeTest, AMaterializedRunIsTheBaseOfTheNextOne) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  write_entry(1, {{items(),
                   1,
                   {{ChangeOp::insert, 0x200, item(2, "two", "B2")},
                    {ChangeOp::update, 0x300, item(1, "one'", kUnchanged)}}}});
  MaterializeConfig config;
  config.run_id = "first";
  config.lsn = Lsn(0x250);
  materialize(*source_, *source_, config);  // into the same destination
  config.run_id = "second";
  config.lsn.reset();
  const MaterializeSummary summary = materialize(*source_, *output_, config);
  EXPECT_EQ(summary.base_run_id, "first");
  EXPECT_EQ(summary.changes_applied, 1u);  // only the change above 0/250
  EXPECT_EQ(output_lines("items", "second"),
            expected_lines(items().schema, {item(1, "one'", "B1"), item(2, "two", "B2")}));
}

TEST_P(MaterializeTest, LsnsOutsideTheBaseAndTheLogAreUsageErrors) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  write_entry(1, {{items(), 1, {{ChangeOp::insert, 0x200, item(2, "two", "B2")}}}});
  std::string message;
  EXPECT_EQ(error_of([&] { run(0x80); }, message), ErrorKind::usage);
  EXPECT_NE(message.find("below the consistent point 0/100"), std::string::npos) << message;
  EXPECT_EQ(error_of([&] { run(0x201); }, message), ErrorKind::usage);
  EXPECT_NE(message.find("beyond the newest logged commit 0/200"), std::string::npos) << message;
  EXPECT_FALSE(output_->stat(exporter::manifest_key("materialized")));
}

TEST_P(MaterializeTest, ADamagedChangeFileFailsVerificationNamingItAndCommitsNothing) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  write_entry(1, {{items(), 1, {{ChangeOp::insert, 0x200, item(2, "two", "B2")}}}});
  const std::string key = change_file_key("public", "items", 1, kAttempt, 0, extension());
  auto bytes = source_->read(key);
  ASSERT_TRUE(bytes);
  (*bytes)[bytes->size() / 2] ^= 0x01;
  source_->remove(key);
  storage::put_object(*source_, key, *bytes);

  std::string message;
  EXPECT_EQ(error_of([&] { run(); }, message), ErrorKind::verification_failed);
  EXPECT_EQ(error_kind_info(ErrorKind::verification_failed).exit_code, 14);
  EXPECT_NE(message.find(key), std::string::npos) << message;
  EXPECT_NE(message.find("SHA-256"), std::string::npos) << message;
  EXPECT_FALSE(output_->stat(exporter::manifest_key("materialized")));
  EXPECT_TRUE(output_->list("runs/").empty());
}

TEST_P(MaterializeTest, AMissingChangeFileOrALogGapFailsVerification) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  write_entry(1, {{items(), 1, {{ChangeOp::insert, 0x200, item(2, "two", "B2")}}}});
  write_entry(2, {{items(), 1, {{ChangeOp::insert, 0x300, item(3, "three", "B3")}}}});
  const std::string file = change_file_key("public", "items", 2, kAttempt, 0, extension());
  source_->remove(file);
  std::string message;
  EXPECT_EQ(error_of([&] { run(); }, message), ErrorKind::verification_failed);
  EXPECT_NE(message.find(file), std::string::npos) << message;

  source_->remove(log_entry_key(1));
  EXPECT_EQ(error_of([&] { run(); }, message), ErrorKind::verification_failed);
  EXPECT_NE(message.find("gap"), std::string::npos) << message;
}

TEST_P(MaterializeTest, ATableWithoutAKeyIsRefusedByName) {
  TableDef keyless = items();
  keyless.schema.name = "loose";
  keyless.key = {pg::TableKey::Kind::none, {}};
  write_base({{items(), {item(1, "one", "B1")}}, {keyless, {item(1, "one", "B1")}}}, 0x100);
  std::string message;
  EXPECT_EQ(error_of([&] { run(); }, message), ErrorKind::data_error);
  EXPECT_NE(message.find("public.loose"), std::string::npos) << message;
  EXPECT_NE(message.find("\"none\""), std::string::npos) << message;
}

TEST_P(MaterializeTest, AnotherFormatIsAUsageError) {
  write_base({{items(), {item(1, "one", "B1")}}}, 0x100);
  MaterializeConfig config;
  config.run_id = "materialized";
  config.format = csv() ? "jsonl" : "csv";
  std::string message;
  EXPECT_EQ(error_of([&] { materialize(*source_, *output_, config); }, message), ErrorKind::usage);
  EXPECT_NE(message.find("converting between formats is not supported yet"), std::string::npos)
      << message;
  config.format = parquet() ? "jsonl" : "parquet";
  EXPECT_EQ(error_of([&] { materialize(*source_, *output_, config); }, message), ErrorKind::usage);
  EXPECT_NE(message.find("converting between formats is not supported yet"), std::string::npos)
      << message;
  config.format = GetParam();  // the run's own format is fine
  EXPECT_NO_THROW(materialize(*source_, *output_, config));
}

TEST_P(MaterializeTest, ADestinationWithoutACdcRunIsAUsageError) {
  std::string message;
  EXPECT_EQ(error_of([&] { run(); }, message), ErrorKind::usage);
  EXPECT_NE(message.find("cdc init"), std::string::npos) << message;
}

}  // namespace
}  // namespace pgexport::cdc
