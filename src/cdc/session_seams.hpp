// The change stream's seams over the real thing: the replication session as its source, an
// ordinary session as its database, the steady clock as its clock.
#pragma once

#include <string>

#include "cdc/change_stream.hpp"
#include "pg/catalog.hpp"
#include "pg/connection.hpp"
#include "pg/replication/replication_connection.hpp"

namespace pgexport::cdc {

// START_REPLICATION of `slot` with pgoutput protocol 1 and `publication`; the connection must
// already have the export's session settings (pgoutput prints values with them).
class ReplicationSource final : public ChangeSource {
 public:
  ReplicationSource(pg::replication::ReplicationConnection& connection, std::string slot,
                    std::string publication)
      : connection_(connection), slot_(std::move(slot)), publication_(std::move(publication)) {}

  void start(Lsn start) override;
  std::optional<std::string> receive(Milliseconds timeout) override;
  void send_status(Lsn write, Lsn flush, bool reply_requested) override;
  void finish() override;
  Milliseconds wal_sender_timeout() override;

 private:
  pg::replication::ReplicationConnection& connection_;
  std::string slot_;
  std::string publication_;
};

// The slot's state, pg_current_wal_lsn(), heartbeats and type descriptions over `connection`.
class SessionDatabase final : public ChangeDatabase {
 public:
  SessionDatabase(pg::Connection& connection, std::string slot)
      : connection_(connection), slot_(std::move(slot)), types_(connection) {}

  std::optional<pg::replication::SlotInfo> slot_info() override;
  Lsn current_wal_lsn() override;
  void emit_heartbeat() override;
  pg::TypeDesc describe_type(pg::Oid type_oid, int32_t typmod) override;
  std::map<std::string, std::string> missing_values(const std::string& schema,
                                                    const std::string& table) override;

 private:
  pg::Connection& connection_;
  std::string slot_;
  pg::TypeCatalog types_;
};

class SteadyClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
};

}  // namespace pgexport::cdc
