// The encoder seam. A Format decides how rows must arrive from PostgreSQL (the COPY wire
// format and one SELECT expression per column) and makes an Encoder per output file stream.
// An Encoder turns COPY rows into file bytes; it never knows where the bytes go.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_sink.hpp"
#include "common/error.hpp"
#include "pg/types.hpp"

namespace pgexport::format {

// A value that the column's typed representation cannot hold exactly (a numeric NaN in a
// DECIMAL, a timestamp past what INT64 microseconds reach, a two-dimensional array in a LIST).
// It is a data_error, so where nothing handles it the job ends with exit 12 and what() says
// which switch keeps such values; the export catches it instead and writes the column as
// PostgreSQL's text (pg::Column::text_fallback), unless --strict-types is given.
class UnrepresentableValue : public Error {
 public:
  // `reason` is the short form for the manifest, such as "value 'NaN' has no decimal(10,2)
  // form"; `column` the index of the column in its table, once the encoder knows it.
  UnrepresentableValue(std::string message, std::string reason,
                       std::optional<size_t> column = std::nullopt)
      : Error(ErrorKind::data_error, std::move(message)),
        reason_(std::move(reason)),
        column_(column) {}

  const std::string& reason() const { return reason_; }
  std::optional<size_t> column() const { return column_; }

 private:
  std::string reason_;
  std::optional<size_t> column_;
};

// COPY ... TO STDOUT wire formats. Each CopyData message the server sends holds one row.
enum class WireFormat { text, csv, binary };

struct CopySpec {
  WireFormat wire = WireFormat::text;
  // One SELECT expression per column, in column order, already quoted; for example
  // "\"id\"" or "\"during\"::pg_catalog.text". The row source wraps them in COPY (SELECT ...).
  std::vector<std::string> select_list;
};

// Whole-file compression applied outside the encoder, and codec choice inside it.
enum class Compression { none, zstd, gzip, snappy };

// Bounds and null count of one top-level column over a finished file, for table formats that
// record them (Delta's per-file statistics). `min` and `max` are JSON values (a number, or a
// string such as "2024-05-01" for a date), null when the format keeps no exact bound for the
// column's type; `null_count` is absent when it is not known.
struct ColumnStatistics {
  std::string column;
  std::optional<uint64_t> null_count;
  nlohmann::json min;
  nlohmann::json max;
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Begins a new output file written to `out` (which outlives the file).
  virtual void start(ByteSink& out) = 0;
  // One row exactly as one COPY message carries it, in the CopySpec's wire format.
  virtual void write_row(std::string_view wire_row) = 0;
  // Writes out what earlier rows filled and the encoder still holds (a Parquet row group at its
  // cap). write_row() does so itself before its row; a caller that decides on file sizes calls
  // it first, at a point where it holds no row, so the size it checks includes those bytes.
  virtual void write_filled() {}
  // Completes the current file (footer, buffered rows). start() may follow for a new file.
  virtual void finish() = 0;
  // Statistics of the last finished file, one entry per top-level column the format keeps
  // statistics for; empty when it keeps none.
  virtual std::vector<ColumnStatistics> file_statistics() const { return {}; }
};

// Builds rows in a format's wire form from PostgreSQL's text output of each value, for rows that
// do not come from COPY (the logical replication stream of change data capture, materialize),
// so every format keeps the one encoder its COPY rows go through.
class TextRowWriter {
 public:
  virtual ~TextRowWriter() = default;
  // One row: a value per column of the writer's table (nullopt: NULL), each exactly as the
  // type's output function prints it under the export session's settings. Returns the wire row,
  // valid until the next call. Throws data_error naming the column (never the value) for a text
  // the column's type does not print.
  virtual std::string_view build(std::span<const std::optional<std::string_view>> values) = 0;
};

class Format {
 public:
  virtual ~Format() = default;
  // File name ending without compression suffix: "csv", "jsonl", "parquet".
  virtual std::string extension() const = 0;
  // True when the format compresses inside the file (Parquet pages), so no outer codec applies.
  virtual bool compresses_internally() const { return false; }
  virtual CopySpec copy_spec(const pg::TableSchema& table) const = 0;
  virtual std::unique_ptr<Encoder> make_encoder(const pg::TableSchema& table) const = 0;
  // Rows of `table` from PostgreSQL texts, in the wire form of copy_spec(table).
  virtual std::unique_ptr<TextRowWriter> make_text_row_writer(
      const pg::TableSchema& table) const = 0;
  // How each column is represented in the output, for the manifest ("string", "int64", ...).
  virtual nlohmann::json describe_column(const pg::Column& column) const = 0;
  // The options that decide how values are represented, for the manifest's "format_options",
  // so that files added later (change data capture) follow the same rules; null when the format
  // has none.
  virtual nlohmann::json describe_options() const { return nullptr; }
};

}  // namespace pgexport::format
