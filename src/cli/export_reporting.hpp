// How an export (`export`, and the one `cdc init` runs) shows that it is alive and how far it
// is, chosen from --log-format, --progress-interval, --metrics and whether stderr is a
// terminal: a live display on a terminal with text logs, otherwise a "progress" log event
// every --progress-interval; with --metrics emf, an Embedded Metric Format line after each
// table and one for the run.
#pragma once

#include <memory>
#include <string>

#include "cli/options.hpp"
#include "common/periodic_thread.hpp"
#include "common/progress.hpp"
#include "export/exporter.hpp"
#include "storage/storage.hpp"

namespace pgexport::cli {

class ExportReporting {
 public:
  // Starts reporting at once (call after configure_logging). `command` names the run's
  // metrics ("export", "cdc init").
  ExportReporting(const Settings& settings, std::string command, std::string run_id);
  // Stops the reporting thread and removes the display: on every exit path.
  ~ExportReporting();
  ExportReporting(const ExportReporting&) = delete;
  ExportReporting& operator=(const ExportReporting&) = delete;

  // What the export updates (ExportConfig::progress).
  exporter::ExportProgress* progress() { return &progress_; }

  // Ends the display (before the summary is printed); idempotent.
  void finish();
  // A committed run, in the order every command reports it: the display ends, the run's
  // metrics line (--metrics emf), the "export committed" log event and the summary paragraph.
  void report_committed(const exporter::ExportSummary& summary,
                        const exporter::ExportConfig& config, const storage::Storage& storage);

 private:
  void report_run(const exporter::ExportSummary& summary);
  void report_table(const exporter::TableExported& table);

  std::string command_;
  std::string run_id_;
  bool emf_ = false;
  exporter::ExportProgress progress_;
  std::unique_ptr<ProgressReporter> reporter_;
  bool display_installed_ = false;  // reporter_ is the log's output
  std::unique_ptr<PeriodicThread> thread_;
};

}  // namespace pgexport::cli
