#include "format/parquet/column_chunk_reader.hpp"

#include <cstring>

#include "common/error.hpp"
#include "format/parquet/metadata_reader.hpp"
#include "format/parquet/rle_decoder.hpp"
#include "format/parquet/rle_encoder.hpp"

namespace pgexport::format::parquet {
namespace {

uint32_t read_u32_le(const char* p) {
  uint32_t value;
  std::memcpy(&value, p, 4);
  return value;
}

// Splits `count` PLAIN values of the leaf's physical type off the front of `data`.
void read_plain(std::string_view& data, const LeafShape& shape, size_t count,
                std::vector<std::string_view>& out, DecodedChunk& chunk) {
  auto take = [&](size_t size) {
    if (size > data.size()) fail(ErrorKind::data_error, "parquet: PLAIN values end early");
    std::string_view value = data.substr(0, size);
    data.remove_prefix(size);
    return value;
  };
  switch (shape.physical) {
    case PhysicalType::boolean: {
      // Bit-packed, LSB first: unpacked into one byte per value the views can point at.
      const size_t bytes = (count + 7) / 8;
      std::string_view packed = take(bytes);
      std::string& unpacked = chunk.buffers.emplace_back(count, '\0');
      for (size_t i = 0; i < count; ++i) {
        unpacked[i] = static_cast<char>((static_cast<uint8_t>(packed[i / 8]) >> (i % 8)) & 1);
      }
      for (size_t i = 0; i < count; ++i) out.push_back(std::string_view(unpacked).substr(i, 1));
      return;
    }
    case PhysicalType::int32:
    case PhysicalType::float_:
      for (size_t i = 0; i < count; ++i) out.push_back(take(4));
      return;
    case PhysicalType::int64:
    case PhysicalType::double_:
      for (size_t i = 0; i < count; ++i) out.push_back(take(8));
      return;
    case PhysicalType::byte_array:
      for (size_t i = 0; i < count; ++i) {
        const uint32_t length = read_u32_le(take(4).data());
        out.push_back(take(length));
      }
      return;
    case PhysicalType::fixed_len_byte_array:
      if (shape.type_length <= 0) {
        fail(ErrorKind::data_error, "parquet: a FIXED_LEN_BYTE_ARRAY without a length");
      }
      for (size_t i = 0; i < count; ++i)
        out.push_back(take(static_cast<size_t>(shape.type_length)));
      return;
  }
  fail(ErrorKind::data_error, "parquet: an unknown physical type");
}

// A data page V1's level run: a 4-byte little-endian length, then the hybrid encoding.
void read_levels(std::string_view& body, uint8_t max_level, size_t count,
                 std::vector<uint32_t>& levels, std::vector<uint32_t>& chunk_levels) {
  if (body.size() < 4) fail(ErrorKind::data_error, "parquet: a data page ends in its levels");
  const uint32_t length = read_u32_le(body.data());
  body.remove_prefix(4);
  if (length > body.size()) fail(ErrorKind::data_error, "parquet: levels run past their page");
  decode_rle_hybrid(body.substr(0, length), bit_width(max_level), count, levels);
  for (uint32_t level : levels) {
    if (level > max_level) {
      fail(ErrorKind::data_error, "parquet: a level {} above the maximum {}", level, max_level);
    }
  }
  chunk_levels.insert(chunk_levels.end(), levels.begin(), levels.end());
  body.remove_prefix(length);
}

}  // namespace

compress::BlockCodecKind block_codec_of(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::uncompressed:
      return compress::BlockCodecKind::uncompressed;
    case CompressionCodec::snappy:
      return compress::BlockCodecKind::snappy;
    case CompressionCodec::gzip:
      return compress::BlockCodecKind::gzip;
    case CompressionCodec::zstd:
      return compress::BlockCodecKind::zstd;
  }
  fail(ErrorKind::data_error, "parquet: a column chunk uses an unknown codec");
}

void decode_column_chunk(std::string_view bytes, const LeafShape& shape,
                         compress::BlockDecompressor& decompressor, int64_t expected_slots,
                         DecodedChunk& chunk) {
  chunk.definition_levels.clear();
  chunk.repetition_levels.clear();
  chunk.values.clear();
  chunk.buffers.clear();
  chunk.slots = 0;
  std::vector<std::string_view> dictionary;
  bool have_dictionary = false;
  std::vector<uint32_t> levels, indices;
  size_t at = 0;
  while (chunk.slots < static_cast<size_t>(expected_slots)) {
    if (at >= bytes.size()) {
      fail(ErrorKind::data_error, "parquet: a column chunk ends after {} of its {} values",
           chunk.slots, expected_slots);
    }
    thrift::CompactReader reader(bytes.substr(at));
    const PageHeader header = read_page_header(reader);
    at += reader.position();
    if (static_cast<size_t>(header.compressed_page_size) > bytes.size() - at) {
      fail(ErrorKind::data_error, "parquet: a page runs past its column chunk");
    }
    std::string& body_buffer = chunk.buffers.emplace_back();
    decompressor.decompress(bytes.substr(at, static_cast<size_t>(header.compressed_page_size)),
                            static_cast<size_t>(header.uncompressed_page_size), body_buffer);
    at += static_cast<size_t>(header.compressed_page_size);
    std::string_view body = body_buffer;

    if (header.type == PageType::dictionary_page) {
      if (have_dictionary || chunk.slots > 0) {
        fail(ErrorKind::data_error, "parquet: a dictionary page that is not the chunk's first");
      }
      if (header.dictionary_page_header->encoding != Encoding::plain &&
          header.dictionary_page_header->encoding != Encoding::plain_dictionary) {
        fail(ErrorKind::data_error, "parquet: a dictionary page that is not PLAIN");
      }
      read_plain(body, shape, static_cast<size_t>(header.dictionary_page_header->num_values),
                 dictionary, chunk);
      have_dictionary = true;
      continue;
    }
    const DataPageHeader& data = *header.data_page_header;
    if (data.num_values < 0) fail(ErrorKind::data_error, "parquet: a page of negative size");
    const size_t slots = static_cast<size_t>(data.num_values);
    size_t present = slots;
    if (shape.max_repetition_level > 0) {
      if (data.repetition_level_encoding != Encoding::rle) {
        fail(ErrorKind::data_error, "parquet: repetition levels that are not RLE");
      }
      read_levels(body, shape.max_repetition_level, slots, levels, chunk.repetition_levels);
    }
    if (shape.max_definition_level > 0) {
      if (data.definition_level_encoding != Encoding::rle) {
        fail(ErrorKind::data_error, "parquet: definition levels that are not RLE");
      }
      read_levels(body, shape.max_definition_level, slots, levels, chunk.definition_levels);
      present = 0;
      for (uint32_t level : levels) present += level == shape.max_definition_level;
    }
    if (data.encoding == Encoding::plain) {
      read_plain(body, shape, present, chunk.values, chunk);
    } else if (data.encoding == Encoding::rle_dictionary ||
               data.encoding == Encoding::plain_dictionary) {
      if (!have_dictionary) {
        fail(ErrorKind::data_error, "parquet: a dictionary-encoded page without a dictionary");
      }
      if (present > 0) {
        if (body.empty()) fail(ErrorKind::data_error, "parquet: a page lacks its index width");
        const int width = static_cast<uint8_t>(body[0]);
        decode_rle_hybrid(body.substr(1), width, present, indices);
        for (uint32_t index : indices) {
          if (index >= dictionary.size()) {
            fail(ErrorKind::data_error, "parquet: a dictionary index {} beyond its {} entries",
                 index, dictionary.size());
          }
          chunk.values.push_back(dictionary[index]);
        }
      }
    } else {
      fail(ErrorKind::data_error, "parquet: a data page whose values are RLE-encoded");
    }
    chunk.slots += slots;
  }
  if (chunk.slots != static_cast<size_t>(expected_slots) || at != bytes.size()) {
    fail(ErrorKind::data_error,
         "parquet: a column chunk holds {} values and {} more bytes where its metadata says {}",
         chunk.slots, bytes.size() - at, expected_slots);
  }
}

}  // namespace pgexport::format::parquet
