#include "cdc/session_seams.hpp"

#include <string>

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

Milliseconds ReplicationSource::wal_sender_timeout() {
  // Asked on the replication session itself: a role's or database's setting, or one in the
  // connection string's options, applies to this WAL sender and may differ from the server's.
  // pg_settings gives it in milliseconds, its unit.
  pg::Result result = connection_.connection().exec(
      "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'wal_sender_timeout'");
  return Milliseconds(result.integer(0, 0));
}

std::optional<pg::replication::SlotInfo> SessionDatabase::slot_info() {
  return pg::replication::slot_info(connection_, slot_);
}

Lsn SessionDatabase::current_wal_lsn() {
  // The insert position, not pg_current_wal_lsn() (the write position): under asynchronous
  // commit a transaction is visible before its commit record is written, and a run that stops
  // short of it would leave it for the next run. On a standby, what has been replayed.
  pg::Result result = connection_.exec(
      "SELECT CASE WHEN pg_catalog.pg_is_in_recovery() "
      "THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_insert_lsn() "
      "END::pg_catalog.text, pg_catalog.current_setting('wal_block_size')");
  return pg::replication::end_of_written_wal(Lsn::parse(result.value(0, 0)),
                                             std::stoull(result.text(0, 1)));
}

void SessionDatabase::emit_heartbeat() {
  pg::replication::emit_heartbeat(connection_, std::string(kHeartbeatPrefix));
}

pg::TypeDesc SessionDatabase::describe_type(pg::Oid type_oid, int32_t typmod) {
  return types_.describe(type_oid, typmod);
}

}  // namespace pgexport::cdc
