#include "pg/replication/replication_messages.hpp"

#include "common/error.hpp"
#include "pg/replication/wire_reader.hpp"

namespace pgexport::pg::replication {

SystemMicros to_system_time(PgTimestamp timestamp) {
  int64_t unix_micros = 0;
  if (__builtin_add_overflow(timestamp, kPgEpochUnixMicros, &unix_micros)) {
    fail(ErrorKind::data_error,
         "PostgreSQL timestamp {} (microseconds since 2000-01-01) is outside the range of the "
         "system clock",
         timestamp);
  }
  return SystemMicros(std::chrono::microseconds(unix_micros));
}

PgTimestamp to_pg_timestamp(std::chrono::system_clock::time_point time) {
  // The system clock spans about +-292 years around 1970 in nanoseconds, far inside the
  // int64 microsecond range, so this cannot overflow.
  auto unix_micros = std::chrono::floor<std::chrono::microseconds>(time).time_since_epoch();
  return unix_micros.count() - kPgEpochUnixMicros;
}

ReplicationMessage decode_replication_message(std::string_view copy_data) {
  if (copy_data.empty()) {
    WireReader("", "replication").fail_at(0, "the CopyData message is empty");
  }
  switch (copy_data[0]) {
    case 'w': {
      WireReader reader(copy_data, "XLogData");
      reader.u8("tag");
      XLogData message;
      message.wal_start = Lsn(reader.u64("WAL start"));
      message.wal_end = Lsn(reader.u64("WAL end"));
      message.send_time = reader.i64("send time");
      message.data = reader.rest();
      return message;
    }
    case 'k': {
      WireReader reader(copy_data, "Primary keepalive");
      reader.u8("tag");
      PrimaryKeepalive message;
      message.wal_end = Lsn(reader.u64("WAL end"));
      message.send_time = reader.i64("send time");
      message.reply_requested = reader.u8("reply requested flag") != 0;
      reader.expect_end();
      return message;
    }
    default:
      WireReader(copy_data, "replication")
          .fail_at(0, "unknown message tag 0x{:02X} (expected 'w' XLogData or 'k' keepalive)",
                   static_cast<uint8_t>(copy_data[0]));
  }
}

namespace {
void put_u64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}
}  // namespace

std::string encode_standby_status_update(const StandbyStatusUpdate& update) {
  std::string out;
  out.reserve(34);  // tag + 4 x Int64 + Byte1
  out.push_back('r');
  put_u64(out, update.written.value());
  put_u64(out, update.flushed.value());
  put_u64(out, update.applied.value());
  put_u64(out, static_cast<uint64_t>(update.clock));
  out.push_back(update.reply_requested ? 1 : 0);
  return out;
}

}  // namespace pgexport::pg::replication
