#include "export/delta_tables.hpp"

#include <algorithm>
#include <chrono>

#include "common/error.hpp"
#include "export/layout.hpp"
#include "format/parquet/parquet_format.hpp"
#include "table/delta/delta_commit.hpp"
#include "table/delta/delta_schema.hpp"

namespace pgexport::exporter {

namespace {

int64_t unix_millis(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

std::vector<std::string> delta_attempt_directories(const DeltaRun& run,
                                                   const std::vector<pg::CatalogTable>& tables) {
  std::vector<std::string> directories;
  for (const auto& table : tables) {
    directories.push_back(
        delta_attempt_directory(run.run_id, run.attempt, table.schema.schema, table.schema.name));
  }
  return directories;
}

void commit_delta_tables(storage::Storage& storage, const format::Format& format,
                         const DeltaRun& run, const std::vector<pg::CatalogTable>& tables,
                         std::vector<TableResult>& results, std::vector<std::string>& withdraw) {
  const auto* parquet = dynamic_cast<const format::parquet::ParquetFormat*>(&format);
  if (!parquet) fail(ErrorKind::internal, "--table-format delta without the Parquet format");
  const auto mapping = parquet->mapping();
  for (size_t i = 0; i < tables.size(); ++i) {
    const auto& schema = tables[i].schema;
    const std::string directory = table_directory(schema.schema, schema.name);
    table::delta::TableCommit commit;
    commit.root = table::delta::table_root(directory);
    commit.display_name = schema.display_name();
    const auto delta_schema = table::delta::delta_schema(schema, mapping);
    commit.schema_string = delta_schema.dump();
    commit.timestamp_ntz = table::delta::uses_timestamp_ntz(delta_schema);
    const int64_t now = unix_millis(std::chrono::system_clock::now());
    commit.description = {now, run.run_id, run.attempt, run.snapshot_at};
    auto files = results[i].files;
    std::sort(files.begin(), files.end(),
              [](const FileResult& a, const FileResult& b) { return a.object.key < b.object.key; });
    for (const auto& file : files) {
      commit.files.push_back({file.object.key.substr(commit.root.size()), file.object.size, now,
                              file.rows, file.statistics, file.object.sha256_hex, run.run_id});
    }
    const std::string attempt_directory =
        delta_attempt_directory(run.run_id, run.attempt, schema.schema, schema.name);
    auto keep_files = [&] {
      withdraw.erase(std::remove(withdraw.begin(), withdraw.end(), attempt_directory),
                     withdraw.end());
    };
    try {
      results[i].delta_version =
          table::delta::commit_table(storage, commit, table::delta::app_id(directory));
    } catch (const table::delta::CommitUncertain&) {
      keep_files();  // a live version may reference them
      throw;
    }
    results[i].delta_table = commit.root;
    keep_files();
  }
}

}  // namespace pgexport::exporter
