// Nested columns: optional or required groups of fields, MAP<key, value> and LIST<element>, to
// any depth, above the same primitive leaves as flat columns. The record shredder follows the
// Dremel encoding as parquet-format's LogicalTypes.md ("Nested Types") lays it out: a value's
// definition level counts its optional and repeated ancestors that are present (itself
// included), its repetition level says at which repeated ancestor it starts a new entry (0: a
// new row). MAP and LIST use the three-level form every current reader expects:
//   <optional|required> group <name> (MAP)  { repeated group key_value { required key; value } }
//   <optional|required> group <name> (LIST) { repeated group list { element } }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/parquet/column_writer.hpp"
#include "format/parquet/nested_value.hpp"

namespace pgexport::format::parquet {

// A field of a nested column's schema, as a caller declares it.
struct NestedField {
  enum class Kind { string, int32, int64, boolean, group, map, list };
  std::string name;
  Kind kind = Kind::string;
  bool required = false;
  // group: its fields; map: key then value; list: the element.
  std::vector<NestedField> children;

  static NestedField string(std::string name, bool required = false);
  static NestedField int32(std::string name, bool required = false);
  static NestedField int64(std::string name, bool required = false);
  static NestedField boolean(std::string name, bool required = false);
  static NestedField group(std::string name, std::vector<NestedField> fields,
                           bool required = false);
  // The key is always required (the MAP spec forbids NULL keys); values may be NULL.
  static NestedField map(std::string name, NestedField key, NestedField value,
                         bool required = false);
  static NestedField list(std::string name, NestedField element, bool required = false);
};

class NestedColumnWriter final : public ColumnWriter {
 public:
  // A top-level column for `field`, whose leaves are built with `settings`.
  NestedColumnWriter(const NestedField& field, const ColumnWriterSettings& settings);
  ~NestedColumnWriter() override;

  // Writes one row's value of this column (a new row: repetition level 0). Throws internal
  // when the value's shape does not match the schema, and data_error for a NULL where the
  // schema says required.
  void write_value(const NestedValue& value);

  // Only NULL (nullopt) can arrive as PostgreSQL binary; anything else is an internal error.
  void write(std::optional<std::string_view> value, uint8_t repetition_level) override;
  void write_absent(uint8_t definition_level, uint8_t repetition_level) override;
  void append_schema(std::vector<SchemaElement>& schema) const override;
  void collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) override;

  struct Node;  // the schema tree with each node's levels (nested_column_writer.cpp)

 private:
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<PrimitiveColumnWriter>> leaves_;
};

}  // namespace pgexport::format::parquet
