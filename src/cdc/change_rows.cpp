#include "cdc/change_rows.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "common/error.hpp"
#include "format/jsonl/json_text.hpp"
#include "pg/replication/replication_messages.hpp"

namespace pgexport::cdc {

namespace {

// text[] (pg_type.dat): not in pg::oid, which lists only the scalar types encoders dispatch on.
constexpr pg::Oid kTextArrayOid = 1009;

pg::TypeDesc builtin_type(pg::Oid oid, std::string name) {
  pg::TypeDesc type;
  type.oid = oid;
  type.declared_oid = oid;
  type.name = name;  // format_type(oid, -1), as the catalog reader records it
  type.base_name = std::move(name);
  return type;
}

pg::TypeDesc text_array_type() {
  pg::TypeDesc type = builtin_type(kTextArrayOid, "text[]");
  type.kind = pg::TypeKind::array;
  type.element = std::make_shared<const pg::TypeDesc>(builtin_type(pg::oid::kText, "text"));
  return type;
}

// The metadata columns' types, in kMetadataColumns order.
pg::TypeDesc metadata_type(size_t position) {
  switch (position) {
    case 0:  // _op
    case 1:  // _commit_lsn: text rather than pg_lsn, so every reader can load it
      return builtin_type(pg::oid::kText, "text");
    case 2:  // _commit_time
      return builtin_type(pg::oid::kTimestamptz, "timestamp with time zone");
    case 3:  // _xid: a 32-bit transaction id, so it does not fit in integer's signed range
    case 4:  // _seq
      return builtin_type(pg::oid::kInt8, "bigint");
    case 5:  // _unchanged
      return text_array_type();
    default:  // _old_key
      return builtin_type(pg::oid::kJsonb, "jsonb");
  }
}

constexpr size_t kUnchangedPosition = 5;
constexpr size_t kOldKeyPosition = 6;

bool is_array_space(char c) {
  // array_isspace(): the white space array_in skips around elements.
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool array_element_needs_quotes(std::string_view element) {
  if (element.empty()) return true;
  if (element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
      (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l') {
    return true;  // an unquoted NULL is the null element
  }
  for (char c : element) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || is_array_space(c)) {
      return true;
    }
  }
  return false;
}

}  // namespace

pg::TableSchema change_table_schema(const pg::TableSchema& table) {
  pg::TableSchema result;
  result.schema = table.schema;
  result.name = table.name;
  int attnum = 0;
  for (size_t i = 0; i < std::size(kMetadataColumns); ++i) {
    pg::Column column;
    column.name = std::string(kMetadataColumns[i]);
    column.attnum = ++attnum;
    column.not_null = i != kUnchangedPosition && i != kOldKeyPosition;
    column.type = metadata_type(i);
    result.columns.push_back(std::move(column));
  }
  for (const pg::Column& source : table.columns) {
    for (std::string_view metadata : kMetadataColumns) {
      if (source.name == metadata) {
        fail(ErrorKind::data_error,
             "table {} has a column named \"{}\", which its change table uses for change "
             "metadata; rename the column or leave the table out of change data capture",
             table.display_name(), source.name);
      }
    }
    pg::Column column = source;
    column.attnum = ++attnum;
    column.not_null = false;  // deletes and truncates leave columns NULL
    result.columns.push_back(std::move(column));
  }
  return result;
}

Change insert_change(const pg::replication::Insert& insert, uint64_t seq) {
  return Change{ChangeOp::insert, seq, insert.new_tuple, nullptr};
}

Change update_change(const pg::replication::Update& update, uint64_t seq) {
  return Change{ChangeOp::update, seq, update.new_tuple,
                update.old_tuple ? &*update.old_tuple : nullptr};
}

Change delete_change(const pg::replication::Delete& remove, uint64_t seq) {
  return Change{ChangeOp::remove, seq, remove.old_tuple.values, nullptr};
}

Change truncate_change(uint64_t seq) {
  return Change{ChangeOp::truncate, seq, {}, nullptr};
}

std::vector<size_t> key_column_positions(const pg::replication::Relation& relation) {
  std::vector<size_t> positions;
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (relation.columns[i].is_key()) positions.push_back(i);
  }
  return positions;
}

std::string pg_timestamptz_text(pg::replication::PgTimestamp timestamp) {
  using namespace std::chrono;
  const pg::replication::SystemMicros time = pg::replication::to_system_time(timestamp);
  const auto day = floor<days>(time);
  const year_month_day date(day);
  const int year = static_cast<int>(date.year());
  // Outside these years PostgreSQL's ISO output changes shape (" BC", more year digits).
  if (year < 1 || year > 9999) {
    fail(ErrorKind::data_error, "a commit time in the year {} cannot be written as a timestamptz",
         year);
  }
  const hh_mm_ss clock(time - day);
  std::string text =
      fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", year, static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), clock.hours().count(), clock.minutes().count(),
                  clock.seconds().count());
  if (const auto micros = clock.subseconds().count(); micros != 0) {
    std::string fraction = fmt::format("{:06}", micros);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    text += '.';
    text += fraction;
  }
  return text + "+00";
}

std::string pg_text_array_literal(std::span<const std::string_view> elements) {
  std::string literal = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) literal += ',';
    const std::string_view element = elements[i];
    if (!array_element_needs_quotes(element)) {
      literal += element;
      continue;
    }
    literal += '"';
    for (char c : element) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

ChangeRowBuilder::ChangeRowBuilder(const pg::TableSchema& table, std::vector<size_t> key_columns,
                                   const format::Format& format)
    : table_(table),
      change_table_(change_table_schema(table)),
      key_columns_(std::move(key_columns)),
      writer_(format.make_text_row_writer(change_table_)) {
  for (size_t position : key_columns_) {
    if (position >= table_.columns.size()) {
      fail(ErrorKind::internal, "table {}: key column position {} is beyond its {} columns",
           table_.display_name(), position, table_.columns.size());
    }
  }
}

std::string_view ChangeRowBuilder::column_name(size_t position) const {
  return table_.columns[position].name;
}

std::string_view ChangeRowBuilder::build(const TransactionInfo& transaction, const Change& change) {
  const size_t columns = table_.columns.size();
  if (change.op == ChangeOp::truncate) {
    if (!change.values.empty() || change.old_tuple) {
      fail(ErrorKind::internal, "table {}: a truncate change carries column values",
           table_.display_name());
    }
  } else if (change.values.size() != columns) {
    fail(ErrorKind::data_error,
         "table {}: a change with {} values reached a change table with {} columns; a Relation "
         "message must describe the table before its changes",
         table_.display_name(), change.values.size(), columns);
  }
  if (change.old_tuple && change.old_tuple->values.size() != columns) {
    fail(ErrorKind::data_error,
         "table {}: an old tuple with {} values reached a change table with {} columns",
         table_.display_name(), change.old_tuple->values.size(), columns);
  }
  auto require_text = [&](const pg::ColumnValue& value, size_t position) {
    if (value.kind == pg::ColumnValue::Kind::binary) {
      fail(ErrorKind::internal,
           "table {}, column \"{}\": a value in binary form reached a text change file; the "
           "replication stream must be started without the binary option",
           table_.display_name(), column_name(position));
    }
  };

  // Every field as PostgreSQL's text; the format's writer quotes, escapes or converts them.
  values_.clear();
  const char op = static_cast<char>(change.op);
  metadata_[0].assign(1, op);
  metadata_[1] = transaction.commit_lsn.to_string();
  metadata_[2] = pg_timestamptz_text(transaction.commit_time);
  metadata_[3] = fmt::format("{}", transaction.xid);
  metadata_[4] = fmt::format("{}", change.seq);
  for (size_t i = 0; i < 5; ++i) values_.emplace_back(metadata_[i]);

  unchanged_.clear();
  for (size_t i = 0; i < change.values.size(); ++i) {
    if (change.values[i].kind == pg::ColumnValue::Kind::unchanged) {
      unchanged_.push_back(column_name(i));
    }
  }
  if (unchanged_.empty()) {
    values_.emplace_back(std::nullopt);
  } else {
    metadata_[kUnchangedPosition] = pg_text_array_literal(unchanged_);
    values_.emplace_back(metadata_[kUnchangedPosition]);
  }

  if (change.op == ChangeOp::update && change.old_tuple) {
    std::string& old_key = metadata_[kOldKeyPosition];
    old_key.clear();
    old_key += '{';
    bool first = true;
    for (size_t position : key_columns_) {
      const pg::ColumnValue& value = change.old_tuple->values[position];
      require_text(value, position);
      if (value.kind == pg::ColumnValue::Kind::unchanged) {
        fail(ErrorKind::data_error,
             "table {}, column \"{}\": the old key of an update lacks this key column's value",
             table_.display_name(), column_name(position));
      }
      if (!first) old_key += ',';
      first = false;
      format::jsonl::append_json_string(old_key, column_name(position));
      old_key += ':';
      if (value.is_null()) {
        old_key += "null";
      } else {
        format::jsonl::append_json_string(old_key, value.bytes);
      }
    }
    old_key += '}';
    values_.emplace_back(old_key);
  } else {
    values_.emplace_back(std::nullopt);
  }

  for (size_t i = 0; i < change.values.size(); ++i) {
    const pg::ColumnValue& value = change.values[i];
    require_text(value, i);
    if (value.has_bytes()) {
      values_.emplace_back(value.bytes);
    } else {
      values_.emplace_back(std::nullopt);  // NULL, or unsent and listed in _unchanged
    }
  }
  for (size_t i = change.values.size(); i < columns; ++i) values_.emplace_back(std::nullopt);
  return writer_->build(values_);
}

}  // namespace pgexport::cdc
