#include "format/csv/csv_format.hpp"

#include "format/copy_text_row_writer.hpp"

namespace pgexport::format {

namespace {

class CsvEncoder final : public Encoder {
 public:
  explicit CsvEncoder(std::string header) : header_(std::move(header)) {}

  // Every file starts with the header row (when the dialect has one), so each part file is
  // readable on its own.
  void start(ByteSink& out) override {
    out_ = &out;
    if (!header_.empty()) out_->write(header_);
  }
  void write_row(std::string_view wire_row) override { out_->write(wire_row); }
  void finish() override { out_ = nullptr; }

 private:
  std::string header_;
  ByteSink* out_ = nullptr;
};

}  // namespace

std::string csv_quote(std::string_view field) {
  bool needs_quotes =
      field.empty() || field.find_first_of(",\"\r\n") != std::string_view::npos || field == "\\.";
  if (!needs_quotes) return std::string(field);
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::vector<std::string> plain_select_list(const pg::TableSchema& table) {
  std::vector<std::string> list;
  for (const auto& column : table.columns) list.push_back(pg::quote_identifier(column.name));
  return list;
}

CopySpec CsvFormat::copy_spec(const pg::TableSchema& table) const {
  return CopySpec{WireFormat::csv, plain_select_list(table)};
}

std::unique_ptr<TextRowWriter> CsvFormat::make_text_row_writer(const pg::TableSchema&) const {
  return std::make_unique<CopyTextRowWriter>(WireFormat::csv);
}

std::unique_ptr<Encoder> CsvFormat::make_encoder(const pg::TableSchema& table) const {
  std::string header;
  if (!dialect_.header) return std::make_unique<CsvEncoder>(std::move(header));
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i > 0) header += ',';
    header += csv_quote(table.columns[i].name);
  }
  header += '\n';
  return std::make_unique<CsvEncoder>(std::move(header));
}

CsvDialect csv_dialect_of(const nlohmann::json& format_options) {
  if (format_options.is_object() && format_options.value("dialect", "") == "dms") {
    return CsvDialect::dms();
  }
  return CsvDialect::postgresql();
}

nlohmann::json CsvFormat::describe_options() const {
  if (dialect_.name == CsvDialect::postgresql().name) return nullptr;
  return {{"dialect", dialect_.name}, {"header", dialect_.header}};
}

nlohmann::json CsvFormat::describe_column(const pg::Column& column) const {
  // Every value is PostgreSQL's own text output under the export session's settings.
  return {{"encoding", "pg_text"}};
}

}  // namespace pgexport::format
