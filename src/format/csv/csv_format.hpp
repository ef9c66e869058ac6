// CSV exactly as PostgreSQL writes it (COPY ... (FORMAT csv)): comma-separated, '"' quoting,
// NULL as an unquoted empty field and the empty string as "". Rows pass through untouched, so
// `COPY ... FROM ... (FORMAT csv, HEADER)` loads them back into identical values.
#pragma once

#include "format/format.hpp"

namespace pgexport::format {

// What varies between the CSV files pgexport writes. Delimiter ',', quote '"', row delimiter
// "\n" and NULL as an unquoted empty field are the same in every dialect: they are both
// PostgreSQL's CSV and AWS DMS's S3 defaults (CsvDelimiter, CsvRowDelimiter, Rfc4180,
// CsvNullValue), so one writer serves both.
struct CsvDialect {
  // A header row of column names at the top of every file (DMS: AddColumnName, default false).
  bool header = true;
  // The name the manifest records ("format_options.dialect"), so readers of the run (verify,
  // change capture) know whether files start with a header.
  std::string name = "postgresql";

  static CsvDialect postgresql() { return {}; }
  // AWS DMS's S3 target defaults: no header row.
  static CsvDialect dms() { return {false, "dms"}; }
};

// The dialect a manifest's "format_options" names: PostgreSQL's (with a header) when absent.
CsvDialect csv_dialect_of(const nlohmann::json& format_options);

class CsvFormat final : public Format {
 public:
  explicit CsvFormat(CsvDialect dialect = CsvDialect::postgresql())
      : dialect_(std::move(dialect)) {}
  const CsvDialect& dialect() const { return dialect_; }
  std::string extension() const override { return "csv"; }
  CopySpec copy_spec(const pg::TableSchema& table) const override;
  std::unique_ptr<Encoder> make_encoder(const pg::TableSchema& table) const override;
  std::unique_ptr<TextRowWriter> make_text_row_writer(const pg::TableSchema& table) const override;
  nlohmann::json describe_column(const pg::Column& column) const override;
  // Null for PostgreSQL's dialect, so manifests of default exports stay as they were.
  nlohmann::json describe_options() const override;

 private:
  CsvDialect dialect_;
};

// One CSV field, quoted the way PostgreSQL quotes: only when needed.
std::string csv_quote(std::string_view field);

// The select list that reads every column unchanged.
std::vector<std::string> plain_select_list(const pg::TableSchema& table);

}  // namespace pgexport::format
