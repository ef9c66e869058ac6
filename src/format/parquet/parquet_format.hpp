// Parquet output: the Format that asks PostgreSQL for binary COPY rows and the Encoder that
// decodes each row straight into column writers. See docs/types.md for how each PostgreSQL type
// is represented.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "format/format.hpp"
#include "format/parquet/file_writer.hpp"
#include "format/parquet/type_mapping.hpp"

namespace pgexport::format::parquet {

struct ParquetOptions {
  // The page codec. `none` writes uncompressed pages.
  Compression compression = Compression::zstd;
  std::optional<int> compression_level;                          // the codec's default when absent
  uint64_t row_group_rows = FileWriterOptions{}.row_group_rows;  // --row-group-size
  uint64_t row_group_bytes = FileWriterOptions{}.row_group_bytes;  // see FileWriterOptions
  uint64_t page_bytes = FileWriterOptions{}.page_bytes;
  uint64_t dictionary_bytes = FileWriterOptions{}.dictionary_bytes;
  // The writers' share of --memory-limit every file writer leases from (FileWriterOptions).
  std::shared_ptr<EncoderMemory> memory;
  // Which readers the files are for (--parquet-profile; see ParquetProfile).
  ParquetProfile profile = ParquetProfile::portable;
  // Representation switches for data that the default mapping refuses (see MappingOptions).
  bool numeric_as_text = false;
  bool arrays_as_text = false;
  bool timestamps_as_text = false;
  // Extra FileMetaData key-value entries for every file, such as the run id and snapshot.
  // Keys starting with "pgexport.columns", and "pgexport.table", "pgexport.version" and
  // "pgexport.parquet_profile", are reserved.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The one column of the files of a table that has no columns (DuckDB refuses a Parquet file
// without a leaf column): an optional BOOLEAN, NULL in every row (docs/types.md).
inline constexpr std::string_view kNoColumnsPlaceholder = "_pgexport_no_columns";

// The representation switches as describe_options() writes them, read back; nullopt when
// `description` is not such an object (a switch missing or not a boolean, a profile that is not
// "portable" or "exact"). A description without "profile" was written before profiles existed,
// with what is now the exact profile.
std::optional<MappingOptions> mapping_from_description(const nlohmann::json& description);

// What one file writer with these options leases for as long as a file is open
// (fixed_memory_bytes of file_writer.hpp), for planning the writers' share.
uint64_t writer_fixed_memory_bytes(const ParquetOptions& options);

// The Compression of format.hpp as a block codec.
compress::BlockCodecKind block_codec_kind(Compression compression);

class ParquetFormat final : public Format {
 public:
  // Throws pgexport::Error (usage) for invalid options, such as a level the codec lacks.
  explicit ParquetFormat(ParquetOptions options = {});

  std::string extension() const override { return "parquet"; }
  bool compresses_internally() const override { return true; }
  // Binary COPY; types without an exact native Parquet form are cast to text by the server.
  CopySpec copy_spec(const pg::TableSchema& table) const override;
  std::unique_ptr<Encoder> make_encoder(const pg::TableSchema& table) const override;
  // Binary COPY tuples converted from PostgreSQL texts (text_to_binary.hpp), so change rows and
  // materialized rows pass through the same encoder as the full export's.
  std::unique_ptr<TextRowWriter> make_text_row_writer(const pg::TableSchema& table) const override;
  // {"type", "parquet_physical_type", "parquet_logical_type", "exact_text", ...}; lists
  // describe their element under "element". See describe_plan().
  nlohmann::json describe_column(const pg::Column& column) const override;
  // {"profile": "portable", "numeric_as_text": false, "arrays_as_text": false,
  //  "timestamps_as_text": false}: the reader profile and the representation switches
  // (docs/types.md).
  nlohmann::json describe_options() const override;

  const ParquetOptions& options() const { return options_; }
  // The type mapping the options choose (type_mapping.hpp).
  MappingOptions mapping() const;

 private:
  ParquetOptions options_;
};

// Turns binary COPY tuples (one per write_row, without the COPY file header or trailer) into
// Parquet files. After an exception the current file is unusable: discard the encoder.
class ParquetEncoder final : public Encoder {
 public:
  ParquetEncoder(const pg::TableSchema& table, const ParquetOptions& options);

  void start(ByteSink& out) override;
  // Throws pgexport::Error (data_error) naming the table, column and row for a value that
  // cannot be stored exactly.
  void write_row(std::string_view wire_row) override;
  // Writes the row group the previous rows filled.
  void write_filled() override { writer_.flush_if_full(); }
  void finish() override;
  // From the finished file's column chunk statistics (file_statistics.hpp).
  std::vector<ColumnStatistics> file_statistics() const override;

  // Of the current (or last finished) file.
  uint64_t bytes_written() const { return writer_.bytes_written(); }
  uint64_t rows_written() const { return writer_.rows_written(); }
  size_t row_groups_written() const { return writer_.row_groups_written(); }

 private:
  pg::TableSchema table_;
  MappingOptions mapping_;
  FileWriter writer_;
};

}  // namespace pgexport::format::parquet
