#include "pg/replication/replication_messages.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "common/error.hpp"
#include "wire_builder.hpp"

namespace pgexport::pg::replication {
namespace {

using namespace std::chrono;

// Decodes a copy of `bytes` held in a buffer of exactly its size, so a read past the end
// touches memory that is not the message's (and a sanitizer build reports it).
template <typename Decode>
auto decode_exact(std::string_view bytes, Decode decode) {
  auto buffer = std::make_unique<char[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), buffer.get());
  return decode(std::string_view(buffer.get(), bytes.size()));
}

TEST(PgTimestamp, EpochIsMidnightOfFirstJanuary2000Utc) {
  // 2000-01-01T00:00:00Z is 946684800 s after the Unix epoch.
  EXPECT_EQ(to_system_time(0).time_since_epoch(), seconds(946684800));
  EXPECT_EQ(to_pg_timestamp(system_clock::time_point(seconds(946684800))), 0);
  // 2024-02-29T12:34:56.789012Z
  auto leap_day = sys_days(year(2024) / February / 29) + hours(12) + minutes(34) + seconds(56) +
                  microseconds(789012);
  PgTimestamp pg = to_pg_timestamp(leap_day);
  EXPECT_EQ(pg, (sys_days(year(2024) / February / 29) - sys_days(year(2000) / January / 1)) /
                        microseconds(1) +
                    ((12 * 60 + 34) * 60 + 56) * 1000000LL + 789012);
  EXPECT_EQ(to_system_time(pg), leap_day);
  // Before 2000: negative.
  EXPECT_EQ(to_pg_timestamp(sys_days(year(1999) / December / 31)), -86400LL * 1000000);
}

TEST(PgTimestamp, RoundsDownToTheMicrosecond) {
  auto time = system_clock::time_point(seconds(946684800)) + nanoseconds(1999);
  EXPECT_EQ(to_pg_timestamp(time), 1);
  auto before = system_clock::time_point(seconds(946684800)) - nanoseconds(1);
  EXPECT_EQ(to_pg_timestamp(before), -1);
}

TEST(PgTimestamp, InfinityIsNotOnTheSystemClock) {
  // PostgreSQL's 'infinity' is INT64_MAX microseconds.
  EXPECT_THROW(to_system_time(INT64_MAX), Error);
  EXPECT_NO_THROW(to_system_time(INT64_MIN));  // -infinity + the epoch offset still fits
  EXPECT_EQ(to_system_time(INT64_MAX - kPgEpochUnixMicros).time_since_epoch().count(), INT64_MAX);
}

std::string xlog_data_bytes() {
  return WireBuilder()
      .tag('w')
      .u64(0x0000'0001'0000'00A0)
      .u64(0x0000'0001'0000'0F00)
      .i64(777'000'001)
      .raw("B...payload")
      .bytes();
}

TEST(ReplicationMessage, DecodesXLogData) {
  std::string bytes = xlog_data_bytes();
  auto message = decode_replication_message(bytes);
  auto& data = std::get<XLogData>(message);
  EXPECT_EQ(data.wal_start, Lsn::parse("1/A0"));
  EXPECT_EQ(data.wal_end, Lsn::parse("1/F00"));
  EXPECT_EQ(data.send_time, 777'000'001);
  EXPECT_EQ(data.data, "B...payload");
  // A view into the input, not a copy.
  EXPECT_EQ(data.data.data(), bytes.data() + 25);
}

TEST(ReplicationMessage, DecodesXLogDataWithNoPayload) {
  std::string bytes = WireBuilder().tag('w').u64(1).u64(2).i64(3).bytes();
  auto data = std::get<XLogData>(decode_replication_message(bytes));
  EXPECT_EQ(data.wal_start, Lsn(1));
  EXPECT_EQ(data.wal_end, Lsn(2));
  EXPECT_EQ(data.send_time, 3);
  EXPECT_TRUE(data.data.empty());
}

TEST(ReplicationMessage, DecodesKeepaliveFromLiteralBytes) {
  // 'k', walEnd 0/16B3748, sendTime 0x0102030405060708, replyRequested 1.
  const unsigned char bytes[] = {'k',  0x00, 0x00, 0x00, 0x00, 0x01, 0x6B, 0x37, 0x48,
                                 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01};
  auto keepalive = std::get<PrimaryKeepalive>(
      decode_replication_message({reinterpret_cast<const char*>(bytes), sizeof bytes}));
  EXPECT_EQ(keepalive.wal_end.to_string(), "0/16B3748");
  EXPECT_EQ(keepalive.send_time, 0x0102030405060708);
  EXPECT_TRUE(keepalive.reply_requested);

  std::string no_reply = WireBuilder().tag('k').u64(5).i64(-1).u8(0).bytes();
  auto quiet = std::get<PrimaryKeepalive>(decode_replication_message(no_reply));
  EXPECT_EQ(quiet.wal_end, Lsn(5));
  EXPECT_EQ(quiet.send_time, -1);
  EXPECT_FALSE(quiet.reply_requested);
}

void expect_malformed(std::string_view bytes, std::string_view message_name) {
  try {
    decode_exact(bytes, decode_replication_message);
    ADD_FAILURE() << "accepted " << bytes.size() << " bytes as " << message_name;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::database_error);
    std::string what = error.what();
    EXPECT_NE(what.find(std::string(message_name)), std::string::npos) << what;
    EXPECT_NE(what.find("byte offset"), std::string::npos) << what;
  }
}

TEST(ReplicationMessage, EveryTruncationIsAnError) {
  std::string xlog = xlog_data_bytes();
  expect_malformed("", "replication");
  // XLogData's payload may be empty, so only cuts inside the 25-byte header are errors.
  for (size_t size = 1; size < 25; ++size) expect_malformed(xlog.substr(0, size), "XLogData");
  std::string keepalive = WireBuilder().tag('k').u64(5).i64(6).u8(1).bytes();
  for (size_t size = 1; size < keepalive.size(); ++size) {
    expect_malformed(keepalive.substr(0, size), "Primary keepalive");
  }
}

TEST(ReplicationMessage, CorruptionIsAnError) {
  expect_malformed("r", "replication");  // what the client sends, never the server
  expect_malformed(std::string(18, '\0'), "replication");
  std::string keepalive = WireBuilder().tag('k').u64(5).i64(6).u8(1).bytes();
  expect_malformed(keepalive + "x", "Primary keepalive");
  try {
    decode_replication_message("Z123");
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("unknown message tag 0x5A"), std::string::npos)
        << error.what();
  }
}

TEST(StandbyStatusUpdate, EncodesByteByByte) {
  StandbyStatusUpdate update;
  update.written = Lsn::parse("1/23456789");
  update.flushed = Lsn::parse("1/20000000");
  update.applied = Lsn::parse("0/ABCDEF");
  update.clock = 0x00'02'9E'4F'6A'3B'1C'0D;
  update.reply_requested = true;
  const unsigned char expected[] = {
      'r',                                             // tag
      0x00, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89,  // written
      0x00, 0x00, 0x00, 0x01, 0x20, 0x00, 0x00, 0x00,  // flushed
      0x00, 0x00, 0x00, 0x00, 0x00, 0xAB, 0xCD, 0xEF,  // applied
      0x00, 0x02, 0x9E, 0x4F, 0x6A, 0x3B, 0x1C, 0x0D,  // clock
      0x01,                                            // reply requested
  };
  EXPECT_EQ(encode_standby_status_update(update),
            std::string(reinterpret_cast<const char*>(expected), sizeof expected));

  update.reply_requested = false;
  update.clock = -2;  // before 2000: two's complement
  std::string encoded = encode_standby_status_update(update);
  ASSERT_EQ(encoded.size(), 34u);
  EXPECT_EQ(encoded.substr(25, 8), std::string(7, '\xFF') + '\xFE');
  EXPECT_EQ(encoded[33], '\0');
}

TEST(StandbyStatusUpdate, ClockFromTheSystemClock) {
  StandbyStatusUpdate update;
  update.clock = to_pg_timestamp(sys_days(year(2000) / January / 2));
  std::string encoded = encode_standby_status_update(update);
  // 86400 s = 86'400'000'000 us = 0x141DD76000
  EXPECT_EQ(encoded.substr(25, 8), std::string("\x00\x00\x00\x14\x1D\xD7\x60\x00", 8));
}

}  // namespace
}  // namespace pgexport::pg::replication
