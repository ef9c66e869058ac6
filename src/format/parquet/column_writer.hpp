// The tree of column writers, shaped like DuckDB's Parquet writer: a ColumnWriter per schema
// node; leaves are PrimitiveColumnWriters (pages, levels, column chunks), specialised per
// physical type by the StandardColumnWriter template and a conversion policy; a
// ListColumnWriter turns a PostgreSQL array into repetition and definition levels above one
// leaf.
//
// Values arrive in PostgreSQL's binary form, one COPY field at a time. A row group's column
// chunks are buffered (compressed, page by page) until the file writer writes them out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_sink.hpp"
#include "compress/block_codec.hpp"
#include "format/parquet/metadata.hpp"

namespace pgexport::format::parquet {

class PrimitiveColumnWriter;

// Buffers that grew past this for one huge value are released after use, so a single 1 GB
// value does not pin its memory for the rest of the file. 4 MiB is a few pages: buffers of
// ordinary pages keep their capacity and are never reallocated.
inline constexpr size_t kKeptBufferBytes = 4u << 20;

// Frees `buffer`'s memory when its capacity passed kKeptBufferBytes; the contents are kept
// only when it did not (callers release buffers they have finished with).
void release_grown_buffer(std::string& buffer);

// Buffers for building one page at a time. Shared by all columns of a file writer, so memory
// for page assembly does not grow with the number of columns.
struct PageScratch {
  std::string body;        // one page before compression
  std::string compressed;  // the same page after compression
};

// Settings shared by every column writer of one file writer.
struct ColumnWriterSettings {
  compress::BlockCodec* codec = nullptr;  // compresses every page; not owned
  CompressionCodec codec_id = CompressionCodec::uncompressed;
  // A data page is closed at the first row boundary after its buffered values and levels
  // reach this many bytes.
  uint64_t page_bytes = 1 << 20;
  // A column chunk's dictionary stops growing (the chunk falls back to PLAIN) once its
  // PLAIN-encoded entries exceed this many bytes. 0 disables dictionaries.
  uint64_t dictionary_bytes = 1 << 20;
  // The row group's running size: every writer adds the bytes it buffers. Not owned.
  uint64_t* buffered_bytes = nullptr;
  PageScratch* scratch = nullptr;  // not owned
};

class ColumnWriter {
 public:
  virtual ~ColumnWriter() = default;
  // Writes one value of this node: its PostgreSQL binary form, or nullopt for SQL NULL.
  // `repetition_level` is the level at which the value starts; 0 starts a new row.
  virtual void write(std::optional<std::string_view> value, uint8_t repetition_level) = 0;
  // Records a slot where an ancestor is NULL or an empty list, at that ancestor's
  // definition level: levels only, no value.
  virtual void write_absent(uint8_t definition_level, uint8_t repetition_level) = 0;
  // Appends this node's schema elements, depth first.
  virtual void append_schema(std::vector<SchemaElement>& schema) const = 0;
  // Appends the leaves below this node in schema order.
  virtual void collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) = 0;
};

// A leaf's place in the schema.
struct LeafSchema {
  std::vector<std::string> path;  // path_in_schema; the last part is the leaf's own name
  Repetition repetition = Repetition::optional;
  std::optional<int32_t> type_length;  // FIXED_LEN_BYTE_ARRAY width
  std::optional<ConvertedType> converted_type;
  std::optional<LogicalType> logical_type;
  std::optional<int32_t> decimal_scale;
  std::optional<int32_t> decimal_precision;
  uint8_t max_definition_level = 0;  // the level of a present value
  uint8_t max_repetition_level = 0;
};

// The page and column-chunk machinery every leaf shares; the value encoding is the subclass's.
class PrimitiveColumnWriter : public ColumnWriter {
 public:
  PrimitiveColumnWriter(PhysicalType physical, LeafSchema schema,
                        const ColumnWriterSettings& settings);

  void write_absent(uint8_t definition_level, uint8_t repetition_level) override;
  void append_schema(std::vector<SchemaElement>& schema) const override;
  void collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) override;

  // Writes the buffered column chunk (dictionary page, then data pages) to `out`, whose next
  // byte is at file offset `offset`, and resets for the next row group.
  ColumnChunk write_chunk(ByteSink& out, int64_t offset);

  const LeafSchema& schema() const { return schema_; }
  PhysicalType physical_type() const { return physical_; }

 protected:
  // Call first for every slot: at a row boundary (repetition level 0) this closes a full page,
  // so pages always start at a row.
  void start_slot(uint8_t repetition_level) {
    if (repetition_level == 0 && page_buffered_bytes_ >= settings_.page_bytes) flush_page();
  }
  // Records a NULL at this leaf (definition level one below a present value).
  void add_null(uint8_t repetition_level);
  // Records the levels of a present value.
  void add_value_levels(uint8_t repetition_level) {
    add_levels(schema_.max_definition_level, repetition_level);
  }
  // Counts bytes buffered for the current page (and so for the row group).
  void count_buffered(uint64_t bytes) {
    page_buffered_bytes_ += bytes;
    *settings_.buffered_bytes += bytes;
  }
  // Counts bytes held for the whole chunk, such as dictionary entries.
  void count_chunk_memory(uint64_t bytes) { *settings_.buffered_bytes += bytes; }
  // Closes the current data page, if it has any slots.
  void flush_page();

  // --- for the typed subclass ---
  // Moves the page's buffered values into `page` in the page's encoding and returns it.
  virtual Encoding append_page_values(std::string& page) = 0;
  // The chunk's dictionary (PLAIN-encoded entries and their count) if a data page used it;
  // resets the dictionary for the next chunk.
  virtual std::optional<std::pair<std::string, int32_t>> take_dictionary() = 0;
  // Fills min/max (and nan_count) of the chunk statistics and resets them.
  virtual void take_value_statistics(Statistics& statistics) = 0;

  const ColumnWriterSettings& settings_;

 private:
  void add_levels(uint8_t definition_level, uint8_t repetition_level);
  void append_levels(std::string& page, const std::vector<uint8_t>& levels, uint8_t max_level);
  // Compresses `body` into one page (header, then compressed body) appended to `pieces`, and
  // releases `body`'s memory if it grew for a huge value.
  void append_page(std::vector<std::string>& pieces, PageHeader header, std::string& body);

  PhysicalType physical_;
  LeafSchema schema_;
  std::vector<uint8_t> definition_levels_;  // kept only when max_definition_level > 0
  std::vector<uint8_t> repetition_levels_;  // kept only when max_repetition_level > 0
  int32_t page_slots_ = 0;
  uint64_t page_buffered_bytes_ = 0;  // values and levels of the current page

  // The current chunk: finished data pages (each a header and a compressed body, kept as
  // separate strings so a huge page is moved in, never copied), and their accounting.
  std::vector<std::string> chunk_pages_;
  int64_t chunk_slots_ = 0;
  int64_t chunk_nulls_ = 0;
  int64_t uncompressed_bytes_ = 0;
  int64_t compressed_bytes_ = 0;
  int32_t plain_pages_ = 0;
  int32_t dictionary_pages_ = 0;
};

}  // namespace pgexport::format::parquet
