// ParquetTextReader and its pieces without a database: the RLE/bit-packed decoder against the
// encoder for every width, a file written by the encoder read back as texts in pieces of every
// size, and the refusals: a file cut short, damaged pages.
#include "format/parquet/file_reader.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/byte_sink.hpp"
#include "common/error.hpp"
#include "format/parquet/footer_reader.hpp"
#include "format/parquet/parquet_format.hpp"
#include "format/parquet/rle_decoder.hpp"
#include "format/parquet/rle_encoder.hpp"

namespace pgexport::format::parquet {
namespace {

TEST(RleDecoder, ReadsWhatTheEncoderWritesForEveryWidth) {
  std::mt19937 random(7);
  for (int width = 1; width <= 32; ++width) {
    for (size_t count : {1u, 7u, 8u, 9u, 100u, 1001u}) {
      std::vector<uint32_t> values(count);
      const uint64_t limit = width == 32 ? UINT32_MAX : (uint64_t{1} << width) - 1;
      for (size_t i = 0; i < count; ++i) {
        // Runs (RLE) and noise (bit-packed) alike.
        values[i] = static_cast<uint32_t>(i % 50 < 20 ? limit : random() % (limit + 1));
      }
      std::string encoded;
      append_rle_hybrid(encoded, values, width);
      std::vector<uint32_t> decoded;
      decode_rle_hybrid(encoded, width, count, decoded);
      EXPECT_EQ(decoded, values) << "width " << width << ", " << count << " values";
      EXPECT_THROW(decode_rle_hybrid(std::string_view(encoded).substr(0, encoded.size() / 2), width,
                                     count, decoded),
                   Error);
    }
  }
}

pg::Column column(std::string name, pg::Oid oid, std::string type, bool not_null = false) {
  pg::Column c;
  c.name = std::move(name);
  c.not_null = not_null;
  c.type.oid = c.type.declared_oid = oid;
  c.type.name = c.type.base_name = std::move(type);
  return c;
}

struct TestFile {
  pg::TableSchema table;
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string bytes;
};

TestFile write_file(Compression compression) {
  TestFile file;
  file.table = {"public", "t", {}};
  file.table.columns.push_back(column("id", pg::oid::kInt8, "bigint", true));
  file.table.columns.push_back(column("note", pg::oid::kText, "text"));
  file.table.columns.push_back(column("at", pg::oid::kTimestamptz, "timestamp with time zone"));
  pg::Column tags = column("tags", 1009, "text[]");
  tags.type.kind = pg::TypeKind::array;
  tags.type.element = std::make_shared<const pg::TypeDesc>(column("", pg::oid::kText, "text").type);
  file.table.columns.push_back(tags);
  for (int i = 0; i < 2000; ++i) {
    file.rows.push_back(
        {std::to_string(i - 1000),
         i % 3 == 0 ? std::nullopt : std::optional<std::string>("n" + std::to_string(i % 7)),
         i % 5 == 0 ? "infinity" : "2026-12-01 10:00:59." + std::to_string(100000 + i) + "+00",
         i % 4 == 0   ? std::optional<std::string>()
         : i % 4 == 1 ? std::optional<std::string>("{}")
                      : std::optional<std::string>("{a,NULL,\"b c\"}")});
  }
  ParquetOptions options;
  options.compression = compression;
  options.row_group_rows = 300;
  options.page_bytes = 1000;
  ParquetFormat format(options);
  auto writer = format.make_text_row_writer(file.table);
  auto encoder = format.make_encoder(file.table);
  StringSink sink;
  encoder->start(sink);
  for (const auto& row : file.rows) {
    std::vector<std::optional<std::string_view>> values(row.begin(), row.end());
    encoder->write_row(writer->build(values));
  }
  encoder->finish();
  file.bytes = std::move(sink.data);
  return file;
}

std::string_view footer_of(std::string_view file) {
  const uint32_t length = footer_length(file);
  return file.substr(file.size() - kFooterTrailerBytes - length, length);
}

TEST(ParquetTextReader, ReadsRowsBackAsTextsInPiecesOfAnySize) {
  for (Compression compression :
       {Compression::none, Compression::zstd, Compression::snappy, Compression::gzip}) {
    const TestFile file = write_file(compression);
    for (size_t piece : {1u, 13u, 4096u, 1u << 20}) {
      ParquetTextReader reader(footer_of(file.bytes));
      ASSERT_EQ(reader.column_names(), (std::vector<std::string>{"id", "note", "at", "tags"}));
      EXPECT_EQ(reader.metadata("pgexport.table"), "public.t");
      EXPECT_GT(reader.row_groups(), 5u);
      std::vector<std::vector<std::optional<std::string>>> rows;
      RowGroupStream stream(
          reader, [&](ParquetTextReader::Row row) { rows.emplace_back(row.begin(), row.end()); });
      for (size_t at = 0; at < file.bytes.size(); at += piece) {
        stream.write(std::string_view(file.bytes).substr(at, piece));
      }
      stream.finish();
      EXPECT_EQ(rows, file.rows) << "pieces of " << piece;
    }
  }
}

TEST(ParquetTextReader, AFileCutShortOrDamagedIsADataError) {
  const TestFile file = write_file(Compression::none);
  ParquetTextReader reader(footer_of(file.bytes));
  size_t rows = 0;
  RowGroupStream cut(reader, [&](ParquetTextReader::Row) { ++rows; });
  cut.write(std::string_view(file.bytes).substr(0, file.bytes.size() / 2));
  try {
    cut.finish();
    FAIL() << "a file cut in half was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
  }
  EXPECT_LT(rows, file.rows.size());

  // Every byte of the first row group overwritten in turn: a data_error or the same rows, never
  // a crash or an exception of another kind.
  const auto [first, end] = reader.row_group_range(0);
  size_t refused = 0;
  for (uint64_t at = first; at < end; ++at) {
    std::string damaged = file.bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    ParquetTextReader again(footer_of(damaged));
    try {
      again.read_row_group(0, std::string_view(damaged).substr(first, end - first),
                           [](ParquetTextReader::Row) {});
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::data_error) << error.what();
      ++refused;
    }
  }
  EXPECT_GT(refused, 0u);
}

TEST(ParquetTextReader, AFooterThatIsNotParquetsIsADataError) {
  EXPECT_THROW(ParquetTextReader(std::string_view("\x15\x00", 2)), Error);
  EXPECT_THROW(ParquetTextReader(std::string_view()), Error);
}

}  // namespace
}  // namespace pgexport::format::parquet
