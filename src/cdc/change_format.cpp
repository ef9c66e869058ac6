#include "cdc/change_format.hpp"

#include "common/error.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::cdc {

namespace {

format::parquet::ParquetOptions parquet_options(const BaseRun& base,
                                                const ChangeFormatSettings& settings) {
  format::parquet::ParquetOptions options;
  if (base.compression == "zstd") {
    options.compression = format::Compression::zstd;
  } else if (base.compression == "gzip") {
    options.compression = format::Compression::gzip;
  } else if (base.compression == "snappy") {
    options.compression = format::Compression::snappy;
  } else if (base.compression == "none") {
    options.compression = format::Compression::none;
  } else {
    fail(ErrorKind::usage,
         "the base run {} is compressed with {}, which parquet pages are never written with; run "
         "`pgexport cdc init` again",
         base.run_id, base.compression);
  }
  // The same fast default levels as the export's (cli/destination.cpp).
  if (options.compression == format::Compression::zstd ||
      options.compression == format::Compression::gzip) {
    options.compression_level = settings.compression_level.value_or(1);
  }
  options.row_group_bytes = settings.parquet_row_group_bytes;
  // Runs written before format_options existed used the default rules, which the column check
  // (check_change_columns) confirms table by table.
  if (!base.format_options.is_null()) {
    auto mapping = format::parquet::mapping_from_description(base.format_options);
    if (!mapping) {
      fail(ErrorKind::usage,
           "the manifest {} has format_options that are not parquet's representation switches "
           "(numeric_as_text, arrays_as_text, timestamps_as_text, each true or false); run "
           "`pgexport cdc init` again",
           base.manifest_key);
    }
    options.numeric_as_text = mapping->numeric_as_text;
    options.arrays_as_text = mapping->arrays_as_text;
    options.timestamps_as_text = mapping->timestamps_as_text;
  }
  options.metadata = {{"pgexport.base_run_id", base.run_id}};
  return options;
}

}  // namespace

std::unique_ptr<format::Format> make_change_format(const BaseRun& base,
                                                   const ChangeFormatSettings& settings) {
  if (base.format == "csv") return std::make_unique<format::CsvFormat>();
  if (base.format == "jsonl") return std::make_unique<format::JsonlFormat>();
  if (base.format == "parquet") {
    return std::make_unique<format::parquet::ParquetFormat>(parquet_options(base, settings));
  }
  fail(ErrorKind::usage,
       "the base run {} is in {}, which change files cannot be written in; run `pgexport cdc "
       "init` again with --format csv, jsonl or parquet",
       base.run_id, base.format);
}

compress::StreamCodec change_stream_codec(const BaseRun& base) {
  if (base.format == "parquet") return compress::StreamCodec::none;  // pages are compressed
  if (base.compression == "zstd") return compress::StreamCodec::zstd;
  if (base.compression == "gzip") return compress::StreamCodec::gzip;
  if (base.compression == "none") return compress::StreamCodec::none;
  fail(ErrorKind::usage,
       "the base run {} is compressed with {}, which applies to parquet only; run `pgexport cdc "
       "init` again with --compression zstd, gzip or none",
       base.run_id, base.compression);
}

void check_change_columns(const BaseRun& base, const BaseTable& table,
                          const pg::TableSchema& relation, const format::Format& format) {
  for (const pg::Column& column : relation.columns) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const LoggedColumn& base_column = table.columns[i];
      if (base_column.name != column.name || base_column.pg_type != column.type.name) continue;
      const nlohmann::json& written = table.column_outputs[i];
      if (written.is_null()) continue;
      const nlohmann::json described = format.describe_column(column);
      if (described != written) {
        fail(ErrorKind::usage,
             "table {}.{}, column {}: change files would write it as {}, but base run {} wrote "
             "it as {}; the run was made with other type rules than this pgexport knows of: run "
             "`pgexport cdc init` again",
             table.schema, table.name, column.name, described.dump(), base.run_id, written.dump());
      }
    }
  }
}

}  // namespace pgexport::cdc
