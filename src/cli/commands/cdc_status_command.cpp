#include "cli/commands/cdc_status_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "cdc/commit_log.hpp"
#include "cli/commands/command_setup.hpp"
#include "cli/database_connection.hpp"
#include "common/error.hpp"
#include "common/time_format.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::cli {

CdcStatusCommand::CdcStatusCommand(CLI::App& cdc)
    : Command(cdc, "status",
              "Show the replication slot (position, WAL it retains) and the last published "
              "batch, with the lag in time",
              cdc_status_options()) {}

int CdcStatusCommand::execute() {
  configure_logging(settings_);
  const std::string slot_name = settings_.required_text("slot");
  auto connection = pg::Connection::open(database_connection_string(settings_), "cdc status");
  pg::apply_export_session_settings(connection);
  auto slot = pg::replication::slot_info(connection, slot_name);
  auto storage = open_destination(settings_);
  cdc::CommitLog log(*storage);
  auto last = log.last();

  nlohmann::ordered_json status;
  status["slot"] = slot_name;
  status["slot_exists"] = slot.has_value();
  if (slot) {
    status["active"] = slot->active;
    status["confirmed_flush_lsn"] =
        slot->confirmed_flush_lsn ? nlohmann::ordered_json(slot->confirmed_flush_lsn->to_string())
                                  : nlohmann::ordered_json(nullptr);
    status["retained_wal_bytes"] = slot->retained_wal_bytes
                                       ? nlohmann::ordered_json(*slot->retained_wal_bytes)
                                       : nlohmann::ordered_json(nullptr);
    status["wal_status"] =
        slot->wal_status ? nlohmann::ordered_json(*slot->wal_status) : nlohmann::ordered_json();
  }
  if (last) {
    const auto commit_time =
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(last->last_commit_time);
    const double lag_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now() - commit_time).count();
    status["last_batch"] = {{"sequence", last->sequence},
                            {"commit_lsn", last->last_commit_lsn.to_string()},
                            {"end_lsn", last->end_lsn.to_string()},
                            {"commit_time", format_utc_timestamp(commit_time)},
                            {"lag_seconds", lag_seconds}};
  } else {
    status["last_batch"] = nullptr;
  }

  if (settings_.flag("json")) {
    std::fputs((status.dump(2) + "\n").c_str(), stdout);
  } else {
    std::string text;
    if (!slot) {
      text += fmt::format("slot {}: missing (run `pgexport cdc init`)\n", slot_name);
    } else {
      text += fmt::format(
          "slot {}: {}, confirmed up to {}, retains {} of WAL{}\n", slot_name,
          slot->active ? "streaming" : "idle",
          slot->confirmed_flush_lsn ? slot->confirmed_flush_lsn->to_string() : "(nothing)",
          slot->retained_wal_bytes ? human_bytes(*slot->retained_wal_bytes) : "(unknown)",
          slot->wal_status ? fmt::format(" ({})", *slot->wal_status) : "");
    }
    if (last) {
      text += fmt::format("last batch: #{} up to commit {} at {} ({:.0f} s ago)\n", last->sequence,
                          last->last_commit_lsn.to_string(),
                          status["last_batch"]["commit_time"].get<std::string>(),
                          status["last_batch"]["lag_seconds"].get<double>());
    } else {
      text += "last batch: none published yet\n";
    }
    std::fputs(text.c_str(), stdout);
  }
  // A missing slot is the failure every monitor must see.
  if (!slot) return error_kind_info(ErrorKind::slot_lost).exit_code;
  return 0;
}

}  // namespace pgexport::cli
