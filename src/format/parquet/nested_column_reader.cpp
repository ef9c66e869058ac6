#include "format/parquet/nested_column_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <functional>

#include "common/error.hpp"
#include "compress/block_decompressor.hpp"
#include "format/parquet/metadata_reader.hpp"

namespace pgexport::format::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";

}  // namespace

NestedColumnReader::NestedColumnReader(std::string file) : file_(std::move(file)) {
  if (file_.size() < 12 || std::string_view(file_).substr(0, 4) != kMagic ||
      std::string_view(file_).substr(file_.size() - 4) != kMagic) {
    fail(ErrorKind::data_error, "parquet: not a Parquet file (no PAR1 at both ends)");
  }
  uint32_t footer_length = 0;
  std::memcpy(&footer_length, file_.data() + file_.size() - 8, 4);
  if (footer_length > file_.size() - 12) {
    fail(ErrorKind::data_error, "parquet: a footer of {} bytes in a file of {}", footer_length,
         file_.size());
  }
  metadata_ = read_file_metadata(
      std::string_view(file_).substr(file_.size() - 8 - footer_length, footer_length));

  // Walk the depth-first schema, counting levels the way the writer assigns them.
  size_t at = 1;  // after the root
  std::vector<std::string> path;
  std::function<void(int, int, int)> walk = [&](int definition, int repetition, int entry) {
    if (at >= metadata_.schema.size()) {
      fail(ErrorKind::data_error, "parquet: the schema ends inside a group");
    }
    const SchemaElement& element = metadata_.schema[at++];
    const Repetition repeated = element.repetition.value_or(Repetition::required);
    if (repeated != Repetition::required) ++definition;
    if (repeated == Repetition::repeated) {
      ++repetition;
      entry = definition;
    }
    if (definition > 255 || repetition > 255) {
      fail(ErrorKind::data_error, "parquet: the schema nests too deep");
    }
    path.push_back(element.name);
    if (element.num_children) {
      for (int32_t i = 0; i < *element.num_children; ++i) walk(definition, repetition, entry);
    } else {
      if (!element.type) fail(ErrorKind::data_error, "parquet: a leaf without a type");
      Leaf leaf;
      leaf.path = path;
      leaf.shape.physical = *element.type;
      leaf.shape.type_length = element.type_length.value_or(0);
      leaf.shape.max_definition_level = static_cast<uint8_t>(definition);
      leaf.shape.max_repetition_level = static_cast<uint8_t>(repetition);
      leaf.entry_definition_level = static_cast<uint8_t>(entry);
      leaf.index = leaves_.size();
      leaves_.push_back(std::move(leaf));
    }
    path.pop_back();
  };
  const int32_t top = metadata_.schema.empty() ? 0 : metadata_.schema[0].num_children.value_or(0);
  for (int32_t i = 0; i < top; ++i) walk(0, 0, 0);
  for (const RowGroup& group : metadata_.row_groups) {
    if (group.columns.size() != leaves_.size()) {
      fail(ErrorKind::data_error, "parquet: a row group has {} column chunks for {} leaves",
           group.columns.size(), leaves_.size());
    }
  }
}

bool NestedColumnReader::has_leaf(const std::vector<std::string>& path) const {
  for (const Leaf& leaf : leaves_) {
    if (leaf.path == path) return true;
  }
  return false;
}

const NestedColumnReader::Leaf& NestedColumnReader::find(
    const std::vector<std::string>& path) const {
  for (const Leaf& leaf : leaves_) {
    if (leaf.path == path) return leaf;
  }
  fail(ErrorKind::data_error, "parquet: the file has no column {}", fmt::join(path, "."));
}

std::vector<DecodedChunk> NestedColumnReader::decode(const Leaf& leaf) {
  std::vector<DecodedChunk> chunks(metadata_.row_groups.size());
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    const ColumnMetaData& meta = metadata_.row_groups[g].columns[leaf.index].meta_data;
    if (meta.path_in_schema != leaf.path) {
      fail(ErrorKind::data_error, "parquet: the column chunks are not in schema order");
    }
    const int64_t start = meta.dictionary_page_offset.value_or(meta.data_page_offset);
    if (start < 4 || meta.total_compressed_size < 0 ||
        static_cast<uint64_t>(start) + static_cast<uint64_t>(meta.total_compressed_size) >
            file_.size()) {
      fail(ErrorKind::data_error, "parquet: the chunk of {} lies outside the file",
           fmt::join(leaf.path, "."));
    }
    auto decompressor = compress::make_block_decompressor(block_codec_of(meta.codec));
    decode_column_chunk(
        std::string_view(file_).substr(static_cast<size_t>(start),
                                       static_cast<size_t>(meta.total_compressed_size)),
        leaf.shape, *decompressor, meta.num_values, chunks[g]);
  }
  return chunks;
}

std::vector<NestedColumnReader::Value> NestedColumnReader::column(
    const std::vector<std::string>& path) {
  const Leaf& leaf = find(path);
  if (leaf.shape.max_repetition_level != 0) {
    fail(ErrorKind::data_error, "parquet: column {} is inside a repeated group",
         fmt::join(path, "."));
  }
  std::vector<Value> values;
  for (const DecodedChunk& chunk : decode(leaf)) {
    size_t next = 0;
    for (size_t slot = 0; slot < chunk.slots; ++slot) {
      const uint32_t level =
          leaf.shape.max_definition_level == 0 ? 0 : chunk.definition_levels[slot];
      if (level == leaf.shape.max_definition_level) {
        values.emplace_back(std::string(chunk.values.at(next++)));
      } else {
        values.emplace_back(std::nullopt);
      }
    }
  }
  if (values.size() != static_cast<size_t>(metadata_.num_rows)) {
    fail(ErrorKind::data_error, "parquet: column {} has {} values for {} rows",
         fmt::join(path, "."), values.size(), metadata_.num_rows);
  }
  return values;
}

std::vector<NestedColumnReader::Entries> NestedColumnReader::repeated_column(
    const std::vector<std::string>& path) {
  const Leaf& leaf = find(path);
  if (leaf.shape.max_repetition_level == 0) {
    fail(ErrorKind::data_error, "parquet: column {} is not inside a repeated group",
         fmt::join(path, "."));
  }
  std::vector<Entries> rows;
  for (const DecodedChunk& chunk : decode(leaf)) {
    size_t next = 0;
    for (size_t slot = 0; slot < chunk.slots; ++slot) {
      const uint32_t level = chunk.definition_levels.empty() ? 0 : chunk.definition_levels[slot];
      if (chunk.repetition_levels[slot] == 0) {
        // The collection (the repeated group's parent) is present one level below its entries.
        rows.emplace_back();
        if (level + 1 >= leaf.entry_definition_level) rows.back().emplace();
      }
      if (rows.empty()) fail(ErrorKind::data_error, "parquet: a chunk starts inside a row");
      if (level >= leaf.entry_definition_level && !rows.back()) {
        fail(ErrorKind::data_error, "parquet: an entry of a NULL collection");
      }
      if (level == leaf.shape.max_definition_level) {
        rows.back()->emplace_back(std::string(chunk.values.at(next++)));
      } else if (level >= leaf.entry_definition_level) {
        rows.back()->emplace_back(std::nullopt);  // an entry whose value is NULL
      }
    }
  }
  if (rows.size() != static_cast<size_t>(metadata_.num_rows)) {
    fail(ErrorKind::data_error, "parquet: column {} has {} rows of values for {} rows",
         fmt::join(path, "."), rows.size(), metadata_.num_rows);
  }
  return rows;
}

}  // namespace pgexport::format::parquet
