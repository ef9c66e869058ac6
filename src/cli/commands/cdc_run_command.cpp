#include "cli/commands/cdc_run_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cdc/base_run.hpp"
#include "cdc/change_memory.hpp"
#include "cdc/change_projection.hpp"
#include "cdc/change_stream.hpp"
#include "cdc/dms_change_files.hpp"
#include "cdc/session_seams.hpp"
#include "cli/commands/command_setup.hpp"
#include "cli/database_connection.hpp"
#include "cli/destination.hpp"
#include "cli/personal_data_settings.hpp"
#include "common/cancellation.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "export/layout.hpp"
#include "pg/replication/replication_connection.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::cli {

namespace {

namespace repl = pg::replication;

std::optional<cdc::Milliseconds> optional_duration(const Settings& settings,
                                                   std::string_view name) {
  auto seconds = settings.duration(name);
  if (seconds.count() == 0) return std::nullopt;
  return std::chrono::duration_cast<cdc::Milliseconds>(seconds);
}

}  // namespace

CdcRunCommand::CdcRunCommand(CLI::App& cdc)
    : Command(cdc, "run",
              "Ship the changes since the last batch as change files and commit log entries",
              cdc_run_options()) {}

int CdcRunCommand::execute() {
  configure_logging(settings_);
  const bool until_caught_up = settings_.flag("until-caught-up");
  const bool follow = settings_.flag("follow");
  if (until_caught_up == follow) {
    fail(ErrorKind::usage,
         "give exactly one of --until-caught-up (ship what is there, then exit: for scheduled "
         "tasks) and --follow (run until SIGTERM)");
  }
  const std::string slot = settings_.required_text("slot");
  repl::check_slot_name(slot);
  // Read now, so that a bad --password-file or --rds-iam setting fails before the
  // destination is touched.
  const pg::ConnectionSource source = database_connection(settings_);

  cdc::ChangeStreamConfig config;
  config.slot = slot;
  config.attempt = exporter::new_attempt_token();
  config.mode = follow ? cdc::StreamMode::follow : cdc::StreamMode::until_caught_up;
  config.batch_interval = settings_.duration("batch-interval");
  if (config.batch_interval.count() == 0) {
    fail(ErrorKind::usage, "--batch-interval must be more than 0, e.g. 60s");
  }
  config.batch_bytes = settings_.size("batch-size");
  config.max_duration = optional_duration(settings_, "max-duration");
  config.max_retained_wal = settings_.size("max-retained-wal");
  // An idle database still moves the slot once this much WAL passed without captured changes:
  // 64 MiB (four WAL segments of the default size), or a quarter of --max-retained-wal when
  // that is less, so the limit is never neared for want of a batch.
  if (config.max_retained_wal > 0) {
    config.position_entry_bytes =
        std::min(config.position_entry_bytes, std::max<uint64_t>(config.max_retained_wal / 4, 1));
  }
  config.stop_timeout = settings_.duration("cleanup-timeout");
  config.heartbeat = optional_duration(settings_, "heartbeat");
  if (config.heartbeat && !follow) {
    log::warn("--heartbeat applies to --follow only; ignored", {});
    config.heartbeat.reset();
  }
  config.stop_requested = [] { return stop_requested(); };
  config.hash_key = read_hash_key(settings_);
  // The process and every open change file's buffers come off --memory-limit first; the rest
  // is the budget S3 part buffers are leased from (cdc/change_memory.hpp).
  const uint64_t memory_limit = settings_.size("memory-limit");
  const uint64_t part_size = std::max<uint64_t>(settings_.size("part-size"), 1);
  const auto plan = cdc::plan_change_memory(memory_limit, part_size);
  if (!plan) {
    fail(ErrorKind::usage,
         "--memory-limit must hold the process, one open change file and two --part-size "
         "buffers: at least {} bytes with --part-size {} bytes, not {} bytes",
         cdc::minimum_change_memory(part_size), part_size, memory_limit);
  }
  MemoryPlan memory;
  memory.upload_bytes = plan->upload_bytes;
  config.max_open_files = plan->max_open_files;

  auto storage = make_storage(settings_, memory);
  storage->check_writable();
  const cdc::BaseRun base = cdc::find_base_run(*storage, slot);
  log::info("base run", {{"run_id", base.run_id},
                         {"consistent_point", base.consistent_point.to_string()},
                         {"publication", base.publication},
                         log::field("tables", base.tables.size())});
  // Before the database is reached: change files hashed with another key would not match.
  cdc::check_hash_key(base, config.hash_key);
  if (base.format == "parquet") {
    // A Parquet change file also holds its current row group: one part's worth each, so an
    // open file costs two parts of --memory-limit and a row group goes up as about one part.
    config.parquet_row_group_bytes = std::clamp<uint64_t>(part_size, 1ull << 20, 64ull << 20);
    config.max_open_files = static_cast<size_t>(
        std::max<uint64_t>(memory.upload_bytes / (part_size + config.parquet_row_group_bytes), 2) -
        1);
  }

  auto admin = pg::Connection::open(source, "cdc run");
  pg::apply_export_session_settings(admin);
  auto replication = repl::ReplicationConnection::open(source, "cdc run stream");
  // pgoutput prints values with the WAL sender's settings: the export's, so change files hold
  // exactly what the full export's files hold.
  pg::apply_export_session_settings(replication.connection());

  cdc::ReplicationSource stream(replication, slot, base.publication);
  cdc::SessionDatabase database(admin, slot);
  cdc::SteadyClock clock;
  // A base run in the DMS layout: DMS change files are published from each logged entry.
  std::optional<cdc::DmsChangePublisher> dms_changes;
  if (base.layout == "dms") {
    dms_changes.emplace(*storage, base);
    config.publishers.push_back(&*dms_changes);
  }
  const cdc::StreamSummary summary =
      cdc::run_change_stream(config, base, *storage, stream, database, clock);

  std::string line = fmt::format(
      "Shipped {} batches ({} transactions, {} changes){} of slot {} to {}; the slot is at "
      "{}{}.\n",
      summary.batches, summary.transactions, summary.changes,
      summary.position_entries > 0
          ? fmt::format(" and {} position-only entries", summary.position_entries)
          : "",
      slot, storage->describe(), summary.flushed_lsn.to_string(),
      follow ? (summary.stopped ? ", stopped cleanly" : "")
             : fmt::format(", caught up with {}", summary.target_lsn.to_string()));
  std::fputs(line.c_str(), stdout);
  return 0;
}

}  // namespace pgexport::cli
