#include "cli/commands/cdc_status_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "cdc/base_run.hpp"
#include "cdc/commit_log.hpp"
#include "cdc/layout.hpp"
#include "cli/commands/command_setup.hpp"
#include "cli/database_connection.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::cli {

namespace {

using nlohmann::ordered_json;

template <typename T>
ordered_json or_null(const std::optional<T>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}
ordered_json or_null(const std::optional<cdc::Lsn>& lsn) {
  return lsn ? ordered_json(lsn->to_string()) : ordered_json(nullptr);
}

std::chrono::system_clock::time_point system_time(cdc::SystemMicros time) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(time);
}

// What is wrong with the slot, in words, or nullopt when nothing is: each is slot_lost, the
// failure cdc run would stop with.
std::optional<std::string> slot_problem(const std::string& slot_name,
                                        const std::optional<pg::replication::SlotInfo>& slot,
                                        const std::optional<cdc::Lsn>& log_end,
                                        const std::string& log_end_source) {
  if (!slot) {
    return fmt::format(
        "replication slot {} does not exist: the changes since the log's end are lost; run "
        "`pgexport cdc init` again",
        slot_name);
  }
  if (slot->wal_status == "lost") {
    return fmt::format(
        "replication slot {} was invalidated by the server (max_slot_wal_keep_size): the WAL it "
        "needed is gone; run `pgexport cdc init` again, and run `cdc run` more often",
        slot_name);
  }
  if (log_end && slot->confirmed_flush_lsn && *slot->confirmed_flush_lsn > *log_end) {
    return fmt::format(
        "replication slot {} has confirmed changes up to {}, beyond {} ({}): the changes between "
        "are lost to this destination; run `pgexport cdc init` again",
        slot_name, slot->confirmed_flush_lsn->to_string(), log_end->to_string(), log_end_source);
  }
  return std::nullopt;
}

}  // namespace

CdcStatusCommand::CdcStatusCommand(CLI::App& cdc)
    : Command(cdc, "status",
              "Show the replication slot (position, WAL it retains) and the last published "
              "batch, with the lag in time",
              cdc_status_options()) {}

int CdcStatusCommand::execute() {
  configure_logging(settings_);
  const std::string slot_name = settings_.required_text("slot");
  auto connection = pg::Connection::open(database_connection(settings_), "cdc status");
  pg::apply_export_session_settings(connection);
  auto slot = pg::replication::slot_info(connection, slot_name);
  auto storage = open_destination(settings_);

  // The base run only tells where the log starts; without one the status is still shown.
  std::optional<cdc::BaseRun> base;
  std::optional<std::string> no_base;
  try {
    base = cdc::find_base_run(*storage, slot_name);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::usage) throw;
    no_base = error.what();
  }
  cdc::CommitLog log(*storage);
  const std::optional<cdc::LogEntry> newest = log.last();
  const std::optional<cdc::LogEntry> last_batch = log.last_with_changes(newest);

  // The log's end: where the slot may be; before any entry, where cdc init left it.
  std::optional<cdc::Lsn> log_end;
  std::string log_end_source;
  if (newest) {
    log_end = newest->end_lsn;
    log_end_source =
        fmt::format("the end of commit log entry {}", cdc::log_entry_key(newest->sequence));
  } else if (base) {
    log_end = base->consistent_point;
    log_end_source = fmt::format("the consistent point of base run {}", base->run_id);
  }
  // The newest commit the destination holds: every entry carries it; before any, the base
  // run's snapshot.
  std::optional<std::chrono::system_clock::time_point> newest_commit;
  if (newest) {
    newest_commit = system_time(newest->last_commit_time);
  } else if (base) {
    newest_commit = parse_utc_timestamp(base->snapshot_at);
  }
  std::optional<double> lag_seconds;
  if (newest_commit) {
    lag_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now() - *newest_commit).count();
  }
  const std::optional<std::string> problem = slot_problem(slot_name, slot, log_end, log_end_source);

  ordered_json status;
  status["slot"] = slot_name;
  status["slot_exists"] = slot.has_value();
  if (slot) {
    status["active"] = slot->active;
    status["active_pid"] = or_null(slot->active_pid);
    status["wal_status"] = or_null(slot->wal_status);
    status["restart_lsn"] = or_null(slot->restart_lsn);
    status["confirmed_flush_lsn"] = or_null(slot->confirmed_flush_lsn);
    status["retained_wal_bytes"] = or_null(slot->retained_wal_bytes);
  }
  status["slot_problem"] = or_null(problem);
  if (base) {
    status["base_run"] = {{"run_id", base->run_id},
                          {"publication", base->publication},
                          {"consistent_point", base->consistent_point.to_string()},
                          {"snapshot_at", base->snapshot_at}};
  } else {
    status["base_run"] = nullptr;
  }
  status["log_entries"] = newest ? newest->sequence : 0;
  status["log_end_lsn"] = or_null(log_end);
  if (last_batch) {
    status["last_batch"] = {
        {"sequence", last_batch->sequence},
        {"commit_lsn", last_batch->last_commit_lsn.to_string()},
        {"end_lsn", last_batch->end_lsn.to_string()},
        {"commit_time", format_utc_timestamp(system_time(last_batch->last_commit_time))},
        {"transactions", last_batch->transactions},
        {"changes", last_batch->changes}};
  } else {
    status["last_batch"] = nullptr;
  }
  status["newest_commit_time"] =
      newest_commit ? ordered_json(format_utc_timestamp(*newest_commit)) : ordered_json(nullptr);
  status["lag_seconds"] = or_null(lag_seconds);

  if (settings_.flag("json")) {
    std::fputs((status.dump(2) + "\n").c_str(), stdout);
  } else {
    std::string text;
    if (!slot) {
      text += fmt::format("slot {}: missing (run `pgexport cdc init`)\n", slot_name);
    } else {
      text += fmt::format(
          "slot {}: {}, confirmed up to {}, retains {} of WAL{}\n", slot_name,
          slot->active ? fmt::format("streaming (pid {})", slot->active_pid.value_or(0)) : "idle",
          slot->confirmed_flush_lsn ? slot->confirmed_flush_lsn->to_string() : "(nothing)",
          slot->retained_wal_bytes ? human_bytes(*slot->retained_wal_bytes) : "(unknown)",
          slot->wal_status ? fmt::format(" ({})", *slot->wal_status) : "");
    }
    if (base) {
      text += fmt::format("base run: {} (publication {}, consistent point {})\n", base->run_id,
                          base->publication, base->consistent_point.to_string());
    } else {
      text += "base run: none (run `pgexport cdc init`)\n";
    }
    if (newest) {
      text += fmt::format("log: {} entries, up to {}\n", newest->sequence, log_end->to_string());
    } else {
      text += "log: no entries yet\n";
    }
    if (last_batch) {
      text += fmt::format("last batch: #{} up to commit {} at {} ({} transactions, {} changes)\n",
                          last_batch->sequence, last_batch->last_commit_lsn.to_string(),
                          format_utc_timestamp(system_time(last_batch->last_commit_time)),
                          last_batch->transactions, last_batch->changes);
    } else {
      text += "last batch: none published yet\n";
    }
    if (lag_seconds) {
      text += fmt::format("lag: {:.0f} s since the newest commit the destination holds ({})\n",
                          *lag_seconds, format_utc_timestamp(*newest_commit));
    }
    std::fputs(text.c_str(), stdout);
  }
  // A lost slot is the failure every monitor must see; then a destination cdc run cannot use.
  if (problem) {
    log::error(*problem, {{"error", "slot_lost"}});
    return error_kind_info(ErrorKind::slot_lost).exit_code;
  }
  if (no_base) {
    log::error(*no_base, {{"error", "usage"}});
    return error_kind_info(ErrorKind::usage).exit_code;
  }
  return 0;
}

}  // namespace pgexport::cli
