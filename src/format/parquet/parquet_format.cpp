#include "format/parquet/parquet_format.hpp"

#include "format/parquet/file_statistics.hpp"

#include "common/error.hpp"
#include "format/parquet/pg_binary.hpp"
#include "format/parquet/text_to_binary.hpp"

namespace pgexport::format::parquet {
namespace {

constexpr std::string_view kColumnsKey = "pgexport.columns";
constexpr std::string_view kTableKey = "pgexport.table";
constexpr std::string_view kVersionKey = "pgexport.version";
// The reader profile, so a file found on its own tells which engines it was written for.
constexpr std::string_view kProfileKey = "pgexport.parquet_profile";

// A Parquet schema without a leaf column is valid, but DuckDB refuses such a file ("Need at least
// one non-root column"). A table without columns is written with this one column instead, NULL in
// every row, so every reader sees its rows; pgexport.columns (and the manifest) list no column.
pg::Column no_columns_placeholder() {
  pg::Column column;
  column.name = std::string(kNoColumnsPlaceholder);
  column.type.oid = column.type.declared_oid = pg::oid::kBool;
  column.type.name = column.type.base_name = "boolean";
  return column;
}

MappingOptions mapping_options(const ParquetOptions& options) {
  return {.profile = options.profile,
          .numeric_as_text = options.numeric_as_text,
          .arrays_as_text = options.arrays_as_text,
          .timestamps_as_text = options.timestamps_as_text};
}

FileWriterOptions file_writer_options(const ParquetOptions& options) {
  return {.codec = block_codec_kind(options.compression),
          .compression_level = options.compression_level,
          .row_group_rows = options.row_group_rows,
          .row_group_bytes = options.row_group_bytes,
          .page_bytes = options.page_bytes,
          .dictionary_bytes = options.dictionary_bytes,
          .memory = options.memory};
}

// The column's representation, and when it fell back to text, why (the manifest and the
// file's metadata say the same).
nlohmann::json describe_column_output(const pg::Column& column, const MappingOptions& mapping) {
  nlohmann::json description = describe_plan(plan_column(column, mapping));
  if (!column.text_fallback.empty()) description["fallback"] = column.text_fallback;
  return description;
}

// pgexport.columns: for each column its name, PostgreSQL type and Parquet representation, so a
// reader can restore the exact PostgreSQL type (a "string" column may be an interval).
std::string columns_metadata(const pg::TableSchema& table, const MappingOptions& mapping) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& column : table.columns) {
    nlohmann::json entry = {{"name", column.name}, {"postgres_type", column.type.name}};
    if (column.type.base_name != column.type.name && !column.type.base_name.empty()) {
      entry["postgres_base_type"] = column.type.base_name;  // a domain's underlying type
    }
    entry["not_null"] = column.not_null;
    entry["parquet"] = describe_column_output(column, mapping);
    columns.push_back(std::move(entry));
  }
  return columns.dump();
}

constexpr std::string_view kProfile = "profile";
constexpr std::string_view kNumericAsText = "numeric_as_text";
constexpr std::string_view kArraysAsText = "arrays_as_text";
constexpr std::string_view kTimestampsAsText = "timestamps_as_text";

}  // namespace

std::optional<MappingOptions> mapping_from_description(const nlohmann::json& description) {
  if (!description.is_object()) return std::nullopt;
  auto flag = [&](std::string_view name) -> std::optional<bool> {
    auto found = description.find(name);
    if (found == description.end() || !found->is_boolean()) return std::nullopt;
    return found->get<bool>();
  };
  auto numeric = flag(kNumericAsText), arrays = flag(kArraysAsText),
       timestamps = flag(kTimestampsAsText);
  if (!numeric || !arrays || !timestamps) return std::nullopt;
  // Files written before profiles existed have the mapping the exact profile keeps.
  ParquetProfile profile = ParquetProfile::exact;
  if (auto found = description.find(kProfile); found != description.end()) {
    auto named = found->is_string() ? parse_profile(found->get<std::string>()) : std::nullopt;
    if (!named) return std::nullopt;
    profile = *named;
  }
  return MappingOptions{.profile = profile,
                        .numeric_as_text = *numeric,
                        .arrays_as_text = *arrays,
                        .timestamps_as_text = *timestamps};
}

uint64_t writer_fixed_memory_bytes(const ParquetOptions& options) {
  return fixed_memory_bytes(file_writer_options(options));
}

compress::BlockCodecKind block_codec_kind(Compression compression) {
  switch (compression) {
    case Compression::none:
      return compress::BlockCodecKind::uncompressed;
    case Compression::zstd:
      return compress::BlockCodecKind::zstd;
    case Compression::gzip:
      return compress::BlockCodecKind::gzip;
    case Compression::snappy:
      return compress::BlockCodecKind::snappy;
  }
  fail(ErrorKind::internal, "unknown compression");
}

ParquetFormat::ParquetFormat(ParquetOptions options) : options_(std::move(options)) {
  // Fail at configuration time, not in the first worker: build a codec and a writer once.
  FileWriter check(file_writer_options(options_));
  for (const auto& [key, value] : options_.metadata) {
    if (key.starts_with(kColumnsKey) || key == kTableKey || key == kVersionKey ||
        key == kProfileKey) {
      fail(ErrorKind::usage, "Parquet metadata key \"{}\" is reserved for pgexport", key);
    }
  }
}

MappingOptions ParquetFormat::mapping() const {
  return mapping_options(options_);
}

CopySpec ParquetFormat::copy_spec(const pg::TableSchema& table) const {
  CopySpec spec;
  spec.wire = WireFormat::binary;
  for (const auto& column : table.columns) {
    spec.select_list.push_back(plan_column(column, mapping()).select_expression);
  }
  return spec;
}

std::unique_ptr<Encoder> ParquetFormat::make_encoder(const pg::TableSchema& table) const {
  return std::make_unique<ParquetEncoder>(table, options_);
}

nlohmann::json ParquetFormat::describe_options() const {
  return {{kProfile, profile_name(options_.profile)},
          {kNumericAsText, options_.numeric_as_text},
          {kArraysAsText, options_.arrays_as_text},
          {kTimestampsAsText, options_.timestamps_as_text}};
}

std::unique_ptr<TextRowWriter> ParquetFormat::make_text_row_writer(
    const pg::TableSchema& table) const {
  return std::make_unique<BinaryTextRowWriter>(table, mapping());
}

nlohmann::json ParquetFormat::describe_column(const pg::Column& column) const {
  return describe_column_output(column, mapping());
}

ParquetEncoder::ParquetEncoder(const pg::TableSchema& table, const ParquetOptions& options)
    : table_(table), mapping_(mapping_options(options)), writer_(file_writer_options(options)) {
  const MappingOptions& mapping = mapping_;
  for (const auto& column : table_.columns) {
    writer_.add_column(
        make_column_writer(column, plan_column(column, mapping), writer_.column_settings()));
  }
  if (table_.columns.empty()) {
    const pg::Column placeholder = no_columns_placeholder();
    writer_.add_column(make_column_writer(placeholder, plan_column(placeholder, mapping),
                                          writer_.column_settings()));
  }
  std::vector<KeyValue> metadata = {
      {std::string(kTableKey), table_.display_name()},
      {std::string(kVersionKey), PGEXPORT_VERSION},
      {std::string(kProfileKey), std::string(profile_name(options.profile))},
      {std::string(kColumnsKey), columns_metadata(table_, mapping)},
  };
  for (const auto& [key, value] : options.metadata) metadata.push_back({key, value});
  writer_.set_key_value_metadata(std::move(metadata));
}

void ParquetEncoder::start(ByteSink& out) {
  writer_.start(out);
}

void ParquetEncoder::write_row(std::string_view wire_row) {
  // The row group the previous row filled is written now, not at its end: that row's COPY
  // message is freed by the time this one arrives, so a huge value is compressed while only
  // libpq's input buffer and the page hold it (docs/memory.md).
  writer_.flush_if_full();
  const size_t count = table_.columns.size();
  size_t column = 0;
  try {
    pg_binary::TupleReader fields(wire_row, count);
    for (; column < count; ++column) writer_.column(column).write(fields.next(), 0);
    fields.expect_end();
    if (count == 0) writer_.column(0).write(std::nullopt, 0);  // the placeholder
  } catch (const UnrepresentableValue& error) {
    const pg::Column& failed = table_.columns.at(column);
    throw UnrepresentableValue(
        fmt::format("table {}, column {} ({}), row {} of this file: {}", table_.display_name(),
                    failed.name, failed.type.name, writer_.rows_written() + 1, error.what()),
        error.reason(), column);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::data_error) throw;
    const uint64_t row = writer_.rows_written() + 1;
    if (column < count) {
      const pg::Column& failed = table_.columns[column];
      fail(ErrorKind::data_error, "table {}, column {} ({}), row {} of this file: {}",
           table_.display_name(), failed.name, failed.type.name, row, error.what());
    }
    fail(ErrorKind::data_error, "table {}, row {} of this file: {}", table_.display_name(), row,
         error.what());
  }
  writer_.end_row_deferred();
}

void ParquetEncoder::finish() {
  writer_.finish();
}

std::vector<ColumnStatistics> ParquetEncoder::file_statistics() const {
  return summarize_statistics(table_, mapping_, writer_.row_groups());
}

}  // namespace pgexport::format::parquet
