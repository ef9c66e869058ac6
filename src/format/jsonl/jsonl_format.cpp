#include "format/jsonl/jsonl_format.hpp"

#include <vector>

#include "common/error.hpp"
#include "format/copy_text.hpp"
#include "format/copy_text_row_writer.hpp"
#include "format/jsonl/json_text.hpp"
#include "format/jsonl/value_renderer.hpp"

namespace pgexport::format {

namespace {

// Bytes of encoded lines collected before they go to the sink in one write. Large enough that
// the virtual write and the compressor's per-call overhead are paid rarely (zstd and deflate
// both work on blocks of this order), small enough to stay in the L2 cache while the next
// stage reads it. A single longer line is written whole; the buffer keeps that capacity.
constexpr size_t kFlushBytes = 64 * 1024;
// A text or bytea value longer than this is rendered in slices of about kFlushBytes, each
// written out before the next, so a 1 GB value never has a second copy in the line buffer.
constexpr size_t kSlicedValueBytes = 1u << 20;
// A line buffer that grew past this for a huge value of another type is given back after the
// line is written.
constexpr size_t kKeptBufferBytes = 4u << 20;
// Hex digits per bytea slice: a multiple of 6 (three bytes, four base64 characters), so every
// slice but the last encodes without padding and the slices join into one base64 text.
constexpr size_t kHexSliceDigits = kFlushBytes / 6 * 6;

struct ColumnOutput {
  std::string key;  // "name": with the name JSON-escaped
  jsonl::ValuePlan plan;
  bool omit_when_null = false;  // json/jsonb: a SQL NULL leaves the key out (see docs/jsonl.md)
};

class JsonlEncoder final : public Encoder {
 public:
  explicit JsonlEncoder(const pg::TableSchema& table) : table_name_(table.display_name()) {
    columns_.reserve(table.columns.size());
    for (const pg::Column& column : table.columns) {
      ColumnOutput output;
      jsonl::append_json_string(output.key, column.name);
      output.key.push_back(':');
      output.plan = jsonl::plan_value(column.type);
      output.omit_when_null = output.plan.rendering == jsonl::Rendering::json;
      column_names_.push_back(column.name);
      columns_.push_back(std::move(output));
    }
    buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  }

  void start(ByteSink& out) override {
    out_ = &out;
    buffer_.clear();
    row_number_ = 0;
  }

  void write_row(std::string_view wire_row) override {
    if (out_ == nullptr) fail(ErrorKind::internal, "JSON Lines encoder: write_row before start");
    ++row_number_;
    const size_t row_start = buffer_.size();
    row_sliced_ = false;
    buffer_.push_back('{');
    try {
      if (!columns_.empty()) encode_fields(wire_row);
    } catch (...) {
      // Never leave half a line behind in the buffer. A row that had a huge value sliced out
      // has already sent part of its line: its file is then incomplete, and the error that
      // follows aborts it, as every failed task's file is.
      buffer_.resize(row_sliced_ ? 0 : row_start);
      throw;
    }
    buffer_.append("}\n");
    if (buffer_.size() >= kFlushBytes) flush();
  }

  void finish() override {
    if (out_ == nullptr) return;
    flush();
    out_ = nullptr;
  }

 private:
  void encode_fields(std::string_view wire_row) {
    std::span<const CopyTextField> fields = parser_.parse(wire_row);
    if (fields.size() != columns_.size()) {
      fail(ErrorKind::data_error,
           "table {}: COPY row {} has {} fields but the table has {} columns; did the table "
           "change during the export?",
           table_name_, row_number_, fields.size(), columns_.size());
    }
    bool first = true;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const ColumnOutput& column = columns_[i];
      const CopyTextField& field = fields[i];
      if (field.is_null && column.omit_when_null) continue;
      if (!first) buffer_.push_back(',');
      first = false;
      buffer_.append(column.key);
      if (field.is_null) {
        buffer_.append("null");
        continue;
      }
      try {
        if (field.value.size() > kSlicedValueBytes && write_sliced(column.plan, field.value)) {
          continue;
        }
        renderer_.render(column.plan, field.value, buffer_);
      } catch (const Error& error) {
        fail(error.kind(), "table {}, column \"{}\", row {}: {}", table_name_, column_names_[i],
             row_number_, error.what());
      }
    }
  }

  // Writes a huge text or bytea value in slices straight through the line buffer; false
  // (nothing written) for a rendering that is not sliced. The value is checked before its
  // first slice goes out, so a malformed one still leaves no partial line.
  bool write_sliced(const jsonl::ValuePlan& plan, std::string_view value) {
    const jsonl::Rendering rendering = plan.rendering;
    if (rendering == jsonl::Rendering::bytea) {
      if (!value.starts_with("\\x") || !jsonl::is_hex_bytes(value.substr(2))) return false;
      value.remove_prefix(2);
      buffer_.push_back('"');
      for (size_t at = 0; at < value.size(); at += kHexSliceDigits) {
        jsonl::append_base64_from_hex(buffer_, value.substr(at, kHexSliceDigits));
        row_sliced_ = true;
        flush();
      }
      buffer_.push_back('"');
      return true;
    }
    if (rendering != jsonl::Rendering::text && rendering != jsonl::Rendering::json_text) {
      return false;
    }
    buffer_.push_back('"');
    for (size_t at = 0; at < value.size(); at += kFlushBytes) {
      jsonl::append_json_string_content(buffer_, value.substr(at, kFlushBytes));
      row_sliced_ = true;
      flush();
    }
    buffer_.push_back('"');
    return true;
  }

  void flush() {
    if (buffer_.empty()) return;
    out_->write(buffer_);
    buffer_.clear();
    if (buffer_.capacity() > kKeptBufferBytes) {
      std::string().swap(buffer_);
      buffer_.reserve(kFlushBytes + kFlushBytes / 4);
    }
  }

  std::string table_name_;
  std::vector<ColumnOutput> columns_;
  std::vector<std::string> column_names_;
  CopyTextParser parser_;
  jsonl::ValueRenderer renderer_;
  std::string buffer_;
  ByteSink* out_ = nullptr;
  uint64_t row_number_ = 0;  // within the current file, for error messages
  bool row_sliced_ = false;  // part of the current row's line is already written
};

}  // namespace

CopySpec JsonlFormat::copy_spec(const pg::TableSchema& table) const {
  CopySpec spec;
  spec.wire = WireFormat::text;
  spec.select_list.reserve(table.columns.size());
  for (const pg::Column& column : table.columns) {
    spec.select_list.push_back(pg::quote_identifier(column.name));
  }
  return spec;
}

std::unique_ptr<TextRowWriter> JsonlFormat::make_text_row_writer(const pg::TableSchema&) const {
  return std::make_unique<CopyTextRowWriter>(WireFormat::text);
}

std::unique_ptr<Encoder> JsonlFormat::make_encoder(const pg::TableSchema& table) const {
  return std::make_unique<JsonlEncoder>(table);
}

nlohmann::json JsonlFormat::describe_column(const pg::Column& column) const {
  return jsonl::describe_value(jsonl::plan_value(column.type));
}

}  // namespace pgexport::format
