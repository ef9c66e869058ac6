#include "cdc/session_seams.hpp"

#include <string>

#include "cdc/field_text.hpp"
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

std::map<std::string, std::string> SessionDatabase::missing_values(const std::string& schema,
                                                                   const std::string& table) {
  // attmissingval is a one-element array of the column's type; its text is an array literal
  // whose element is the value's text, in this session's DateStyle, TimeZone and float digits
  // (those of every pgexport session, so the text is what pgoutput would send).
  pg::Result result = connection_.exec_params(
      "SELECT a.attname::pg_catalog.text, a.attmissingval::pg_catalog.text"
      " FROM pg_catalog.pg_attribute a"
      " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped"
      " AND a.atthasmissing",
      {schema, table});
  std::map<std::string, std::string> values;
  for (int row = 0; row < result.rows(); ++row) {
    std::vector<std::string> elements = parse_pg_text_array(result.value(row, 1));
    if (elements.size() == 1) values.emplace(result.text(row, 0), std::move(elements[0]));
  }
  return values;
}

pg::TypeDesc SessionDatabase::describe_type(pg::Oid type_oid, int32_t typmod) {
  return types_.describe(type_oid, typmod);
}

}  // namespace pgexport::cdc
