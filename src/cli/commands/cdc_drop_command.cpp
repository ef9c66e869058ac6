#include "cli/commands/cdc_drop_command.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/commands/command_setup.hpp"
#include "cli/database_connection.hpp"
#include "pg/replication/slot_admin.hpp"
#include "pg/snapshot.hpp"

namespace pgexport::cli {

CdcDropCommand::CdcDropCommand(CLI::App& cdc)
    : Command(cdc, "drop",
              "Remove the replication slot and the publication (the server then frees the WAL "
              "the slot kept); the exported data stays",
              cdc_drop_options()) {}

int CdcDropCommand::execute() {
  configure_logging(settings_);
  const std::string slot = settings_.required_text("slot");
  const std::string publication = settings_.required_text("publication");
  auto connection = pg::Connection::open(database_connection(settings_), "cdc drop");
  pg::apply_export_session_settings(connection);
  const bool had_slot = pg::replication::drop_slot(connection, slot);
  const bool had_publication =
      pg::replication::publication_tables(connection, publication).has_value();
  pg::replication::drop_publication(connection, publication);
  std::fputs(fmt::format("Replication slot '{}' {}; publication '{}' {}.\n", slot,
                         had_slot ? "dropped" : "did not exist", publication,
                         had_publication ? "dropped" : "did not exist")
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace pgexport::cli
