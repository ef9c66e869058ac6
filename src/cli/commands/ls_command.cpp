#include "cli/commands/ls_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/commands/command_setup.hpp"
#include "common/log.hpp"
#include "housekeeping/runs_catalog.hpp"

namespace pgexport::cli {

LsCommand::LsCommand(CLI::App& app)
    : Command(app, "ls", "List the committed runs of a destination, newest first", ls_options()) {}

int LsCommand::execute() {
  configure_logging(settings_);
  auto storage = open_destination(settings_);
  auto state = housekeeping::scan_destination(*storage);
  std::string latest_run = state.latest.pointer ? state.latest.pointer->run_id : "";
  if (state.latest.present && !state.latest.pointer) {
    log::warn("latest.json cannot be read; no run is marked latest",
              {{"problem", state.latest.problem}});
  }
  size_t uncommitted = 0;
  for (const auto& run : state.runs) {
    if (!run.committed) ++uncommitted;
    if (run.committed && !run.manifest.manifest) {
      log::warn("run has an invalid manifest; not listed",
                {{"run_id", run.id}, {"problem", run.manifest.problem}});
    }
  }
  if (uncommitted > 0) {
    log::info("uncommitted run prefixes not listed (pgexport cleanup removes old ones)",
              {log::field("count", uncommitted)});
  }
  auto runs = housekeeping::committed_runs_newest_first(state);

  if (settings_.flag("json")) {
    nlohmann::ordered_json document;
    document["destination"] = storage->describe();
    document["latest_run_id"] =
        latest_run.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(latest_run);
    auto list = nlohmann::ordered_json::array();
    for (const auto* run : runs) {
      const auto& manifest = *run->manifest.manifest;
      list.push_back({{"run_id", run->id},
                      {"finished_at", manifest.finished_at},
                      {"tables", manifest.tables.size()},
                      {"files", manifest.files()},
                      {"rows", manifest.rows()},
                      {"bytes", manifest.bytes()},
                      {"format", manifest.format},
                      {"compression", manifest.compression},
                      {"latest", run->id == latest_run}});
    }
    document["runs"] = std::move(list);
    std::fputs((document.dump(2) + "\n").c_str(), stdout);
    return 0;
  }

  if (runs.empty()) {
    std::fputs(fmt::format("No committed runs in {}.\n", storage->describe()).c_str(), stdout);
    return 0;
  }
  // Columns wide enough for run ids like 20261124T203543Z and for 'finished' timestamps.
  auto row = [](const auto&... columns) {
    std::string line = fmt::format("{:<24} {:<24} {:>6} {:>14} {:>12}  {}", columns...);
    line.erase(line.find_last_not_of(' ') + 1);
    return line + "\n";
  };
  std::string out = row("RUN ID", "FINISHED", "TABLES", "ROWS", "BYTES", "");
  for (const auto* run : runs) {
    const auto& manifest = *run->manifest.manifest;
    out += row(run->id, manifest.finished_at, manifest.tables.size(), manifest.rows(),
               human_bytes(manifest.bytes()), run->id == latest_run ? "latest" : "");
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace pgexport::cli
