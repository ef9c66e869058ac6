#include "format/parquet/column_writer.hpp"

#include <cstring>

#include "common/error.hpp"
#include "format/parquet/rle_encoder.hpp"

namespace pgexport::format::parquet {
namespace {

int32_t page_size(size_t bytes) {
  // Page sizes are i32 in the page header. PostgreSQL values are at most 1 GiB, so only a
  // bug could get here.
  if (bytes > INT32_MAX)
    fail(ErrorKind::internal, "a Parquet page of {} bytes is too large", bytes);
  return static_cast<int32_t>(bytes);
}

}  // namespace

void release_grown_buffer(std::string& buffer) {
  if (buffer.capacity() > kKeptBufferBytes) std::string().swap(buffer);
}

PrimitiveColumnWriter::PrimitiveColumnWriter(PhysicalType physical, LeafSchema schema,
                                             const ColumnWriterSettings& settings)
    : settings_(settings), physical_(physical), schema_(std::move(schema)) {}

void PrimitiveColumnWriter::write_absent(uint8_t definition_level, uint8_t repetition_level) {
  start_slot(repetition_level);
  add_levels(definition_level, repetition_level);
  ++chunk_nulls_;
}

void PrimitiveColumnWriter::add_null(uint8_t repetition_level) {
  if (schema_.repetition == Repetition::required) {
    fail(ErrorKind::data_error,
         "a NULL arrived for a column the catalog declares NOT NULL; the table changed during "
         "the export");
  }
  add_levels(schema_.max_definition_level - 1, repetition_level);
  ++chunk_nulls_;
}

void PrimitiveColumnWriter::add_levels(uint8_t definition_level, uint8_t repetition_level) {
  if (schema_.max_definition_level > 0) definition_levels_.push_back(definition_level);
  if (schema_.max_repetition_level > 0) repetition_levels_.push_back(repetition_level);
  count_buffered((schema_.max_definition_level > 0) + (schema_.max_repetition_level > 0));
  ++page_slots_;
}

void PrimitiveColumnWriter::append_levels(std::string& page, const std::vector<uint8_t>& levels,
                                          uint8_t max_level) {
  // Data page V1 prefixes each level run with its byte length, 4 bytes little endian.
  size_t length_at = page.size();
  page.append(4, '\0');
  append_rle_hybrid(page, levels, bit_width(max_level));
  uint32_t length = static_cast<uint32_t>(page.size() - length_at - 4);
  std::memcpy(page.data() + length_at, &length, 4);
}

void PrimitiveColumnWriter::append_page(std::vector<std::string>& pieces, PageHeader header,
                                        std::string& body) {
  std::string& compressed = settings_.scratch->compressed;
  settings_.codec->compress(body, compressed);
  header.uncompressed_page_size = page_size(body.size());
  header.compressed_page_size = page_size(compressed.size());
  const size_t body_bytes = body.size();
  // The page body is not needed once compressed: a huge value's page is then held once.
  release_grown_buffer(body);
  std::string header_bytes;
  serialize(header, header_bytes);
  uncompressed_bytes_ += static_cast<int64_t>(header_bytes.size() + body_bytes);
  compressed_bytes_ += static_cast<int64_t>(header_bytes.size() + compressed.size());
  pieces.push_back(std::move(header_bytes));
  if (compressed.capacity() > kKeptBufferBytes) {
    // A huge page moves into the chunk instead of being copied next to itself.
    pieces.push_back(std::move(compressed));
    compressed = std::string();
  } else {
    pieces.push_back(compressed);
  }
}

void PrimitiveColumnWriter::flush_page() {
  if (page_slots_ == 0) return;
  std::string& body = settings_.scratch->body;
  body.clear();
  if (schema_.max_repetition_level > 0) {
    append_levels(body, repetition_levels_, schema_.max_repetition_level);
  }
  if (schema_.max_definition_level > 0) {
    append_levels(body, definition_levels_, schema_.max_definition_level);
  }
  Encoding encoding = append_page_values(body);
  PageHeader header;
  header.type = PageType::data_page;
  header.data_page_header = DataPageHeader{.num_values = page_slots_, .encoding = encoding};
  append_page(chunk_pages_, header, body);
  (encoding == Encoding::rle_dictionary ? dictionary_pages_ : plain_pages_) += 1;
  chunk_slots_ += page_slots_;
  page_slots_ = 0;
  page_buffered_bytes_ = 0;
  definition_levels_.clear();
  repetition_levels_.clear();
  release_grown_buffer(body);
}

ColumnChunk PrimitiveColumnWriter::write_chunk(ByteSink& out, int64_t offset) {
  flush_page();
  ColumnChunk chunk;
  ColumnMetaData& meta = chunk.meta_data;
  meta.type = physical_;
  meta.path_in_schema = schema_.path;
  meta.codec = settings_.codec_id;
  meta.num_values = chunk_slots_;

  int64_t position = offset;
  auto dictionary = take_dictionary();
  if (dictionary && dictionary_pages_ > 0) {
    std::vector<std::string> page;
    PageHeader header;
    header.type = PageType::dictionary_page;
    header.dictionary_page_header = DictionaryPageHeader{.num_values = dictionary->second};
    append_page(page, header, dictionary->first);
    meta.dictionary_page_offset = position;
    for (const std::string& piece : page) {
      out.write(piece);
      position += static_cast<int64_t>(piece.size());
    }
    meta.encoding_stats.push_back({PageType::dictionary_page, Encoding::plain, 1});
  }
  meta.data_page_offset = position;
  for (const std::string& piece : chunk_pages_) out.write(piece);

  if (meta.dictionary_page_offset || plain_pages_ > 0) meta.encodings.push_back(Encoding::plain);
  if (schema_.max_definition_level > 0 || schema_.max_repetition_level > 0) {
    meta.encodings.push_back(Encoding::rle);
  }
  if (dictionary_pages_ > 0) {
    meta.encodings.push_back(Encoding::rle_dictionary);
    meta.encoding_stats.push_back(
        {PageType::data_page, Encoding::rle_dictionary, dictionary_pages_});
  }
  if (plain_pages_ > 0) {
    meta.encoding_stats.push_back({PageType::data_page, Encoding::plain, plain_pages_});
  }
  meta.total_uncompressed_size = uncompressed_bytes_;
  meta.total_compressed_size = compressed_bytes_;
  Statistics statistics;
  statistics.null_count = chunk_nulls_;
  take_value_statistics(statistics);
  meta.statistics = std::move(statistics);

  std::vector<std::string>().swap(chunk_pages_);  // the budget is per row group: give it back
  chunk_slots_ = chunk_nulls_ = uncompressed_bytes_ = compressed_bytes_ = 0;
  plain_pages_ = dictionary_pages_ = 0;
  return chunk;
}

void PrimitiveColumnWriter::append_schema(std::vector<SchemaElement>& schema) const {
  SchemaElement element;
  element.type = physical_;
  element.type_length = schema_.type_length;
  element.repetition = schema_.repetition;
  element.name = schema_.path.back();
  element.converted_type = schema_.converted_type;
  element.scale = schema_.decimal_scale;
  element.precision = schema_.decimal_precision;
  element.logical_type = schema_.logical_type;
  schema.push_back(std::move(element));
}

void PrimitiveColumnWriter::collect_leaves(std::vector<PrimitiveColumnWriter*>& leaves) {
  leaves.push_back(this);
}

}  // namespace pgexport::format::parquet
