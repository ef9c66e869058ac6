// JSON Lines output: one JSON object per row, one row per line, keys in column order.
// Rows arrive as COPY TEXT (PostgreSQL's own text rendering of each value), and each value is
// rendered as described in value_renderer.hpp and docs/jsonl.md.
#pragma once

#include <memory>
#include <string>

#include "format/format.hpp"

namespace pgexport::format {

class JsonlFormat final : public Format {
 public:
  std::string extension() const override { return "jsonl"; }
  // WireFormat::text with every column selected as it is: PostgreSQL's text output is the
  // exact form this format starts from.
  CopySpec copy_spec(const pg::TableSchema& table) const override;
  std::unique_ptr<Encoder> make_encoder(const pg::TableSchema& table) const override;
  std::unique_ptr<TextRowWriter> make_text_row_writer(const pg::TableSchema& table) const override;
  nlohmann::json describe_column(const pg::Column& column) const override;
};

}  // namespace pgexport::format
