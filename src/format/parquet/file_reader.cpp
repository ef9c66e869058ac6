#include "format/parquet/file_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/error.hpp"
#include "format/parquet/metadata_reader.hpp"
#include "format/parquet/pg_array_text.hpp"

namespace pgexport::format::parquet {
namespace {

[[noreturn]] void not_ours(std::string_view what) {
  fail(ErrorKind::data_error, "parquet: {}, which is not how pgexport writes files", what);
}

bool is_list_group(const SchemaElement& element) {
  return (element.logical_type && element.logical_type->kind == LogicalType::Kind::list) ||
         element.converted_type == ConvertedType::list;
}

// The element type of an array type name ("box[]" -> "box"), or empty.
std::string element_type_name(const std::string& name) {
  return name.ends_with("[]") ? name.substr(0, name.size() - 2) : std::string();
}

}  // namespace

ParquetTextReader::ParquetTextReader(std::string_view footer)
    : metadata_(read_file_metadata(footer)) {
  const auto& schema = metadata_.schema;
  const SchemaElement& root = schema[0];
  if (root.type || !root.num_children) not_ours("the schema's root is not a group");
  size_t at = 1;
  auto next = [&]() -> const SchemaElement& {
    if (at >= schema.size()) not_ours("the schema ends before its last field");
    return schema[at++];
  };
  for (int32_t i = 0; i < *root.num_children; ++i) {
    const SchemaElement& top = next();
    Column column;
    column.name = top.name;
    if (top.repetition == Repetition::repeated) not_ours("a top-level field is repeated");
    column.nullable = top.repetition != Repetition::required;
    const SchemaElement* leaf = &top;
    if (!top.type) {
      // A three-level list: <name> (LIST) { repeated group list { optional element; } }.
      if (!is_list_group(top) || top.num_children != 1) not_ours("a group is not a LIST");
      const SchemaElement& repeated = next();
      if (repeated.type || repeated.repetition != Repetition::repeated ||
          repeated.num_children != 1) {
        not_ours("a LIST is not in the three-level form");
      }
      leaf = &next();
      if (!leaf->type || leaf->repetition != Repetition::optional) {
        not_ours("a LIST's element is not an optional primitive");
      }
      column.is_list = true;
      column.shape.max_repetition_level = 1;
      column.shape.max_definition_level = static_cast<uint8_t>((column.nullable ? 1 : 0) + 2);
    } else {
      column.shape.max_definition_level = column.nullable ? 1 : 0;
    }
    column.shape.physical = *leaf->type;
    column.shape.type_length = leaf->type_length.value_or(0);
    column.text = leaf_text(*leaf);
    names_.push_back(column.name);
    columns_.push_back(std::move(column));
  }
  if (at != schema.size()) not_ours("the schema has fields outside its root's children");

  // box[] elements are separated by ';' in PostgreSQL's literal: the declared types tell.
  if (auto described = metadata("pgexport.columns")) {
    const auto json = nlohmann::json::parse(*described, nullptr, false);
    if (json.is_array() && json.size() == columns_.size()) {
      for (size_t i = 0; i < columns_.size(); ++i) {
        const auto& entry = json[i];
        std::string type = entry.value("postgres_base_type", entry.value("postgres_type", ""));
        if (columns_[i].is_list && element_type_name(type) == "box") columns_[i].delimiter = ';';
      }
    }
  }

  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    const RowGroup& group = metadata_.row_groups[g];
    if (group.columns.size() != columns_.size()) not_ours("a row group has another column count");
    uint64_t first = UINT64_MAX, end = 0;
    for (size_t c = 0; c < group.columns.size(); ++c) {
      const ColumnMetaData& meta = group.columns[c].meta_data;
      if (meta.path_in_schema.front() != columns_[c].name ||
          meta.type != columns_[c].shape.physical) {
        not_ours("a column chunk is not its schema column's");
      }
      const int64_t start = meta.dictionary_page_offset.value_or(meta.data_page_offset);
      if (start < 4 || meta.total_compressed_size < 0 || meta.num_values < 0) {
        not_ours("a column chunk has negative offsets or sizes");
      }
      first = std::min<uint64_t>(first, static_cast<uint64_t>(start));
      end = std::max<uint64_t>(end, static_cast<uint64_t>(start + meta.total_compressed_size));
    }
    if (group.columns.empty()) first = end = ranges_.empty() ? 4 : ranges_.back().second;
    if (!ranges_.empty() && first < ranges_.back().second) {
      not_ours("row groups overlap or are out of order");
    }
    ranges_.emplace_back(first, end);
  }
}

std::optional<std::string> ParquetTextReader::metadata(std::string_view key) const {
  for (const KeyValue& entry : metadata_.key_value_metadata) {
    if (entry.key == key) return entry.value;
  }
  return std::nullopt;
}

void ParquetTextReader::read_row_group(size_t group, std::string_view bytes,
                                       const RowCallback& on_row) {
  const RowGroup& row_group = metadata_.row_groups[group];
  const uint64_t first = ranges_[group].first;
  if (bytes.size() != ranges_[group].second - first) {
    fail(ErrorKind::internal, "parquet: row group {} given {} bytes", group, bytes.size());
  }
  chunks_.resize(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    const ColumnMetaData& meta = row_group.columns[c].meta_data;
    if (!decompressor_ || meta.codec != codec_) {
      decompressor_ = compress::make_block_decompressor(block_codec_of(meta.codec));
      codec_ = meta.codec;
    }
    const uint64_t start =
        static_cast<uint64_t>(meta.dictionary_page_offset.value_or(meta.data_page_offset));
    decode_column_chunk(
        bytes.substr(start - first, static_cast<size_t>(meta.total_compressed_size)),
        columns_[c].shape, *decompressor_, meta.num_values, chunks_[c]);
  }
  std::vector<size_t> slot(columns_.size(), 0), value(columns_.size(), 0);
  row_.assign(columns_.size(), std::nullopt);
  for (int64_t r = 0; r < row_group.num_rows; ++r) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Column& column = columns_[c];
      const DecodedChunk& chunk = chunks_[c];
      auto level = [&](size_t s) {
        return column.shape.max_definition_level == 0 ? 0u : chunk.definition_levels[s];
      };
      auto take_value = [&](std::string& out) {
        if (value[c] >= chunk.values.size())
          not_ours("a column chunk has fewer values than levels");
        append_leaf_text(column.text, chunk.values[value[c]++], out);
      };
      if (slot[c] >= chunk.slots) not_ours("a column chunk has fewer rows than its row group");
      row_[c].reset();
      if (!column.is_list) {
        if (level(slot[c]++) == column.shape.max_definition_level) take_value(row_[c].emplace());
        continue;
      }
      // Levels relative to the list: `base` is an empty list, base + 1 a NULL element, base + 2
      // a value; below base the list itself is NULL.
      const uint32_t base = column.nullable ? 1 : 0;
      if (chunk.repetition_levels[slot[c]] != 0) not_ours("a LIST row does not start a row");
      const uint32_t first_level = level(slot[c]);
      if (first_level < base) {
        ++slot[c];
        continue;
      }
      elements_.clear();
      if (first_level == base) {
        ++slot[c];
      } else {
        do {
          const uint32_t element_level = level(slot[c]++);
          if (element_level == base + 2) {
            take_value(elements_.emplace_back().emplace());
          } else if (element_level == base + 1) {
            elements_.emplace_back(std::nullopt);
          } else {
            not_ours("a LIST element at the list's own level");
          }
        } while (slot[c] < chunk.slots && chunk.repetition_levels[slot[c]] == 1);
      }
      pg_text::append_array_literal(row_[c].emplace(), elements_, column.delimiter);
    }
    on_row(row_);
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (slot[c] != chunks_[c].slots || value[c] != chunks_[c].values.size()) {
      not_ours("a column chunk holds more values than its row group's rows");
    }
  }
  for (DecodedChunk& chunk : chunks_) chunk.buffers.clear();  // the memory is per row group
}

void RowGroupStream::write(std::string_view bytes) {
  while (!bytes.empty() && group_ < reader_.row_groups()) {
    const auto [first, end] = reader_.row_group_range(group_);
    if (position_ < first) {
      const uint64_t skip = std::min<uint64_t>(first - position_, bytes.size());
      position_ += skip;
      bytes.remove_prefix(skip);
      continue;
    }
    const uint64_t take = std::min<uint64_t>(end - position_, bytes.size());
    buffer_.append(bytes.substr(0, take));
    position_ += take;
    bytes.remove_prefix(take);
    if (position_ == end) {
      reader_.read_row_group(group_, buffer_, on_row_);
      buffer_.clear();
      if (buffer_.capacity() > (64u << 20)) std::string().swap(buffer_);
      ++group_;
    }
  }
  position_ += bytes.size();
}

void RowGroupStream::finish() const {
  if (group_ < reader_.row_groups()) {
    fail(ErrorKind::data_error, "parquet: the file ends inside row group {}", group_);
  }
}

void TailSink::write(std::string_view bytes) {
  size_ += bytes.size();
  if (bytes.size() >= capacity_) {
    kept_.assign(bytes.substr(bytes.size() - capacity_));
    return;
  }
  kept_.append(bytes);
  // Trim in bulk, so each byte is moved a bounded number of times.
  if (kept_.size() > 2 * capacity_) kept_.erase(0, kept_.size() - capacity_);
}

std::string_view TailSink::tail() const {
  std::string_view kept = kept_;
  if (kept.size() > capacity_) kept.remove_prefix(kept.size() - capacity_);
  return kept;
}

void RangeSink::write(std::string_view bytes) {
  const uint64_t start = position_, stop = position_ + bytes.size();
  position_ = stop;
  const uint64_t from = std::max(start, first_), to = std::min(stop, end_);
  if (from < to) kept_.append(bytes.substr(from - start, to - from));
}

}  // namespace pgexport::format::parquet
