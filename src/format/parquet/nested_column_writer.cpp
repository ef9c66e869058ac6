#include "format/parquet/nested_column_writer.hpp"

#include "common/error.hpp"
#include "format/parquet/standard_column_writer.hpp"
#include "format/parquet/value_policies.hpp"

namespace pgexport::format::parquet {

struct NestedColumnWriter::Node {
  enum class Kind { leaf, group, repeated };
  Kind kind = Kind::group;
  std::string name;
  Repetition repetition = Repetition::optional;
  std::optional<ConvertedType> converted_type;
  std::optional<LogicalType> logical_type;
  std::vector<Node> children;
  PrimitiveColumnWriter* leaf = nullptr;  // owned by the column writer's leaves_
  // The levels of a present value at this node.
  uint8_t definition_level = 0;
  uint8_t repetition_level = 0;
};

namespace {

using Node = NestedColumnWriter::Node;

// Levels are one byte in the writers and the page encoding; the checkpoint schema needs 4.
constexpr int kMaxLevel = 100;

NestedField make_field(std::string name, NestedField::Kind kind, bool required,
                       std::vector<NestedField> children = {}) {
  NestedField field;
  field.name = std::move(name);
  field.kind = kind;
  field.required = required;
  field.children = std::move(children);
  return field;
}

std::unique_ptr<PrimitiveColumnWriter> make_leaf_writer(NestedField::Kind kind, LeafSchema schema,
                                                        const ColumnWriterSettings& settings) {
  switch (kind) {
    case NestedField::Kind::string:
      schema.converted_type = ConvertedType::utf8;
      schema.logical_type = LogicalType{.kind = LogicalType::Kind::string};
      return std::make_unique<StandardColumnWriter<policy::BytesAsIs>>(policy::BytesAsIs{},
                                                                       std::move(schema), settings);
    case NestedField::Kind::int32:
      return std::make_unique<StandardColumnWriter<policy::Int32FromInt4>>(
          policy::Int32FromInt4{}, std::move(schema), settings);
    case NestedField::Kind::int64:
      return std::make_unique<StandardColumnWriter<policy::Int64FromInt8>>(
          policy::Int64FromInt8{}, std::move(schema), settings);
    case NestedField::Kind::boolean:
      return std::make_unique<StandardColumnWriter<policy::BoolFromBool>>(
          policy::BoolFromBool{}, std::move(schema), settings);
    default:
      fail(ErrorKind::internal, "parquet: a nested leaf of a group kind");
  }
}

class TreeBuilder {
 public:
  TreeBuilder(const ColumnWriterSettings& settings,
              std::vector<std::unique_ptr<PrimitiveColumnWriter>>& leaves)
      : settings_(settings), leaves_(leaves) {}

  // Builds `field` below a parent whose present values have levels (definition, repetition)
  // and whose path is `path`.
  Node build(const NestedField& field, std::vector<std::string> path, int definition,
             int repetition) {
    Node node;
    node.name = field.name;
    node.repetition = field.required ? Repetition::required : Repetition::optional;
    if (!field.required) ++definition;
    check_depth(definition);
    node.definition_level = static_cast<uint8_t>(definition);
    node.repetition_level = static_cast<uint8_t>(repetition);
    path.push_back(field.name);
    switch (field.kind) {
      case NestedField::Kind::group:
        node.kind = Node::Kind::group;
        for (const auto& child : field.children) {
          node.children.push_back(build(child, path, definition, repetition));
        }
        break;
      case NestedField::Kind::map:
      case NestedField::Kind::list: {
        const bool is_map = field.kind == NestedField::Kind::map;
        if (field.children.size() != (is_map ? 2u : 1u)) {
          fail(ErrorKind::internal, "parquet: a {} field needs {} children", field.name,
               is_map ? 2 : 1);
        }
        node.kind = Node::Kind::group;
        node.converted_type = is_map ? ConvertedType::map : ConvertedType::list;
        node.logical_type =
            LogicalType{.kind = is_map ? LogicalType::Kind::map : LogicalType::Kind::list};
        Node entries;
        entries.kind = Node::Kind::repeated;
        entries.name = is_map ? "key_value" : "list";
        entries.repetition = Repetition::repeated;
        // A repeated group is present for each entry: one more definition level (an empty
        // collection is the level below) and one more repetition level.
        entries.definition_level = static_cast<uint8_t>(definition + 1);
        entries.repetition_level = static_cast<uint8_t>(repetition + 1);
        check_depth(definition + 1);
        check_depth(repetition + 1);
        path.push_back(entries.name);
        if (is_map) {
          NestedField key = field.children[0];
          key.name = "key";
          key.required = true;
          NestedField value = field.children[1];
          value.name = "value";
          entries.children.push_back(build(key, path, definition + 1, repetition + 1));
          entries.children.push_back(build(value, path, definition + 1, repetition + 1));
        } else {
          NestedField element = field.children[0];
          element.name = "element";
          entries.children.push_back(build(element, path, definition + 1, repetition + 1));
        }
        node.children.push_back(std::move(entries));
        break;
      }
      default: {
        node.kind = Node::Kind::leaf;
        LeafSchema schema;
        schema.path = path;
        schema.repetition = node.repetition;
        schema.max_definition_level = node.definition_level;
        schema.max_repetition_level = node.repetition_level;
        leaves_.push_back(make_leaf_writer(field.kind, std::move(schema), settings_));
        node.leaf = leaves_.back().get();
        break;
      }
    }
    return node;
  }

 private:
  static void check_depth(int level) {
    if (level > kMaxLevel) fail(ErrorKind::internal, "parquet: a nested column is too deep");
  }

  const ColumnWriterSettings& settings_;
  std::vector<std::unique_ptr<PrimitiveColumnWriter>>& leaves_;
};

// Every leaf below `node` records an absent slot: an ancestor (at `definition_level`) ends the
// value there.
void write_absent_below(const Node& node, uint8_t definition_level, uint8_t repetition_level) {
  if (node.kind == Node::Kind::leaf) {
    node.leaf->write_absent(definition_level, repetition_level);
    return;
  }
  for (const auto& child : node.children) {
    write_absent_below(child, definition_level, repetition_level);
  }
}

void shred(const Node& node, const NestedValue& value, uint8_t repetition_level);

void shred_fields(const Node& node, const NestedValue& value, uint8_t repetition_level) {
  if (value.kind() != NestedValue::Kind::group || value.children().size() != node.children.size()) {
    fail(ErrorKind::internal, "parquet: the value of group {} does not have its {} fields",
         node.name, node.children.size());
  }
  for (size_t i = 0; i < node.children.size(); ++i) {
    shred(node.children[i], value.children()[i], repetition_level);
  }
}

void shred(const Node& node, const NestedValue& value, uint8_t repetition_level) {
  if (value.is_null()) {
    if (node.repetition == Repetition::required) {
      fail(ErrorKind::data_error, "parquet: a NULL for the required field {}", node.name);
    }
    if (node.kind == Node::Kind::leaf) {
      node.leaf->write(std::nullopt, repetition_level);
    } else {
      write_absent_below(node, static_cast<uint8_t>(node.definition_level - 1), repetition_level);
    }
    return;
  }
  switch (node.kind) {
    case Node::Kind::leaf:
      if (value.kind() != NestedValue::Kind::primitive) {
        fail(ErrorKind::internal, "parquet: the leaf {} got a group value", node.name);
      }
      node.leaf->write(value.bytes(), repetition_level);
      return;
    case Node::Kind::group:
      // A MAP or LIST group holds its entries, which its repeated child shreds.
      if (node.children.size() == 1 && node.children[0].kind == Node::Kind::repeated) {
        shred(node.children[0], value, repetition_level);
      } else {
        shred_fields(node, value, repetition_level);
      }
      return;
    case Node::Kind::repeated: {
      if (value.kind() != NestedValue::Kind::entries) {
        fail(ErrorKind::internal, "parquet: the collection {} got a value without entries",
             node.name);
      }
      if (value.children().empty()) {
        // An empty collection: present at its group's level, with no entry.
        write_absent_below(node, static_cast<uint8_t>(node.definition_level - 1), repetition_level);
        return;
      }
      bool first = true;
      for (const auto& entry : value.children()) {
        shred_fields(node, entry, first ? repetition_level : node.repetition_level);
        first = false;
      }
      return;
    }
  }
}

void append_node_schema(const Node& node, std::vector<SchemaElement>& schema) {
  if (node.kind == Node::Kind::leaf) {
    node.leaf->append_schema(schema);
    return;
  }
  SchemaElement element;
  element.repetition = node.repetition;
  element.name = node.name;
  element.num_children = static_cast<int32_t>(node.children.size());
  element.converted_type = node.converted_type;
  element.logical_type = node.logical_type;
  schema.push_back(std::move(element));
  for (const auto& child : node.children) append_node_schema(child, schema);
}

}  // namespace

NestedField NestedField::string(std::string name, bool required) {
  return make_field(std::move(name), Kind::string, required);
}
NestedField NestedField::int32(std::string name, bool required) {
  return make_field(std::move(name), Kind::int32, required);
}
NestedField NestedField::int64(std::string name, bool required) {
  return make_field(std::move(name), Kind::int64, required);
}
NestedField NestedField::boolean(std::string name, bool required) {
  return make_field(std::move(name), Kind::boolean, required);
}
NestedField NestedField::group(std::string name, std::vector<NestedField> fields, bool required) {
  return make_field(std::move(name), Kind::group, required, std::move(fields));
}
NestedField NestedField::map(std::string name, NestedField key, NestedField value, bool required) {
  return make_field(std::move(name), Kind::map, required, {std::move(key), std::move(value)});
}
NestedField NestedField::list(std::string name, NestedField element, bool required) {
  return make_field(std::move(name), Kind::list, required, {std::move(element)});
}

NestedColumnWriter::NestedColumnWriter(const NestedField& field,
                                       const ColumnWriterSettings& settings) {
  TreeBuilder builder(settings, leaves_);
  root_ = std::make_unique<Node>(builder.build(field, {}, 0, 0));
}

NestedColumnWriter::~NestedColumnWriter() = default;

void NestedColumnWriter::write_value(const NestedValue& value) {
  shred(*root_, value, 0);
}

void NestedColumnWriter::write(std::optional<std::string_view> value, uint8_t repetition_level) {
  if (value) fail(ErrorKind::internal, "parquet: a nested column takes NestedValues");
  if (repetition_level != 0) fail(ErrorKind::internal, "parquet: a nested column inside a list");
  shred(*root_, NestedValue(), 0);
}

void NestedColumnWriter::write_absent(uint8_t definition_level, uint8_t repetition_level) {
  write_absent_below(*root_, definition_level, repetition_level);
}

void NestedColumnWriter::append_schema(std::vector<SchemaElement>& schema) const {
  append_node_schema(*root_, schema);
}

void NestedColumnWriter::collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) {
  for (const auto& leaf : leaves_) leaves.push_back(leaf.get());
}

}  // namespace pgexport::format::parquet
