// A Parquet file in storage read back as rows of PostgreSQL texts (format/parquet/file_reader),
// in bounded memory: a first pass hashes the object and keeps its tail (the footer), so the
// caller can check size and SHA-256 before anything is decoded; a second pass decodes it one
// row group at a time. Storage can only stream whole objects, and a Parquet file's footer comes
// last, hence two passes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "format/parquet/file_reader.hpp"
#include "storage/storage.hpp"

namespace pgexport::cdc {

class StoredParquetFile {
 public:
  // Reads `key` once: its size, its SHA-256 and its last bytes (where the footer is). nullopt
  // when the object is missing. Whatever the bytes are, nothing is decoded yet.
  static std::optional<StoredParquetFile> scan(storage::Storage& storage, const std::string& key);

  uint64_t size() const { return size_; }
  const std::string& sha256() const { return sha256_; }

  // Decodes the file, reading the object again: `on_open` sees the reader first (its column
  // names and metadata), then `on_row` gets every row. Throws data_error for a file that is not
  // pgexport's Parquet, is damaged, or no longer has the bytes scan() saw.
  void read_rows(storage::Storage& storage,
                 const std::function<void(const format::parquet::ParquetTextReader&)>& on_open,
                 const format::parquet::ParquetTextReader::RowCallback& on_row) const;

 private:
  std::string key_;
  uint64_t size_ = 0;
  std::string sha256_;
  std::string tail_;
};

}  // namespace pgexport::cdc
