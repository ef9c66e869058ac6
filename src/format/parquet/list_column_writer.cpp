#include "format/parquet/list_column_writer.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "format/format.hpp"
#include "format/parquet/pg_binary.hpp"

namespace pgexport::format::parquet {
namespace {

// Repetition level of the second and later elements of an array (the list's own level).
constexpr uint8_t kContinueList = 1;

}  // namespace

ListColumnWriter::ListColumnWriter(std::string name, bool nullable,
                                   std::unique_ptr<ColumnWriter> element,
                                   std::vector<uint32_t> element_oids)
    : name_(std::move(name)),
      nullable_(nullable),
      element_(std::move(element)),
      element_oids_(std::move(element_oids)) {}

void ListColumnWriter::write(std::optional<std::string_view> value, uint8_t repetition_level) {
  // Levels relative to this list: `base` is where the list itself is defined (maybe empty).
  const uint8_t base = nullable_ ? 1 : 0;
  if (!value) {
    if (!nullable_) {
      fail(ErrorKind::data_error,
           "a NULL arrived for a column the catalog declares NOT NULL; the table changed during "
           "the export");
    }
    element_->write_absent(base - 1, repetition_level);
    return;
  }
  auto header = pg_binary::parse_array_header(*value);
  if (header.dimensions == 0 || header.length == 0) {
    element_->write_absent(base, repetition_level);
    return;
  }
  if (header.dimensions != 1 || header.lower_bound != 1) {
    throw UnrepresentableValue(
        fmt::format("the array has {} dimension(s) with lower bound {}; a Parquet LIST keeps "
                    "only one-dimensional arrays that start at 1, so this value would lose its "
                    "shape. Export arrays as PostgreSQL text instead (--parquet-arrays-as-text)",
                    header.dimensions, header.lower_bound),
        fmt::format("an array of {} dimension(s) with lower bound {} has no LIST form",
                    header.dimensions, header.lower_bound));
  }
  if (std::find(element_oids_.begin(), element_oids_.end(), header.element_oid) ==
      element_oids_.end()) {
    fail(ErrorKind::data_error, "the array's elements have type oid {}, not the column's",
         header.element_oid);
  }
  pg_binary::ArrayElementReader elements(header);
  for (int32_t i = 0; i < header.length; ++i) {
    element_->write(elements.next(), i == 0 ? repetition_level : kContinueList);
  }
  elements.expect_end();
}

void ListColumnWriter::write_absent(uint8_t definition_level, uint8_t repetition_level) {
  element_->write_absent(definition_level, repetition_level);
}

void ListColumnWriter::append_schema(std::vector<SchemaElement>& schema) const {
  SchemaElement list;
  list.repetition = nullable_ ? Repetition::optional : Repetition::required;
  list.name = name_;
  list.num_children = 1;
  list.converted_type = ConvertedType::list;
  list.logical_type = LogicalType{.kind = LogicalType::Kind::list};
  schema.push_back(std::move(list));

  SchemaElement repeated;
  repeated.repetition = Repetition::repeated;
  repeated.name = "list";
  repeated.num_children = 1;
  schema.push_back(std::move(repeated));

  element_->append_schema(schema);
}

void ListColumnWriter::collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) {
  element_->collect_leaves(leaves);
}

}  // namespace pgexport::format::parquet
