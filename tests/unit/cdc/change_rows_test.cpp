#include "cdc/change_rows.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "change_fixture.hpp"
#include "common/byte_sink.hpp"
#include "common/error.hpp"
#include "format/copy_text.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "format/parquet/parquet_format.hpp"
#include "format/parquet/pg_binary.hpp"

namespace pgexport::cdc {
namespace {

using fixture::Field;
using fixture::Fields;

// Reads CSV as PostgreSQL writes it: an unquoted empty field is NULL, "" the empty string,
// and quoted fields may hold commas, doubled quotes and line breaks.
std::vector<Fields> read_csv(std::string_view text) {
  std::vector<Fields> records;
  Fields record;
  size_t at = 0;
  while (at < text.size()) {
    Field field;
    if (text[at] == '"') {
      std::string value;
      ++at;
      while (true) {
        if (at >= text.size()) throw std::runtime_error("unterminated quoted field");
        if (text[at] == '"') {
          if (at + 1 < text.size() && text[at + 1] == '"') {
            value += '"';
            at += 2;
            continue;
          }
          ++at;
          break;
        }
        value += text[at++];
      }
      field = value;
    } else {
      const size_t end = text.find_first_of(",\n", at);
      const std::string_view raw = text.substr(at, end - at);
      if (raw.find_first_of("\"\r") != std::string_view::npos) {
        throw std::runtime_error("quote or CR in an unquoted field");
      }
      if (!raw.empty()) field = std::string(raw);
      at = end == std::string_view::npos ? text.size() : end;
    }
    record.push_back(field);
    if (at >= text.size()) throw std::runtime_error("record without a line end");
    if (text[at] == '\n') {
      records.push_back(std::move(record));
      record.clear();
    } else if (text[at] != ',') {
      throw std::runtime_error("text after a quoted field");
    }
    ++at;
  }
  return records;
}

Fields header_of(const pg::TableSchema& table) {
  Fields names;
  for (const pg::Column& column : table.columns) names.push_back(column.name);
  return names;
}

TEST(ChangeTableSchema, MetadataColumnsComeFirstWithTheirTypes) {
  const pg::TableSchema table = change_table_schema(fixture::orders());
  EXPECT_EQ(table.schema, "public");
  EXPECT_EQ(table.name, "Orders");
  ASSERT_EQ(table.columns.size(), 13u);
  struct Expected {
    const char* name;
    pg::Oid oid;
    const char* type;
    bool not_null;
  };
  const Expected expected[] = {
      {"_op", pg::oid::kText, "text", true},
      {"_commit_lsn", pg::oid::kText, "text", true},
      {"_commit_time", pg::oid::kTimestamptz, "timestamp with time zone", true},
      {"_xid", pg::oid::kInt8, "bigint", true},
      {"_seq", pg::oid::kInt8, "bigint", true},
      {"_unchanged", 1009, "text[]", false},
      {"_old_key", pg::oid::kJsonb, "jsonb", false},
      {"id", pg::oid::kInt8, "bigint", false},
      {"note", pg::oid::kText, "text", false}};
  for (size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(table.columns[i].name, expected[i].name);
    EXPECT_EQ(table.columns[i].type.oid, expected[i].oid);
    EXPECT_EQ(table.columns[i].type.name, expected[i].type);
    EXPECT_EQ(table.columns[i].not_null, expected[i].not_null);
    EXPECT_EQ(table.columns[i].attnum, static_cast<int>(i + 1));
  }
  const pg::TypeDesc& unchanged = table.columns[5].type;
  EXPECT_EQ(unchanged.kind, pg::TypeKind::array);
  ASSERT_NE(unchanged.element, nullptr);
  EXPECT_EQ(unchanged.element->oid, pg::oid::kText);
  // The table's own columns keep their types; the key column becomes nullable (truncates).
  EXPECT_EQ(table.columns[12].name, "doc");
  EXPECT_EQ(table.columns[12].type.oid, pg::oid::kJsonb);
}

TEST(ChangeTableSchema, AColumnNamedLikeAMetadataColumnIsRefused) {
  pg::TableSchema table = fixture::orders();
  table.columns.push_back({"_seq", 7, false, fixture::scalar(pg::oid::kInt4, "integer"), {}});
  try {
    change_table_schema(table);
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    EXPECT_NE(std::string(error.what()).find("public.Orders"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("\"_seq\""), std::string::npos);
  }
}

TEST(ChangeRowBuilder, ParquetRowsAreBinaryTuplesOfTheChangeTable) {
  const auto cases = fixture::cases();
  format::parquet::ParquetFormat parquet;
  ChangeRowBuilder by_key(fixture::orders(), fixture::kPrimaryKey, parquet);
  ASSERT_EQ(parquet.copy_spec(by_key.change_table()).wire, format::WireFormat::binary);
  auto encoder = parquet.make_encoder(by_key.change_table());
  StringSink file;
  encoder->start(file);
  const size_t columns = by_key.change_table().columns.size();
  size_t checked = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].key != &fixture::kPrimaryKey) continue;
    SCOPED_TRACE(cases[i].name);
    const std::string row(
        by_key.build(fixture::transaction(), fixture::change_of(cases[i], i + 1)));
    encoder->write_row(row);
    // The metadata fields in their send forms: text, text, timestamptz (microseconds since
    // 2000), int8, int8, text[], jsonb (version byte 1, then the text).
    namespace binary = format::parquet::pg_binary;
    binary::TupleReader fields(row, columns);
    const Fields& expected = cases[i].expected;
    EXPECT_EQ(fields.next(), std::optional<std::string_view>(*expected[0]));
    EXPECT_EQ(fields.next(), std::optional<std::string_view>(*expected[1]));
    auto time = fields.next();
    ASSERT_TRUE(time);
    EXPECT_EQ(binary::read_i64(time->data()), fixture::commit_time());
    auto xid = fields.next();
    ASSERT_TRUE(xid);
    EXPECT_EQ(binary::read_i64(xid->data()), 4000000000);
    auto seq = fields.next();
    ASSERT_TRUE(seq);
    EXPECT_EQ(binary::read_i64(seq->data()), static_cast<int64_t>(i + 1));
    auto unchanged = fields.next();
    EXPECT_EQ(unchanged.has_value(), expected[5].has_value());
    if (unchanged) {
      auto header = binary::parse_array_header(*unchanged);
      EXPECT_EQ(header.dimensions, 1);
      EXPECT_EQ(header.lower_bound, 1);
      EXPECT_EQ(header.element_oid, pg::oid::kText);
      binary::ArrayElementReader elements(header);
      std::vector<std::string_view> names;
      for (int32_t n = 0; n < header.length; ++n) names.push_back(*elements.next());
      elements.expect_end();
      EXPECT_EQ(pg_text_array_literal(names), *expected[5]);
    }
    auto old_key = fields.next();
    EXPECT_EQ(old_key.has_value(), expected[6].has_value());
    if (old_key) {
      EXPECT_EQ(*old_key, "\x01" + *expected[6]);
    }
    // The table's own columns: bigint in its send form, text as it is, jsonb with its version.
    for (size_t c = 7; c < columns; ++c) {
      auto value = fields.next();
      ASSERT_EQ(value.has_value(), expected[c].has_value()) << "column " << c;
      if (!value) continue;
      if (c == 7) {
        EXPECT_EQ(std::to_string(binary::read_i64(value->data())), *expected[c]);
      } else if (c == columns - 1) {
        EXPECT_EQ(*value, "\x01" + *expected[c]);
      } else {
        EXPECT_EQ(*value, *expected[c]);
      }
    }
    fields.expect_end();
    ++checked;
  }
  encoder->finish();
  EXPECT_GT(checked, 3u);
  EXPECT_EQ(file.data.substr(0, 4), "PAR1");
}

TEST(ChangeRowBuilder, ParquetRefusesATextItsColumnTypeDoesNotPrint) {
  format::parquet::ParquetFormat parquet;
  ChangeRowBuilder builder(fixture::orders(), fixture::kPrimaryKey, parquet);
  std::vector<pg::ColumnValue> row(6, pg::ColumnValue::null());
  row[0] = pg::ColumnValue::text("12 secret");  // not a bigint
  try {
    builder.build(fixture::transaction(), {ChangeOp::insert, 1, row, nullptr});
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    const std::string message = error.what();
    EXPECT_NE(message.find("public.Orders, column id (bigint)"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << "the value is never quoted";
  }
}

TEST(ChangeRowBuilder, ParquetRefusesWhatTheFullExportRefusesNamingTheSwitch) {
  // NaN in a numeric(12,2): DECIMAL has no NaN, as in the full export (docs/types.md).
  pg::TableSchema table{"public", "prices", {}};
  pg::TypeDesc amount = fixture::scalar(pg::oid::kNumeric, "numeric(12,2)");
  amount.typmod = ((12 << 16) | 2) + 4;
  table.columns.push_back({"id", 1, true, fixture::scalar(pg::oid::kInt8, "bigint"), {}});
  table.columns.push_back({"amount", 2, false, amount, {}});
  format::parquet::ParquetFormat parquet;
  ChangeRowBuilder builder(table, {0}, parquet);
  auto encoder = parquet.make_encoder(builder.change_table());
  StringSink file;
  encoder->start(file);
  const std::vector<pg::ColumnValue> ok = {pg::ColumnValue::text("1"),
                                           pg::ColumnValue::text("12.50")};
  encoder->write_row(builder.build(fixture::transaction(), {ChangeOp::insert, 1, ok, nullptr}));
  const std::vector<pg::ColumnValue> nan = {pg::ColumnValue::text("2"),
                                            pg::ColumnValue::text("NaN")};
  try {
    encoder->write_row(builder.build(fixture::transaction(), {ChangeOp::insert, 2, nan, nullptr}));
    FAIL() << "NaN written into a DECIMAL";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    const std::string message = error.what();
    EXPECT_NE(message.find("public.prices, column amount"), std::string::npos) << message;
    EXPECT_NE(message.find("--parquet-numeric-as-text"), std::string::npos) << message;
  }
  // Under numeric_as_text (a base run made with the switch) it is exact text.
  format::parquet::ParquetOptions text;
  text.numeric_as_text = true;
  format::parquet::ParquetFormat as_text(text);
  ChangeRowBuilder text_builder(table, {0}, as_text);
  auto text_encoder = as_text.make_encoder(text_builder.change_table());
  text_encoder->start(file);
  EXPECT_NO_THROW(text_encoder->write_row(
      text_builder.build(fixture::transaction(), {ChangeOp::insert, 2, nan, nullptr})));
}

TEST(ChangeRowBuilder, CsvRowsAreWhatPostgresWouldWrite) {
  // One row by hand: quoting only where needed, NULL empty and unquoted, "" the empty string.
  const auto cases = fixture::cases();
  const auto rows = fixture::build_rows(cases, format::WireFormat::csv);
  EXPECT_EQ(
      rows[0],
      "I,0/16B3748,2026-12-01 10:00:59.81234+00,4000000000,1,,,1,"
      "\"a,b \"\"q\"\"\nline2\\back\ttab\rcr\",x,\"\",,\"{\"\"k\"\": \"\"v,\\\"\"w\\\"\"\"\"}\"\n");
  EXPECT_EQ(rows[1],
            "U,0/16B3748,2026-12-01 "
            "10:00:59.81234+00,4000000000,2,\"{big,\"\"a\\\"\"b\"\",\"\"c,d\"\"}\","
            ",1,\"\\.\",,,,\n");
}

TEST(ChangeRowBuilder, TextRowsAreWhatPostgresWouldWrite) {
  const auto cases = fixture::cases();
  const auto rows = fixture::build_rows(cases, format::WireFormat::text);
  EXPECT_EQ(rows[0],
            "I\t0/16B3748\t2026-12-01 10:00:59.81234+00\t4000000000\t1\t\\N\t\\N\t1\t"
            "a,b \"q\"\\nline2\\\\back\\ttab\\rcr\tx\t\t\\N\t{\"k\": \"v,\\\\\"w\\\\\"\"}\n");
  EXPECT_EQ(rows[2].substr(0, 2), "U\t");
  EXPECT_NE(rows[2].find("\t\\\\N\t"), std::string::npos) << rows[2];  // the text "\N"
}

TEST(ChangeRowBuilder, CsvChangeFilesReadBackFieldByField) {
  const auto cases = fixture::cases();
  ChangeRowBuilder builder(fixture::orders(), fixture::kPrimaryKey, format::CsvFormat());
  format::CsvFormat csv;
  ASSERT_EQ(csv.copy_spec(builder.change_table()).wire, format::WireFormat::csv);
  auto encoder = csv.make_encoder(builder.change_table());
  StringSink file;
  encoder->start(file);
  for (const std::string& row : fixture::build_rows(cases, format::WireFormat::csv)) {
    encoder->write_row(row);
  }
  encoder->finish();

  const std::vector<Fields> records = read_csv(file.data);
  ASSERT_EQ(records.size(), cases.size() + 1);
  EXPECT_EQ(records[0], header_of(builder.change_table()));
  EXPECT_EQ(*records[0][10], "a\"b");
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    EXPECT_EQ(records[i + 1], cases[i].expected);
  }
}

TEST(ChangeRowBuilder, TextRowsParseBackFieldByField) {
  const auto cases = fixture::cases();
  const auto rows = fixture::build_rows(cases, format::WireFormat::text);
  format::CopyTextParser parser;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    Fields fields;
    for (const format::CopyTextField& field : parser.parse(rows[i])) {
      fields.push_back(field.is_null ? Field() : Field(std::string(field.value)));
    }
    EXPECT_EQ(fields, cases[i].expected);
  }
}

TEST(ChangeRowBuilder, JsonLinesChangeFilesReadBackFieldByField) {
  const auto cases = fixture::cases();
  const pg::TableSchema change_table = change_table_schema(fixture::orders());
  format::JsonlFormat jsonl;
  ASSERT_EQ(jsonl.copy_spec(change_table).wire, format::WireFormat::text);
  auto encoder = jsonl.make_encoder(change_table);
  StringSink file;
  encoder->start(file);
  for (const std::string& row : fixture::build_rows(cases, format::WireFormat::text)) {
    encoder->write_row(row);
  }
  encoder->finish();

  // By hand from docs/jsonl.md: bigint as numbers, text[] as arrays, a jsonb as its JSON
  // value and its NULL as a missing key (so a NULL _old_key is left out), text as strings.
  const std::string common =
      R"("_commit_lsn":"0/16B3748","_commit_time":"2026-12-01 10:00:59.81234+00","_xid":4000000000)";
  const std::vector<std::string> expected = {
      R"({"_op":"I",)" + common +
          R"(,"_seq":1,"_unchanged":null,"id":1,"note":"a,b \"q\"\nline2\\back\ttab\rcr","big":"x","a\"b":"","c,d":null,"doc":{"k":"v,\"w\""}})",
      R"({"_op":"U",)" + common +
          R"(,"_seq":2,"_unchanged":["big","a\"b","c,d"],"id":1,"note":"\\.","big":null,"a\"b":null,"c,d":null})",
      R"({"_op":"U",)" + common +
          R"(,"_seq":3,"_unchanged":["big"],"_old_key":{"id":"1"},"id":2,"note":"NULL","big":null,"a\"b":"\\N","c,d":" ","doc":[]})",
      R"({"_op":"D",)" + common +
          R"(,"_seq":4,"_unchanged":null,"id":2,"note":null,"big":null,"a\"b":null,"c,d":null})",
      R"({"_op":"T",)" + common +
          R"(,"_seq":5,"_unchanged":null,"id":null,"note":null,"big":null,"a\"b":null,"c,d":null})",
      R"({"_op":"U",)" + common +
          R"(,"_seq":6,"_unchanged":null,"_old_key":{"id":"3","note":"a,b \"q\"\nline2\\back\ttab\rcr","big":"b","a\"b":null,"c,d":"","doc":"{\"z\": 1}"},"id":3,"note":"new","big":"b","a\"b":null,"c,d":"v","doc":{"z":1}})",
      R"({"_op":"D",)" + common +
          R"(,"_seq":7,"_unchanged":null,"id":3,"note":"new","big":"b","a\"b":null,"c,d":"v","doc":{"z":1}})",
  };
  std::istringstream lines(file.data);
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(count, expected.size());
    SCOPED_TRACE(cases[count].name);
    const nlohmann::json parsed = nlohmann::json::parse(line);
    const nlohmann::json wanted = nlohmann::json::parse(expected[count]);
    EXPECT_EQ(parsed, wanted) << parsed.dump();
    // Keys in column order, as the encoder promises.
    std::vector<std::string> keys, columns;
    const nlohmann::ordered_json in_order = nlohmann::ordered_json::parse(line);
    for (const auto& item : in_order.items()) keys.push_back(item.key());
    for (const pg::Column& column : change_table.columns) {
      if (parsed.contains(column.name)) columns.push_back(column.name);
    }
    EXPECT_EQ(keys, columns);
    ++count;
  }
  EXPECT_EQ(count, expected.size());
}

TEST(ChangeRowBuilder, ChangesFromDecodedMessages) {
  using namespace pg::replication;
  Insert insert{16384, {pg::ColumnValue::text("1")}};
  Update update{16384,
                OldTuple{OldTuple::Kind::key, {pg::ColumnValue::text("0")}},
                {pg::ColumnValue::text("1")}};
  Update plain_update{16384, std::nullopt, {pg::ColumnValue::unchanged()}};
  Delete remove{16384, OldTuple{OldTuple::Kind::full_row, {pg::ColumnValue::text("2")}}};

  const Change from_insert = insert_change(insert, 1);
  EXPECT_EQ(from_insert.op, ChangeOp::insert);
  EXPECT_EQ(from_insert.values.data(), insert.new_tuple.data());
  EXPECT_EQ(from_insert.old_tuple, nullptr);
  const Change from_update = update_change(update, 2);
  EXPECT_EQ(from_update.op, ChangeOp::update);
  EXPECT_EQ(from_update.seq, 2u);
  EXPECT_EQ(from_update.old_tuple, &*update.old_tuple);
  EXPECT_EQ(update_change(plain_update, 3).old_tuple, nullptr);
  const Change from_delete = delete_change(remove, 4);
  EXPECT_EQ(from_delete.op, ChangeOp::remove);
  EXPECT_EQ(from_delete.values.data(), remove.old_tuple.values.data());
  EXPECT_TRUE(truncate_change(5).values.empty());

  Relation relation;
  relation.columns = {{1, "a", 20, -1}, {0, "b", 25, -1}, {1, "c", 25, -1}};
  EXPECT_EQ(key_column_positions(relation), (std::vector<size_t>{0, 2}));
}

TEST(ChangeRowBuilder, ChangesThatDoNotFitTheTableAreErrors) {
  ChangeRowBuilder builder(fixture::orders(), fixture::kPrimaryKey, format::CsvFormat());
  const auto kind_of = [&](const Change& change) {
    try {
      builder.build(fixture::transaction(), change);
    } catch (const Error& error) {
      return error.kind();
    }
    return ErrorKind::usage;  // stands for "no error": usage is never thrown by build()
  };
  const std::vector<pg::ColumnValue> short_row = {pg::ColumnValue::text("1")};
  EXPECT_EQ(kind_of({ChangeOp::insert, 1, short_row, nullptr}), ErrorKind::data_error);

  std::vector<pg::ColumnValue> row(6, pg::ColumnValue::null());
  row[0] = pg::ColumnValue::binary(std::string_view("\0\0\0\1", 4));
  EXPECT_EQ(kind_of({ChangeOp::insert, 1, row, nullptr}), ErrorKind::internal);

  row[0] = pg::ColumnValue::text("1");
  pg::replication::OldTuple old{pg::replication::OldTuple::Kind::key,
                                std::vector<pg::ColumnValue>(6, pg::ColumnValue::null())};
  old.values[0] = pg::ColumnValue::unchanged();
  EXPECT_EQ(kind_of({ChangeOp::update, 1, row, &old}), ErrorKind::data_error);
  old.values.pop_back();
  EXPECT_EQ(kind_of({ChangeOp::update, 1, row, &old}), ErrorKind::data_error);
  EXPECT_EQ(kind_of({ChangeOp::truncate, 1, row, nullptr}), ErrorKind::internal);
  EXPECT_EQ(kind_of({ChangeOp::insert, 1, row, nullptr}), ErrorKind::usage);  // it fits

  EXPECT_THROW(ChangeRowBuilder(fixture::orders(), {6}, format::CsvFormat()), Error);
}

TEST(PgTimestamptzText, MatchesPostgresIsoOutputInUtc) {
  using namespace std::chrono;
  const auto at = [](sys_days day, microseconds time) {
    return pg::replication::to_pg_timestamp(day + time);
  };
  EXPECT_EQ(pg_timestamptz_text(0), "2000-01-01 00:00:00+00");
  EXPECT_EQ(pg_timestamptz_text(at(2026y / 12 / 1, 10h + 59s + 812340us)),
            "2026-12-01 10:00:59.81234+00");
  EXPECT_EQ(pg_timestamptz_text(at(2026y / 12 / 1, 10h + 1us)), "2026-12-01 10:00:00.000001+00");
  EXPECT_EQ(pg_timestamptz_text(at(1999y / 12 / 31, 23h + 59min + 59s + 500000us)),
            "1999-12-31 23:59:59.5+00");
  EXPECT_THROW(pg_timestamptz_text(INT64_MAX), Error);  // 'infinity'
}

TEST(PgTextArrayLiteral, QuotesWhatArrayInWouldMisread) {
  std::vector<std::string_view> names = {"plain", "a\"b", "c,d",         "",        "NULL",
                                         "null",  "x y",  "back\\slash", "{brace}", "tab\there"};
  EXPECT_EQ(pg_text_array_literal(names),
            "{plain,\"a\\\"b\",\"c,d\",\"\",\"NULL\",\"null\",\"x y\",\"back\\\\slash\","
            "\"{brace}\",\"tab\there\"}");
  EXPECT_EQ(pg_text_array_literal({}), "{}");
  std::vector<std::string_view> one = {"Ünïcode_ok"};
  EXPECT_EQ(pg_text_array_literal(one), "{Ünïcode_ok}");
}

}  // namespace
}  // namespace pgexport::cdc
