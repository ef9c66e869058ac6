#include "cli/export_reporting.hpp"

#include <chrono>

#include "cli/commands/command_setup.hpp"
#include "cli/export_settings.hpp"
#include "common/emf.hpp"
#include "common/log.hpp"
#include "common/terminal_progress.hpp"

namespace pgexport::cli {

namespace {

// The namespace of every metric pgexport writes.
constexpr std::string_view kMetricNamespace = "pgexport";

std::vector<emf::Metric> volume_metrics(uint64_t rows, uint64_t wire_bytes, uint64_t stored_bytes,
                                        double seconds) {
  return {{"Rows", "Count", static_cast<double>(rows)},
          {"WireBytes", "Bytes", static_cast<double>(wire_bytes)},
          {"StoredBytes", "Bytes", static_cast<double>(stored_bytes)},
          {"Seconds", "Seconds", log::seconds_value(seconds)}};
}

}  // namespace

ExportReporting::ExportReporting(const Settings& settings, std::string command, std::string run_id)
    : command_(std::move(command)),
      run_id_(std::move(run_id)),
      emf_(settings.text("metrics").value_or("none") == "emf"),
      progress_([this](const exporter::TableExported& table) { report_table(table); }) {
  if (log::format() == log::Format::text && stderr_is_terminal()) {
    auto display = std::make_unique<TerminalProgress>(
        TerminalProgress::stderr_sink(), [] { return std::chrono::steady_clock::now(); },
        TerminalProgress::stderr_width());
    log::LineOutput* output = display.get();
    reporter_ = std::move(display);
    thread_ = std::make_unique<PeriodicThread>(TerminalProgress::kMinRedrawInterval,
                                               [this] { reporter_->update(progress_.read()); });
    // Last: once installed, only the destructor may uninstall it.
    log::set_output(output);
    display_installed_ = true;
    return;
  }
  auto interval = settings.precise_duration("progress-interval");
  if (interval.count() == 0) return;
  reporter_ = std::make_unique<LogProgressReporter>();
  thread_ =
      std::make_unique<PeriodicThread>(interval, [this] { reporter_->update(progress_.read()); });
}

ExportReporting::~ExportReporting() {
  finish();
}

void ExportReporting::finish() {
  // The thread first: it is the one that calls the reporter.
  if (thread_) thread_->stop();
  if (reporter_) reporter_->finish();
  if (display_installed_) {
    log::set_output(nullptr);
    display_installed_ = false;
  }
}

void ExportReporting::report_committed(const exporter::ExportSummary& summary,
                                       const exporter::ExportConfig& config,
                                       const storage::Storage& storage) {
  finish();
  report_run(summary);
  report_committed_export(summary, config, storage);
}

void ExportReporting::report_table(const exporter::TableExported& table) {
  if (!emf_) return;
  emf::Document document{
      std::string(kMetricNamespace),
      {{"table", table.table}},
      volume_metrics(table.rows, table.wire_bytes, table.stored_bytes, table.seconds),
      {{"run_id", run_id_}, {"command", command_}}};
  log::write_line(emf::line(document, std::chrono::system_clock::now()));
}

void ExportReporting::report_run(const exporter::ExportSummary& summary) {
  if (!emf_) return;
  auto metrics =
      volume_metrics(summary.rows, summary.wire_bytes, summary.stored_bytes, summary.seconds);
  metrics.push_back({"Tables", "Count", static_cast<double>(summary.tables)});
  metrics.push_back({"Files", "Count", static_cast<double>(summary.files)});
  emf::Document document{std::string(kMetricNamespace),
                         {{"command", command_}},
                         std::move(metrics),
                         {{"run_id", summary.run_id}}};
  log::write_line(emf::line(document, std::chrono::system_clock::now()));
}

}  // namespace pgexport::cli
