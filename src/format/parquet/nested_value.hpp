// A value of a nested Parquet column, as the record shredder (nested_column_writer.hpp) takes
// it: NULL, a primitive value in PostgreSQL's binary form (what every leaf writer converts
// from), a group of field values in schema order, or the entries of a repeated group (a LIST's
// elements, a MAP's key-value pairs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgexport::format::parquet {

class NestedValue {
 public:
  enum class Kind { null, primitive, group, entries };

  // SQL NULL: an absent group, map or list, or a NULL leaf.
  NestedValue() = default;

  // Leaves, in the binary form their leaf writer expects (text as is, integers big-endian as
  // PostgreSQL sends them, booleans as one byte).
  static NestedValue string(std::string_view text);
  static NestedValue int32(int32_t value);
  static NestedValue int64(int64_t value);
  static NestedValue boolean(bool value);
  // A group's fields, one per child of the schema node, in order.
  static NestedValue group(std::vector<NestedValue> fields);
  // A LIST's elements (each becomes one entry of the repeated group).
  static NestedValue list(std::vector<NestedValue> elements);
  // A MAP's key-value pairs, in the order given.
  static NestedValue map(std::vector<std::pair<NestedValue, NestedValue>> pairs);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  std::string_view bytes() const { return bytes_; }
  // A group's fields, or the entries of a list or map (each a group of its entry's fields).
  const std::vector<NestedValue>& children() const { return children_; }

 private:
  Kind kind_ = Kind::null;
  std::string bytes_;
  std::vector<NestedValue> children_;
};

}  // namespace pgexport::format::parquet
