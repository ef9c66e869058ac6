// Hand-made changes to one table and the change rows they must become, field by field, shared
// by the encoder round trips and the PostgreSQL load test. The values hold every character
// that CSV or COPY TEXT must quote or escape, empty strings and NULLs, and the column names
// include a quote and a comma, so the _unchanged array literal and _old_key need quoting too.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cdc/change_rows.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "pg/replication/replication_messages.hpp"

namespace pgexport::cdc::fixture {

using pg::ColumnValue;
using Field = std::optional<std::string>;  // nullopt is SQL NULL
using Fields = std::vector<Field>;

inline pg::TypeDesc scalar(pg::Oid oid, std::string name) {
  pg::TypeDesc type;
  type.oid = oid;
  type.declared_oid = oid;
  type.name = name;
  type.base_name = std::move(name);
  return type;
}

// public."Orders": id bigint (the primary key), note text, big text (TOASTed), "a""b" text,
// "c,d" text, doc jsonb.
inline pg::TableSchema orders() {
  pg::TableSchema table{"public", "Orders", {}};
  table.columns.push_back({"id", 1, true, scalar(pg::oid::kInt8, "bigint"), {}});
  table.columns.push_back({"note", 2, false, scalar(pg::oid::kText, "text"), {}});
  table.columns.push_back({"big", 3, false, scalar(pg::oid::kText, "text"), {}});
  table.columns.push_back({"a\"b", 4, false, scalar(pg::oid::kText, "text"), {}});
  table.columns.push_back({"c,d", 5, false, scalar(pg::oid::kText, "text"), {}});
  table.columns.push_back({"doc", 6, false, scalar(pg::oid::kJsonb, "jsonb"), {}});
  return table;
}

inline const std::vector<size_t> kPrimaryKey = {0};
inline const std::vector<size_t> kFullRow = {0, 1, 2, 3, 4, 5};

// 2026-12-01 10:00:59.81234 UTC, as PostgreSQL's commit timestamp.
inline pg::replication::PgTimestamp commit_time() {
  using namespace std::chrono;
  return pg::replication::to_pg_timestamp(sys_days(2026y / 12 / 1) + 10h + 59s + 812340us);
}

inline TransactionInfo transaction() {
  // An xid above 2^31: _xid must be bigint, not integer.
  return TransactionInfo{pg::replication::Lsn(0x16B3748), commit_time(), 4000000000u};
}

inline const std::string kTricky = "a,b \"q\"\nline2\\back\ttab\rcr";

// One change, the builder's key columns, and the fields its row must have.
struct Case {
  std::string name;
  const std::vector<size_t>* key;
  ChangeOp op;
  std::vector<ColumnValue> values;
  std::optional<pg::replication::OldTuple> old_tuple;
  Fields expected;  // every column of the change table, metadata first
};

inline std::vector<Case> cases() {
  const ColumnValue null = ColumnValue::null();
  const ColumnValue unchanged = ColumnValue::unchanged();
  // Views of literals and of kTricky, which outlive every Case.
  auto text = [](std::string_view value) { return ColumnValue::text(value); };
  auto meta = [](std::string op, int seq, Field unchanged_columns, Field old_key) {
    return Fields{op,           "0/16B3748",         "2026-12-01 10:00:59.81234+00",
                  "4000000000", std::to_string(seq), unchanged_columns,
                  old_key};
  };
  auto with = [](Fields fields, Fields columns) {
    fields.insert(fields.end(), columns.begin(), columns.end());
    return fields;
  };
  using Kind = pg::replication::OldTuple::Kind;
  std::vector<Case> result;
  result.push_back(
      {"insert with every character to quote",
       &kPrimaryKey,
       ChangeOp::insert,
       {text("1"), text(kTricky), text("x"), text(""), null, text("{\"k\": \"v,\\\"w\\\"\"}")},
       std::nullopt,
       with(meta("I", 1, std::nullopt, std::nullopt),
            {"1", kTricky, "x", "", std::nullopt, "{\"k\": \"v,\\\"w\\\"\"}"})});
  result.push_back({"update leaving TOASTed columns unchanged",
                    &kPrimaryKey,
                    ChangeOp::update,
                    {text("1"), text("\\."), unchanged, unchanged, unchanged, null},
                    std::nullopt,
                    with(meta("U", 2, "{big,\"a\\\"b\",\"c,d\"}", std::nullopt),
                         {"1", "\\.", std::nullopt, std::nullopt, std::nullopt, std::nullopt})});
  result.push_back({"key update with the old key",
                    &kPrimaryKey,
                    ChangeOp::update,
                    {text("2"), text("NULL"), unchanged, text("\\N"), text(" "), text("[]")},
                    pg::replication::OldTuple{Kind::key, {text("1"), null, null, null, null, null}},
                    with(meta("U", 3, "{big}", "{\"id\":\"1\"}"),
                         {"2", "NULL", std::nullopt, "\\N", " ", "[]"})});
  result.push_back(
      {"delete with the key",
       &kPrimaryKey,
       ChangeOp::remove,
       {text("2"), null, null, null, null, null},
       std::nullopt,
       with(meta("D", 4, std::nullopt, std::nullopt),
            {"2", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt})});
  result.push_back(
      {"truncate",
       &kPrimaryKey,
       ChangeOp::truncate,
       {},
       std::nullopt,
       with(meta("T", 5, std::nullopt, std::nullopt),
            {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt})});
  result.push_back(
      {"update under REPLICA IDENTITY FULL",
       &kFullRow,
       ChangeOp::update,
       {text("3"), text("new"), text("b"), null, text("v"), text("{\"z\": 1}")},
       pg::replication::OldTuple{
           Kind::full_row,
           {text("3"), text(kTricky), text("b"), null, text(""), text("{\"z\": 1}")}},
       with(
           meta("U", 6, std::nullopt,
                "{\"id\":\"3\",\"note\":\"a,b \\\"q\\\"\\nline2\\\\back\\ttab\\rcr\",\"big\":\"b\","
                "\"a\\\"b\":null,\"c,d\":\"\",\"doc\":\"{\\\"z\\\": 1}\"}"),
           {"3", "new", "b", std::nullopt, "v", "{\"z\": 1}"})});
  result.push_back({"delete under REPLICA IDENTITY FULL",
                    &kFullRow,
                    ChangeOp::remove,
                    {text("3"), text("new"), text("b"), null, text("v"), text("{\"z\": 1}")},
                    std::nullopt,
                    with(meta("D", 7, std::nullopt, std::nullopt),
                         {"3", "new", "b", std::nullopt, "v", "{\"z\": 1}"})});
  return result;
}

// The change of a case, as the decoded messages give it.
inline Change change_of(const Case& c, uint64_t seq) {
  switch (c.op) {
    case ChangeOp::insert:
      return Change{ChangeOp::insert, seq, c.values, nullptr};
    case ChangeOp::update:
      return Change{ChangeOp::update, seq, c.values, c.old_tuple ? &*c.old_tuple : nullptr};
    case ChangeOp::remove:
      return Change{ChangeOp::remove, seq, c.values, nullptr};
    case ChangeOp::truncate:
      break;
  }
  return truncate_change(seq);
}

// Every case's row in `format`'s wire form, in order, with seq 1, 2, ...
inline std::vector<std::string> build_rows(const std::vector<Case>& all,
                                           const format::Format& format) {
  ChangeRowBuilder by_key(orders(), kPrimaryKey, format);
  ChangeRowBuilder by_full_row(orders(), kFullRow, format);
  std::vector<std::string> rows;
  for (size_t i = 0; i < all.size(); ++i) {
    ChangeRowBuilder& builder = all[i].key == &kFullRow ? by_full_row : by_key;
    rows.emplace_back(builder.build(transaction(), change_of(all[i], i + 1)));
  }
  return rows;
}

// CSV rows (of CSV change files) or COPY TEXT rows (of JSON Lines ones).
inline std::vector<std::string> build_rows(const std::vector<Case>& all, format::WireFormat wire) {
  if (wire == format::WireFormat::csv) return build_rows(all, format::CsvFormat());
  return build_rows(all, format::JsonlFormat());
}

}  // namespace pgexport::cdc::fixture
