// Writes Parquet files: "PAR1", row groups of column chunks, the FileMetaData footer, its
// length and "PAR1" again. Row groups are buffered in memory (compressed, page by page) and
// closed by a row cap or a byte cap, whichever comes first, so memory does not grow with the
// table. With an EncoderMemory, the writer leases what it holds from the writers' share of
// --memory-limit: a fixed lease while a file is open, and the row group's growth, which closes
// the row group early when the share has no room left (common/encoder_memory.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/byte_sink.hpp"
#include "common/encoder_memory.hpp"
#include "compress/block_codec.hpp"
#include "format/parquet/column_writer.hpp"
#include "format/parquet/metadata.hpp"

namespace pgexport::format::parquet {

struct FileWriterOptions {
  compress::BlockCodecKind codec = compress::BlockCodecKind::zstd;
  std::optional<int> compression_level;  // the codec's default when absent
  // A row group closes after this many rows...
  uint64_t row_group_rows = 1'000'000;
  // ...or once the data it buffers (encoded, before compression) reaches this many bytes.
  // 64 MiB keeps a worker's memory small while leaving readers large, efficient chunks.
  uint64_t row_group_bytes = 64u << 20;
  // Data pages close at the first row boundary past this size. 1 MiB is the size most
  // writers use: big enough to compress well, small enough to skip pages by statistics.
  uint64_t page_bytes = 1u << 20;
  // A column chunk's dictionary stops at this many bytes of entries (then PLAIN). 0: none.
  uint64_t dictionary_bytes = 1u << 20;
  // Where the writer leases its memory from; none: it leases nothing (change data capture
  // and materialize, whose memory their own plans bound).
  std::shared_ptr<EncoderMemory> memory;
};

// The part of a row group every file's fixed lease covers; beyond it a row group grows by
// leases of this size too.
inline constexpr uint64_t kRowGroupLeaseStep = uint64_t{1} << 20;

// What a writer with these options leases for as long as a file is open: its codec's working
// state, the page being built before and after compression (each up to twice a page, as a
// string grows), and the first kRowGroupLeaseStep of the row group. Buffers that grow for a
// value larger than a page are not in it (docs/memory.md, the V term).
uint64_t fixed_memory_bytes(const FileWriterOptions& options);

class FileWriter {
 public:
  explicit FileWriter(FileWriterOptions options);
  FileWriter(const FileWriter&) = delete;  // column writers point at our settings
  FileWriter& operator=(const FileWriter&) = delete;

  // The settings to build this file's column writers with.
  const ColumnWriterSettings& column_settings() const { return settings_; }
  // Adds the next top-level column. All columns are added before the first start().
  void add_column(std::unique_ptr<ColumnWriter> column);
  // Entries for FileMetaData.key_value_metadata, written in every file.
  void set_key_value_metadata(std::vector<KeyValue> entries);

  // Begins a file written to `out`, which must outlive it.
  void start(ByteSink& out);
  // The writer of top-level column `index`, to write the current row's value to.
  ColumnWriter& column(size_t index) { return *columns_[index]; }
  size_t column_count() const { return columns_.size(); }
  // Ends the current row; may write a row group.
  void end_row();
  // Ends the current row, leaving a row group that has reached its cap to flush_if_full(),
  // called before the next row (or to finish()). A caller whose row is a buffer it frees
  // before the next row (a COPY message) so has that buffer gone while the row group is
  // compressed: a huge value is then held once less at the peak.
  void end_row_deferred();
  // Writes the row group if it has reached its cap, or has outgrown what it could lease.
  void flush_if_full();
  // Writes the last row group and the footer. start() may follow for a new file.
  void finish();

  // Of the current (or last finished) file.
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t rows_written() const { return rows_written_; }
  size_t row_groups_written() const { return row_groups_.size(); }
  // Their metadata, with each column chunk's statistics.
  const std::vector<RowGroup>& row_groups() const { return row_groups_; }

 private:
  void flush_row_group();
  // Whether the row group's buffered bytes are leased, leasing more if they have grown past
  // the lease and the budget has room now. Always true without an EncoderMemory.
  bool row_group_leased();
  void write(std::string_view bytes);

  FileWriterOptions options_;
  std::unique_ptr<compress::BlockCodec> codec_;
  uint64_t buffered_bytes_ = 0;  // the current row group's, counted by the column writers
  PageScratch scratch_;
  ColumnWriterSettings settings_;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  std::vector<PrimitiveColumnWriter*> leaves_;
  std::vector<KeyValue> key_value_metadata_;

  ByteSink* out_ = nullptr;  // set between start() and finish()
  uint64_t bytes_written_ = 0;
  uint64_t rows_written_ = 0;
  uint64_t rows_in_group_ = 0;
  std::vector<RowGroup> row_groups_;

  MemoryLease fixed_lease_;   // held from start() to finish()
  GrowthLease growth_lease_;  // the row group beyond kRowGroupLeaseStep, until it is written
};

}  // namespace pgexport::format::parquet
