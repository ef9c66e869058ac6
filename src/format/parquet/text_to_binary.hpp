// Values in PostgreSQL's text form (as a type's output function prints them under the export
// session's settings, the form logical replication sends) turned into the COPY BINARY fields the
// Parquet encoder reads: for each column exactly the bytes the full export's
// COPY (SELECT <ParquetFormat's select list>) TO STDOUT (FORMAT binary) sends for the same value.
// So rows that arrive as text go through the same column writers, and come out as the full
// export writes them (docs/types.md, "Change data capture").
//
// Typed columns get their send form (boolean, integers, oid, floats, numeric, uuid, date, time,
// timestamp[tz], bytea from hex, jsonb's version byte; text, enum and json labels as they are);
// columns the server casts to text keep their text; LIST columns get array_send's form with each
// element converted by its own type's rule (or kept as text when the server casts elements).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/format.hpp"
#include "format/parquet/type_mapping.hpp"

namespace pgexport::format::parquet {

class TextToBinary {
 public:
  // The conversion plan_column(column, options) implies.
  TextToBinary(const pg::Column& column, const MappingOptions& options);

  // Appends the field's bytes (without COPY's length word) for the value whose text is `text`.
  // Throws data_error, saying what is wrong but never quoting the value, for a text the column's
  // type does not print under the export session's settings.
  void append(std::string_view text, std::string& out) const;

 private:
  struct Leaf {
    LeafPlan plan;
    pg::Oid type_oid = 0;  // the value's type after domains, for the inet rule
    std::string type_name;
  };
  void append_leaf(const Leaf& leaf, std::string_view text, std::string& out) const;
  void append_array(std::string_view text, std::string& out) const;

  bool is_list_ = false;
  bool vector_syntax_ = false;  // int2vector / oidvector: "1 2 3"
  char delimiter_ = ',';        // between array elements; box uses ';'
  pg::Oid element_oid_ = 0;     // the element type oid array_send writes
  Leaf leaf_;                   // the value, or a list's elements
};

// The Parquet format's TextRowWriter: COPY BINARY tuples (an int16 field count, then each field
// as an int32 length, -1 for NULL, and its bytes) built with one TextToBinary per column.
class BinaryTextRowWriter final : public TextRowWriter {
 public:
  BinaryTextRowWriter(const pg::TableSchema& table, const MappingOptions& options);

  std::string_view build(std::span<const std::optional<std::string_view>> values) override;

 private:
  pg::TableSchema table_;
  std::vector<TextToBinary> columns_;
  std::string row_;
};

}  // namespace pgexport::format::parquet
