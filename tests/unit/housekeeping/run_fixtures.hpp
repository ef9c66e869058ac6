// Committed and uncommitted runs written into a FakeStorage the way pgexport lays them out:
// data files of each format (really encoded and compressed), a manifest listing them with
// sizes, SHA-256 and rows, and latest.json.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "../parquet/test_support.hpp"
#include "common/digest.hpp"
#include "common/time_format.hpp"
#include "compress/stream_compressor.hpp"
#include "export/layout.hpp"
#include "fake_storage.hpp"
#include "format/parquet/parquet_format.hpp"

namespace pgexport::housekeeping::testing {

// A CSV file as pgexport writes it: a header, then `rows` records, every third of which holds
// a quoted newline and a doubled quote, so a line count would be wrong.
inline std::string csv_rows(int rows) {
  std::string text = "id,note\n";
  for (int i = 0; i < rows; ++i) {
    text += i % 3 == 0 ? fmt::format("{},\"two\nlines, \"\"quoted\"\"\"\n", i)
                       : fmt::format("{},plain\n", i);
  }
  return text;
}

inline std::string jsonl_rows(int rows) {
  std::string text;
  for (int i = 0; i < rows; ++i) text += fmt::format("{{\"id\":{},\"note\":\"a\\nb\"}}\n", i);
  return text;
}

inline std::string parquet_rows(int rows) {
  using namespace format::parquet::pqtest;
  pg::TableSchema table;
  table.schema = "public";
  table.name = "t";
  table.columns = {column("id", base_type(pg::oid::kInt8, "bigint"), true)};
  format::parquet::ParquetOptions options;
  options.row_group_rows = 4;  // several row groups per file
  format::parquet::ParquetEncoder encoder(table, options);
  StringSink sink;
  encoder.start(sink);
  for (int i = 0; i < rows; ++i) encoder.write_row(tuple({int8_value(i)}));
  encoder.finish();
  return sink.data;
}

inline std::string compressed(const std::string& compression, const std::string& data) {
  auto codec = compression == "zstd"   ? compress::StreamCodec::zstd
               : compression == "gzip" ? compress::StreamCodec::gzip
                                       : compress::StreamCodec::none;
  StringSink out;
  auto compressor = compress::make_stream_compressor(codec, std::nullopt, out);
  compressor->write(data);
  compressor->finish();
  return out.data;
}

struct FixtureFile {
  std::string key;
  int rows = 0;
};

// Writes a run with one table per entry of `tables` (each a list of files) at the clock's time;
// commits it (manifest) unless `commit` is false, and points latest.json at it if `latest`.
// Keys are placed under an attempt sub-prefix, as newer exporters do.
inline nlohmann::ordered_json write_run(FakeStorage& storage, const FakeClock& clock,
                                        const std::string& run_id, const std::string& format,
                                        const std::string& compression,
                                        const std::vector<std::vector<int>>& tables,
                                        bool commit = true, bool latest = false) {
  std::string suffix = format == "parquet"     ? ""
                       : compression == "zstd" ? ".zst"
                       : compression == "gzip" ? ".gz"
                                               : "";
  nlohmann::ordered_json manifest = {{"manifest_version", 1},
                                     {"run_id", run_id},
                                     {"started_at", format_utc_timestamp(clock.now)},
                                     {"finished_at", format_utc_timestamp(clock.now)},
                                     {"format", format},
                                     {"compression", compression},
                                     {"tables", nlohmann::ordered_json::array()}};
  for (size_t t = 0; t < tables.size(); ++t) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    uint64_t table_rows = 0;
    for (size_t f = 0; f < tables[t].size(); ++f) {
      int rows = tables[t][f];
      std::string data = format == "csv"     ? compressed(compression, csv_rows(rows))
                         : format == "jsonl" ? compressed(compression, jsonl_rows(rows))
                                             : parquet_rows(rows);
      std::string key = fmt::format("{}a1/public.t{}/part-{:05}-000.{}{}",
                                    exporter::run_prefix(run_id), t, f, format, suffix);
      storage.put(key, data);
      files.push_back({{"key", key},
                       {"rows", rows},
                       {"bytes", data.size()},
                       {"sha256", hex_encode(sha256(data))}});
      table_rows += static_cast<uint64_t>(rows);
    }
    manifest["tables"].push_back({{"schema", "public"},
                                  {"name", fmt::format("t{}", t)},
                                  {"kind", "table"},
                                  {"rows", table_rows},
                                  {"files", files}});
  }
  if (commit) storage.put(exporter::manifest_key(run_id), manifest.dump(2));
  if (latest) {
    storage.put(std::string(exporter::kLatestKey),
                nlohmann::ordered_json{{"run_id", run_id},
                                       {"manifest", exporter::manifest_key(run_id)},
                                       {"finished_at", format_utc_timestamp(clock.now)}}
                    .dump());
  }
  return manifest;
}

// The key of file `file` of table `table` in a run write_run() wrote.
inline std::string file_key(const nlohmann::ordered_json& manifest, size_t table, size_t file) {
  return manifest["tables"][table]["files"][file]["key"].get<std::string>();
}

}  // namespace pgexport::housekeeping::testing
