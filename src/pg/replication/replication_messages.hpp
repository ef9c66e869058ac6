// The messages of the streaming replication protocol that travel inside CopyData once
// START_REPLICATION has begun (PostgreSQL docs, "Streaming Replication Protocol"): the server
// sends XLogData ('w') and Primary keepalive ('k'); the client answers with Standby status
// update ('r'). Pure functions: bytes in, values out, no connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "pg/replication/lsn.hpp"

namespace pgexport::pg::replication {

// A PostgreSQL TimestampTz as the replication protocol carries it: microseconds since
// 2000-01-01 00:00:00 UTC (the PostgreSQL epoch).
using PgTimestamp = int64_t;

// A system_clock time point with microsecond resolution: holds every PostgreSQL timestamp
// exactly (system_clock's own nanosecond resolution would overflow after the year 2262).
using SystemMicros = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// The PostgreSQL epoch on the Unix epoch's scale: 10957 days (1970-01-01 to 2000-01-01).
inline constexpr int64_t kPgEpochUnixMicros = 10957LL * 86400 * 1000000;

// PostgreSQL time -> system clock. Throws pgexport::Error (data_error) for the few values
// near the int64 limits (such as 'infinity') that have no place on the system clock's scale.
SystemMicros to_system_time(PgTimestamp timestamp);
// System clock -> PostgreSQL time, rounded down to the microsecond.
PgTimestamp to_pg_timestamp(std::chrono::system_clock::time_point time);

// 'w': a piece of WAL data; for logical replication, one output plugin message.
struct XLogData {
  Lsn wal_start;              // where the data starts in the WAL
  Lsn wal_end;                // the current end of WAL on the server
  PgTimestamp send_time = 0;  // the server's clock when it sent this
  // The output plugin's message (for pgoutput: decode it with decode_pgoutput). A view into
  // the buffer given to decode_replication_message, valid only while that buffer lives.
  std::string_view data;
};

// 'k': the server's heartbeat.
struct PrimaryKeepalive {
  Lsn wal_end;  // the current end of WAL on the server
  PgTimestamp send_time = 0;
  bool reply_requested = false;  // answer now with a status update, or be disconnected
};

using ReplicationMessage = std::variant<XLogData, PrimaryKeepalive>;

// Decodes one CopyData payload sent by the server after START_REPLICATION. Throws
// pgexport::Error (database_error) on an unknown tag, a truncated message or a keepalive
// with trailing bytes, naming the message and the byte offset.
ReplicationMessage decode_replication_message(std::string_view copy_data);

// 'r': what the client tells the server. For logical replication, `flushed` is the position
// the server may forget WAL before (the slot's confirmed_flush_lsn advances to it).
struct StandbyStatusUpdate {
  Lsn written;                   // last WAL byte + 1 received and written
  Lsn flushed;                   // last WAL byte + 1 durably stored
  Lsn applied;                   // last WAL byte + 1 applied
  PgTimestamp clock = 0;         // the client's clock at the time of sending
  bool reply_requested = false;  // ask the server to answer with a keepalive at once
};

// The CopyData payload of a Standby status update: 'r', four Int64, one Byte1 (34 bytes).
std::string encode_standby_status_update(const StandbyStatusUpdate& update);

}  // namespace pgexport::pg::replication
