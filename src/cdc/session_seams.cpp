#include "cdc/session_seams.hpp"

#include "pg/replication/slot_admin.hpp"

namespace pgexport::cdc {

void ReplicationSource::start(Lsn start) {
  connection_.start_replication(slot_, start, {publication_});
}

std::optional<std::string> ReplicationSource::receive(Milliseconds timeout) {
  return connection_.receive(timeout);
}

void ReplicationSource::send_status(Lsn write, Lsn flush, bool reply_requested) {
  connection_.send_status(write, flush, flush, reply_requested);
}

void ReplicationSource::finish() {
  connection_.finish();
}

std::optional<pg::replication::SlotInfo> SessionDatabase::slot_info() {
  return pg::replication::slot_info(connection_, slot_);
}

Lsn SessionDatabase::current_wal_lsn() {
  return Lsn::parse(
      connection_.exec("SELECT pg_catalog.pg_current_wal_lsn()::pg_catalog.text").value(0, 0));
}

void SessionDatabase::emit_heartbeat() {
  pg::replication::emit_heartbeat(connection_, std::string(kHeartbeatPrefix));
}

pg::TypeDesc SessionDatabase::describe_type(pg::Oid type_oid, int32_t typmod) {
  return types_.describe(type_oid, typmod);
}

}  // namespace pgexport::cdc
