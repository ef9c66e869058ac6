// A one-dimensional PostgreSQL array as Parquet's three-level LIST (LogicalTypes.md, "Lists"):
//
//   <optional|required> group <name> (LIST) {
//     repeated group list {
//       optional <element-type> element;
//     }
//   }
//
// Definition levels, for an optional list: 0 = the array is NULL, 1 = it is empty, 2 = the
// element is NULL, 3 = the element is present (one less each for a required list). Repetition
// level 0 starts a row; 1 continues the current array.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "format/parquet/column_writer.hpp"

namespace pgexport::format::parquet {

class ListColumnWriter final : public ColumnWriter {
 public:
  // `element` must be a leaf built with LeafSchema levels element_definition_level() and
  // repetition level 1. `element_oids` lists the element type oids the server may send (the
  // element type, its domain, or text when the select list casts to text[]).
  ListColumnWriter(std::string name, bool nullable, std::unique_ptr<ColumnWriter> element,
                   std::vector<uint32_t> element_oids);

  // The definition level of a present element, for a list that is (or is not) nullable.
  static uint8_t element_definition_level(bool nullable) { return nullable ? 3 : 2; }

  void write(std::optional<std::string_view> value, uint8_t repetition_level) override;
  void write_absent(uint8_t definition_level, uint8_t repetition_level) override;
  void append_schema(std::vector<SchemaElement>& schema) const override;
  void collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) override;

 private:
  std::string name_;
  bool nullable_;
  std::unique_ptr<ColumnWriter> element_;
  std::vector<uint32_t> element_oids_;
};

}  // namespace pgexport::format::parquet
