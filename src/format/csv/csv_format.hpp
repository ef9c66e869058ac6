// CSV exactly as PostgreSQL writes it (COPY ... (FORMAT csv)): comma-separated, '"' quoting,
// NULL as an unquoted empty field and the empty string as "". Rows pass through untouched, so
// `COPY ... FROM ... (FORMAT csv, HEADER)` loads them back into identical values.
#pragma once

#include "format/format.hpp"

namespace pgexport::format {

class CsvFormat final : public Format {
 public:
  std::string extension() const override { return "csv"; }
  CopySpec copy_spec(const pg::TableSchema& table) const override;
  std::unique_ptr<Encoder> make_encoder(const pg::TableSchema& table) const override;
  std::unique_ptr<TextRowWriter> make_text_row_writer(const pg::TableSchema& table) const override;
  nlohmann::json describe_column(const pg::Column& column) const override;
};

// One CSV field, quoted the way PostgreSQL quotes: only when needed.
std::string csv_quote(std::string_view field);

// The select list that reads every column unchanged.
std::vector<std::string> plain_select_list(const pg::TableSchema& table);

}  // namespace pgexport::format
