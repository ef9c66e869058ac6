// Reading chosen leaves of a Parquet file whose columns nest (groups, MAPs, LISTs), such as a
// Delta checkpoint: each leaf's values per row, reassembled from its definition and repetition
// levels. The file is held in memory whole (a checkpoint of a table pgexport writes holds one
// row per action, a few kilobytes). Pages are decoded by decode_column_chunk(), so the same
// encodings are read as for pgexport's own files (PLAIN and dictionary values, RLE levels,
// data pages V1, uncompressed/snappy/gzip/zstd); anything else is a data_error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/parquet/column_chunk_reader.hpp"
#include "format/parquet/metadata.hpp"

namespace pgexport::format::parquet {

class NestedColumnReader {
 public:
  // Values as their PLAIN bytes: 4 or 8 little-endian bytes for numbers, one byte 0/1 for
  // booleans, the bytes themselves for byte arrays; nullopt for NULL (or an absent ancestor).
  using Value = std::optional<std::string>;

  // `file` is the whole file. Throws data_error when it is not a Parquet file or its footer
  // cannot be read.
  explicit NestedColumnReader(std::string file);

  int64_t rows() const { return metadata_.num_rows; }
  // Whether the schema has a leaf at `path` (names from the top-level column down, the
  // repeated groups of MAPs and LISTs included: {"add", "tags", "key_value", "key"}).
  bool has_leaf(const std::vector<std::string>& path) const;
  // The leaf's value in each row, for a leaf with no repeated ancestor. A missing leaf or one
  // below a repeated group is a data_error.
  std::vector<Value> column(const std::vector<std::string>& path);
  // The leaf's values in each row, one per entry of its innermost repeated ancestor (a MAP's
  // keys or values, a LIST's elements): nullopt for a NULL collection (or a NULL ancestor),
  // an empty vector for an empty one.
  using Entries = std::optional<std::vector<Value>>;
  std::vector<Entries> repeated_column(const std::vector<std::string>& path);

 private:
  struct Leaf {
    std::vector<std::string> path;
    LeafShape shape;
    uint8_t entry_definition_level = 0;  // of the innermost repeated ancestor
    size_t index = 0;                    // among the leaves, as row groups list their chunks
  };
  const Leaf& find(const std::vector<std::string>& path) const;
  // Decodes the leaf's chunk of every row group into `chunks`.
  std::vector<DecodedChunk> decode(const Leaf& leaf);

  std::string file_;
  FileMetaData metadata_;
  std::vector<Leaf> leaves_;
};

}  // namespace pgexport::format::parquet
