// Reading back the Parquet files pgexport writes, each value as PostgreSQL's text of it (see
// value_text.hpp), one row group at a time: what materialize needs to merge Parquet base files
// and change files as field texts, exactly as it merges CSV. Only pgexport's own layout is read
// (top-level columns, each a primitive leaf or a three-level LIST of one; data pages V1 with
// PLAIN or dictionary values and RLE levels; uncompressed, snappy, gzip or zstd pages); any other
// file is refused with a data_error saying what is not pgexport's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/byte_sink.hpp"
#include "compress/block_decompressor.hpp"
#include "format/parquet/column_chunk_reader.hpp"
#include "format/parquet/metadata.hpp"
#include "format/parquet/value_text.hpp"

namespace pgexport::format::parquet {

class ParquetTextReader {
 public:
  using Row = std::span<const std::optional<std::string>>;  // nullopt is NULL
  using RowCallback = std::function<void(Row)>;

  // `footer` is the FileMetaData (the bytes before the file's last eight). Throws data_error
  // for a footer or schema that is not pgexport's.
  explicit ParquetTextReader(std::string_view footer);

  const std::vector<std::string>& column_names() const { return names_; }
  // A key-value metadata entry (pgexport.table, pgexport.columns, ...), or nullopt.
  std::optional<std::string> metadata(std::string_view key) const;
  int64_t rows() const { return metadata_.num_rows; }
  size_t row_groups() const { return metadata_.row_groups.size(); }
  // The file offsets [first, end) of a row group's column chunks, which pgexport writes one
  // after the other.
  std::pair<uint64_t, uint64_t> row_group_range(size_t group) const { return ranges_[group]; }

  // Decodes row group `group` from its bytes (the file's bytes in row_group_range(group)) and
  // calls `on_row` once per row with each column's text. Throws data_error for damaged data.
  void read_row_group(size_t group, std::string_view bytes, const RowCallback& on_row);

 private:
  struct Column {
    std::string name;
    bool is_list = false;
    bool nullable = false;
    LeafShape shape;
    LeafText text;
    char delimiter = ',';  // between list elements; box[] uses ';'
  };

  FileMetaData metadata_;
  std::vector<Column> columns_;
  std::vector<std::string> names_;
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
  std::unique_ptr<compress::BlockDecompressor> decompressor_;
  CompressionCodec codec_ = CompressionCodec::uncompressed;
  std::vector<DecodedChunk> chunks_;
  std::vector<std::optional<std::string>> row_;
  std::vector<std::optional<std::string>> elements_;
};

// Takes a whole Parquet file's bytes in order and decodes each row group as soon as its bytes are
// in, so memory holds one row group, not the file.
class RowGroupStream final : public ByteSink {
 public:
  RowGroupStream(ParquetTextReader& reader, ParquetTextReader::RowCallback on_row)
      : reader_(reader), on_row_(std::move(on_row)) {}
  void write(std::string_view bytes) override;
  // Throws data_error when the file ended before its last row group.
  void finish() const;

 private:
  ParquetTextReader& reader_;
  ParquetTextReader::RowCallback on_row_;
  uint64_t position_ = 0;  // file offset of the next byte
  size_t group_ = 0;       // the row group being collected
  std::string buffer_;
};

// Keeps the last `capacity` bytes of what is written: a file's footer, read in one pass.
class TailSink final : public ByteSink {
 public:
  explicit TailSink(size_t capacity) : capacity_(capacity) {}
  void write(std::string_view bytes) override;
  // The kept bytes (the last min(size, capacity) bytes) and how many were written in all.
  std::string_view tail() const;
  uint64_t size() const { return size_; }

 private:
  size_t capacity_;
  std::string kept_;
  uint64_t size_ = 0;
};

// Keeps the bytes at file offsets [first, end) of what is written.
class RangeSink final : public ByteSink {
 public:
  RangeSink(uint64_t first, uint64_t end) : first_(first), end_(end) {}
  void write(std::string_view bytes) override;
  const std::string& bytes() const { return kept_; }

 private:
  uint64_t first_, end_;
  uint64_t position_ = 0;
  std::string kept_;
};

}  // namespace pgexport::format::parquet
