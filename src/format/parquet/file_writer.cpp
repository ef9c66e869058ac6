#include "format/parquet/file_writer.hpp"

#include <cstring>

#include "common/error.hpp"

namespace pgexport::format::parquet {
namespace {

// Every Parquet file begins and ends with these four bytes.
constexpr std::string_view kMagic = "PAR1";

CompressionCodec codec_id(compress::BlockCodecKind kind) {
  switch (kind) {
    case compress::BlockCodecKind::uncompressed:
      return CompressionCodec::uncompressed;
    case compress::BlockCodecKind::snappy:
      return CompressionCodec::snappy;
    case compress::BlockCodecKind::gzip:
      return CompressionCodec::gzip;
    case compress::BlockCodecKind::zstd:
      return CompressionCodec::zstd;
  }
  fail(ErrorKind::internal, "unknown block codec");
}

// Counts bytes on their way to the file so column chunks know their offsets.
class OffsetSink final : public ByteSink {
 public:
  OffsetSink(ByteSink& out, uint64_t& offset) : out_(out), offset_(offset) {}
  void write(std::string_view bytes) override {
    out_.write(bytes);
    offset_ += bytes.size();
  }

 private:
  ByteSink& out_;
  uint64_t& offset_;
};

}  // namespace

uint64_t fixed_memory_bytes(const FileWriterOptions& options) {
  return compress::block_codec_memory_bytes(options.codec, options.compression_level) +
         2 * 2 * options.page_bytes + kRowGroupLeaseStep;
}

FileWriter::FileWriter(FileWriterOptions options)
    : options_(options),
      codec_(compress::make_block_codec(options.codec, options.compression_level)) {
  if (options_.row_group_rows == 0)
    fail(ErrorKind::usage, "the row group size must be at least 1 row");
  if (options_.row_group_bytes == 0 || options_.page_bytes == 0) {
    fail(ErrorKind::usage, "row group and page byte limits must be positive");
  }
  settings_.codec = codec_.get();
  settings_.codec_id = codec_id(options.codec);
  settings_.page_bytes = options_.page_bytes;
  settings_.dictionary_bytes = options_.dictionary_bytes;
  settings_.buffered_bytes = &buffered_bytes_;
  settings_.scratch = &scratch_;
}

void FileWriter::add_column(std::unique_ptr<ColumnWriter> column) {
  if (out_ != nullptr) fail(ErrorKind::internal, "parquet: column added after start()");
  column->collect_leaves(leaves_);
  columns_.push_back(std::move(column));
}

void FileWriter::set_key_value_metadata(std::vector<KeyValue> entries) {
  key_value_metadata_ = std::move(entries);
}

void FileWriter::write(std::string_view bytes) {
  out_->write(bytes);
  bytes_written_ += bytes.size();
}

void FileWriter::start(ByteSink& out) {
  if (out_ != nullptr) fail(ErrorKind::internal, "parquet: start() before finish()");
  // Leased before the file's first byte, while this writer holds no other lease: waiting
  // here cannot hold up anyone (common/encoder_memory.hpp).
  if (options_.memory) fixed_lease_ = options_.memory->hold(fixed_memory_bytes(options_));
  out_ = &out;
  bytes_written_ = rows_written_ = rows_in_group_ = 0;
  row_groups_.clear();
  write(kMagic);
}

void FileWriter::end_row() {
  end_row_deferred();
  flush_if_full();
}

void FileWriter::end_row_deferred() {
  ++rows_written_;
  ++rows_in_group_;
}

void FileWriter::flush_if_full() {
  if (rows_in_group_ >= options_.row_group_rows || buffered_bytes_ >= options_.row_group_bytes ||
      !row_group_leased()) {
    flush_row_group();
  }
}

bool FileWriter::row_group_leased() {
  if (!options_.memory) return true;
  const uint64_t leased = kRowGroupLeaseStep + growth_lease_.bytes();
  if (buffered_bytes_ <= leased) return true;
  const uint64_t missing = buffered_bytes_ - leased;
  const uint64_t steps = (missing + kRowGroupLeaseStep - 1) / kRowGroupLeaseStep;
  return options_.memory->try_grow(growth_lease_, steps * kRowGroupLeaseStep);
}

void FileWriter::flush_row_group() {
  if (rows_in_group_ == 0) return;
  RowGroup group;
  group.num_rows = static_cast<int64_t>(rows_in_group_);
  group.file_offset = static_cast<int64_t>(bytes_written_);
  if (row_groups_.size() <= INT16_MAX) group.ordinal = static_cast<int16_t>(row_groups_.size());
  OffsetSink sink(*out_, bytes_written_);
  for (PrimitiveColumnWriter* leaf : leaves_) {
    int64_t offset = static_cast<int64_t>(bytes_written_);
    ColumnChunk chunk = leaf->write_chunk(sink, offset);
    if (static_cast<int64_t>(bytes_written_) != offset + chunk.meta_data.total_compressed_size) {
      fail(ErrorKind::internal, "parquet: column chunk size does not match its metadata");
    }
    group.total_byte_size += chunk.meta_data.total_uncompressed_size;
    group.total_compressed_size += chunk.meta_data.total_compressed_size;
    group.columns.push_back(std::move(chunk));
  }
  row_groups_.push_back(std::move(group));
  rows_in_group_ = 0;
  buffered_bytes_ = 0;
  growth_lease_.release();
}

void FileWriter::finish() {
  if (out_ == nullptr) fail(ErrorKind::internal, "parquet: finish() without start()");
  flush_row_group();

  FileMetaData metadata;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(columns_.size());
  metadata.schema.push_back(std::move(root));
  for (const auto& column : columns_) column->append_schema(metadata.schema);
  metadata.num_rows = static_cast<int64_t>(rows_written_);
  metadata.row_groups = std::move(row_groups_);
  metadata.key_value_metadata = key_value_metadata_;
  metadata.created_by = "pgexport version " PGEXPORT_VERSION;
  metadata.type_ordered_leaf_columns = static_cast<int32_t>(leaves_.size());

  std::string footer;
  serialize(metadata, footer);
  // The footer is followed by its length, 4 bytes little endian, and the closing magic.
  uint32_t length = static_cast<uint32_t>(footer.size());
  char length_bytes[4];
  std::memcpy(length_bytes, &length, 4);
  footer.append(length_bytes, 4);
  footer += kMagic;
  write(footer);

  row_groups_ = std::move(metadata.row_groups);  // keep row_groups_written() meaningful
  out_ = nullptr;
  fixed_lease_.release();
}

}  // namespace pgexport::format::parquet
