#include "cdc/change_format.hpp"

#include "cdc/run_format.hpp"

#include "common/error.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/jsonl_format.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::cdc {

std::unique_ptr<format::Format> make_change_format(const BaseRun& base,
                                                   const ChangeFormatSettings& settings) {
  if (base.format == "csv") return std::make_unique<format::CsvFormat>();
  if (base.format == "jsonl") return std::make_unique<format::JsonlFormat>();
  if (base.format == "parquet") {
    return make_parquet_format_like(base.compression, base.format_options,
                                    settings.compression_level, settings.parquet_row_group_bytes,
                                    base.manifest_key, {{"pgexport.base_run_id", base.run_id}});
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

void apply_base_fallbacks(const BaseTable& table, pg::TableSchema& relation) {
  for (pg::Column& column : relation.columns) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const LoggedColumn& base_column = table.columns[i];
      if (base_column.name != column.name || base_column.pg_type != column.type.name) continue;
      const nlohmann::json& written = table.column_outputs[i];
      if (!written.is_object()) continue;
      if (auto fallback = written.find("fallback");
          fallback != written.end() && fallback->is_string()) {
        column.text_fallback = fallback->get<std::string>();
      }
    }
  }
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
