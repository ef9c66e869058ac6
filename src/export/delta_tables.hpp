// The Delta step of an export with --table-format delta: after every data file is written and
// the snapshot's transaction committed, each table gets one new version of its Delta log (an
// overwrite with the run's files), before the run's manifest. See docs/delta.md.
#pragma once

#include <string>
#include <vector>

#include "export/manifest.hpp"
#include "format/format.hpp"
#include "pg/catalog.hpp"
#include "storage/storage.hpp"

namespace pgexport::exporter {

struct DeltaRun {
  std::string run_id;
  std::string attempt;
  std::string snapshot_at;
};

// The directories this attempt's files went to, one per table (layout.hpp).
std::vector<std::string> delta_attempt_directories(const DeltaRun& run,
                                                   const std::vector<pg::CatalogTable>& tables);

// Commits each table's Delta version in table order and records it in `results`. A table whose
// version is committed keeps its files whatever happens next: its directory is taken out of
// `withdraw`, the list of directories a failure removes. Throws the first table's failure
// (table_conflict, run_exists, storage errors); tables after it are not attempted.
void commit_delta_tables(storage::Storage& storage, const format::Format& format,
                         const DeltaRun& run, const std::vector<pg::CatalogTable>& tables,
                         std::vector<TableResult>& results, std::vector<std::string>& withdraw);

}  // namespace pgexport::exporter
