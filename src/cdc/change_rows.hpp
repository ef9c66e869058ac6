// Change rows (docs/cdc.md, "Change tables"): each decoded Insert, Update, Delete or Truncate
// becomes one row of its table's change table, in the COPY wire form that the output
// format's encoder takes (format::CopySpec::wire): every field is PostgreSQL's text, which the
// format's TextRowWriter quotes (CSV), escapes (JSON Lines' COPY TEXT) or converts to binary
// send forms (Parquet). So each format keeps one encoder and change files are read exactly as
// the full export's files are.
//
// A change table is the metadata columns
//   _op text, _commit_lsn text, _commit_time timestamptz, _xid bigint, _seq bigint,
//   _unchanged text[], _old_key jsonb
// followed by the table's own columns, in the relation's column order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/format.hpp"
#include "pg/column_value.hpp"
#include "pg/replication/pgoutput.hpp"
#include "pg/types.hpp"

namespace pgexport::cdc {

// The metadata columns, in the order they come before the table's columns.
inline constexpr std::string_view kMetadataColumns[] = {
    "_op", "_commit_lsn", "_commit_time", "_xid", "_seq", "_unchanged", "_old_key"};

// The change table of `table`: the metadata columns (NOT NULL but for _unchanged and
// _old_key), then the table's columns, each nullable (a delete carries only the old key, a
// truncate no values). Throws data_error when a column of the table has a metadata column's
// name, since the change table could not hold both.
pg::TableSchema change_table_schema(const pg::TableSchema& table);

enum class ChangeOp : char {
  insert = 'I',
  update = 'U',    // the new row
  remove = 'D',    // the old key, or the whole old row under REPLICA IDENTITY FULL
  truncate = 'T',  // no column values
};

// What every change of one transaction shares, from its Begin message.
struct TransactionInfo {
  pg::replication::Lsn commit_lsn;
  pg::replication::PgTimestamp commit_time = 0;
  pg::replication::TransactionId xid = 0;
};

// One change to one table. The spans point into the decoded message and so into the buffer it
// was decoded from (see pg/replication/pgoutput.hpp, "Lifetime").
struct Change {
  ChangeOp op = ChangeOp::insert;
  uint64_t seq = 0;  // position in the transaction, from 1
  // One value per relation column: the new row of an insert or update, the old tuple of a
  // delete; empty for a truncate.
  std::span<const pg::ColumnValue> values;
  // An update's old tuple, when the message carries one (the key changed, or REPLICA
  // IDENTITY FULL); nullptr otherwise.
  const pg::replication::OldTuple* old_tuple = nullptr;
};

Change insert_change(const pg::replication::Insert& insert, uint64_t seq);
Change update_change(const pg::replication::Update& update, uint64_t seq);
Change delete_change(const pg::replication::Delete& remove, uint64_t seq);
// One row per truncated table: a Truncate message naming three tables makes three changes.
Change truncate_change(uint64_t seq);

// The positions, in the relation's column order, of its replica identity ("key") columns:
// those with flag bit 0 set (every column under REPLICA IDENTITY FULL).
std::vector<size_t> key_column_positions(const pg::replication::Relation& relation);

// Builds the change rows of one table, in one wire format, reusing one buffer.
//
// A value the change did not send (ColumnValue::Kind::unchanged, an untouched TOASTed column)
// is written as NULL in its column and its column's name is listed in _unchanged, so it is
// never mistaken for a NULL; _unchanged is NULL when every value was sent. An update with an
// old tuple writes _old_key, a JSON object of the old values of the key columns (each a JSON
// string of PostgreSQL's text output, or null), so a reader can find the row it replaces;
// every other change leaves _old_key NULL.
class ChangeRowBuilder {
 public:
  // `table` is the relation's columns with their types, in the relation's column order (as
  // its Relation message lists them); `key_columns` are positions into them; rows are in the
  // wire form of `format`'s copy_spec(change_table()). Throws data_error when the table has a
  // column named like a metadata column, internal for a key position out of range.
  ChangeRowBuilder(const pg::TableSchema& table, std::vector<size_t> key_columns,
                   const format::Format& format);

  // The change table these rows belong to (change_table_schema(table)): make the encoder
  // from it.
  const pg::TableSchema& change_table() const { return change_table_; }

  // One wire row (text and CSV rows end in '\n' as a COPY row does); valid until the next
  // build(). Throws data_error (naming the table and the column, never the value) when the
  // change does not fit the table: a tuple with another number of values, an unsent value in
  // the old key, a commit time outside the calendar (such as 'infinity'), a text the column's
  // type does not print (Parquet). A value in binary form throws internal: the stream must be
  // started without the binary option, since text is the form every format starts from.
  std::string_view build(const TransactionInfo& transaction, const Change& change);

 private:
  std::string_view column_name(size_t position) const;

  pg::TableSchema table_;
  pg::TableSchema change_table_;
  std::vector<size_t> key_columns_;
  std::unique_ptr<format::TextRowWriter> writer_;
  std::string metadata_[std::size(kMetadataColumns)];    // the current row's metadata texts
  std::vector<std::optional<std::string_view>> values_;  // the current row's fields
  std::vector<std::string_view> unchanged_;  // names of the current row's unsent columns
};

// PostgreSQL's text output of a timestamptz under the export session's settings
// (DateStyle=ISO, TimeZone=UTC): "2026-12-01 10:00:59.812345+00", trailing zeros of the
// fraction dropped and the fraction left out when it is zero. Throws data_error for a time
// outside the years 1 to 9999 (commit times are the server's clock, always inside).
std::string pg_timestamptz_text(pg::replication::PgTimestamp timestamp);

// A PostgreSQL array literal of text elements, quoted as array_out quotes them: an element is
// put in double quotes (with '"' and '\' backslash-escaped) when it is empty, is NULL in any
// case, or holds a brace, a comma, a quote, a backslash or white space.
std::string pg_text_array_literal(std::span<const std::string_view> elements);

}  // namespace pgexport::cdc
