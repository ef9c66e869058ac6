#include "pg/replication/pgoutput.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "common/error.hpp"
#include "wire_builder.hpp"

namespace pgexport::pg::replication {
namespace {

using Kind = ColumnValue::Kind;

// A message decoded from a copy of its bytes held in a buffer of exactly their size, so a
// read past the end touches memory that is not the message's (and a sanitizer build reports
// it). The buffer lives as long as the decoded message, whose values are views into it.
std::unique_ptr<char[]> exact_copy(std::string_view bytes) {
  auto buffer = std::make_unique<char[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), buffer.get());
  return buffer;
}

struct Decoded {
  explicit Decoded(std::string_view bytes)
      : buffer(exact_copy(bytes)), message(decode_pgoutput({buffer.get(), bytes.size()})) {}

  template <typename T>
  const T& as() const {
    return std::get<T>(message);
  }

  std::unique_ptr<char[]> buffer;
  PgOutputMessage message;
};

// Only for checks that look at the message's type, not its values: the views dangle.
PgOutputMessage decode_exact(std::string_view bytes) {
  return Decoded(bytes).message;
}

// --- one hand-built vector per message type ------------------------------------------------

std::string begin_bytes() {
  return WireBuilder().tag('B').u64(0x1'0000'2000).i64(760'000'000'123'456).u32(4242).bytes();
}

std::string commit_bytes() {
  return WireBuilder()
      .tag('C')
      .u8(0)
      .u64(0x1'0000'2000)
      .u64(0x1'0000'2030)
      .i64(760'000'000'123'456)
      .bytes();
}

std::string origin_bytes() {
  return WireBuilder().tag('O').u64(0xABCDEF).cstring("east").bytes();
}

std::string relation_bytes() {
  return WireBuilder()
      .tag('R')
      .u32(16385)
      .cstring("public")
      .cstring("orders")
      .tag('d')
      .i16(3)
      .u8(1)
      .cstring("id")
      .u32(2950)
      .i32(-1)  // uuid key
      .u8(0)
      .cstring("amount")
      .u32(1700)
      .i32(((12 << 16) | 2) + 4)  // numeric(12,2)
      .u8(0)
      .cstring("note")
      .u32(25)
      .i32(-1)
      .bytes();
}

std::string type_bytes() {
  return WireBuilder().tag('Y').u32(16390).cstring("public").cstring("mood").bytes();
}

std::string insert_bytes() {
  return WireBuilder()
      .tag('I')
      .u32(16385)
      .tag('N')
      .i16(4)
      .value('t', "42")
      .tag('n')
      .value('b', std::string("\x00\x01\xFF", 3))
      .value('t', "")
      .bytes();
}

std::string update_bytes() {  // no old tuple: key unchanged, TOASTed column unchanged
  return WireBuilder()
      .tag('U')
      .u32(16385)
      .tag('N')
      .i16(3)
      .value('t', "42")
      .tag('u')
      .value('t', "second")
      .bytes();
}

std::string update_key_bytes() {  // 'K': the key changed
  return WireBuilder()
      .tag('U')
      .u32(16385)
      .tag('K')
      .i16(3)
      .value('t', "42")
      .tag('n')
      .tag('n')
      .tag('N')
      .i16(3)
      .value('t', "43")
      .tag('u')
      .value('t', "x")
      .bytes();
}

std::string update_old_row_bytes() {  // 'O': REPLICA IDENTITY FULL
  return WireBuilder()
      .tag('U')
      .u32(16400)
      .tag('O')
      .i16(2)
      .value('t', "1")
      .value('t', "a")
      .tag('N')
      .i16(2)
      .value('t', "1")
      .value('t', "b")
      .bytes();
}

std::string delete_key_bytes() {
  return WireBuilder().tag('D').u32(16385).tag('K').i16(2).value('t', "42").tag('n').bytes();
}

std::string delete_old_row_bytes() {
  return WireBuilder().tag('D').u32(16400).tag('O').i16(2).value('t', "1").value('t', "b").bytes();
}

std::string truncate_bytes() {
  return WireBuilder().tag('T').u32(2).u8(3).u32(16385).u32(16400).bytes();
}

std::string message_bytes() {
  return WireBuilder()
      .tag('M')
      .u8(1)
      .u64(0x2'0000'0010)
      .cstring("pgexport")
      .i32(4)
      .raw(std::string("a\0b\xFF", 4))
      .bytes();
}

// --- field by field --------------------------------------------------------------------------

TEST(PgOutput, DecodesBeginFromLiteralBytes) {
  // 'B', final LSN 1/2000, commit time 0x0002B337_4A096240, xid 4242.
  const unsigned char bytes[] = {'B',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x20, 0x00, 0x00, 0x02,
                                 0xB3, 0x37, 0x4A, 0x09, 0x62, 0x40, 0x00, 0x00, 0x10, 0x92};
  std::string literal(reinterpret_cast<const char*>(bytes), sizeof bytes);
  EXPECT_EQ(literal, begin_bytes());  // the builder writes what the literal says
  auto begin = std::get<Begin>(decode_pgoutput(literal));
  EXPECT_EQ(begin.final_lsn.to_string(), "1/2000");
  EXPECT_EQ(begin.commit_time, 760'000'000'123'456);
  EXPECT_EQ(begin.xid, 4242u);
}

TEST(PgOutput, DecodesCommit) {
  Decoded commit_decoded(commit_bytes());
  const auto& commit = commit_decoded.as<Commit>();
  EXPECT_EQ(commit.flags, 0);
  EXPECT_EQ(commit.commit_lsn, Lsn::parse("1/2000"));
  EXPECT_EQ(commit.end_lsn, Lsn::parse("1/2030"));
  EXPECT_EQ(commit.commit_time, 760'000'000'123'456);
}

TEST(PgOutput, DecodesOrigin) {
  Decoded origin_decoded(origin_bytes());
  const auto& origin = origin_decoded.as<Origin>();
  EXPECT_EQ(origin.commit_lsn, Lsn::parse("0/ABCDEF"));
  EXPECT_EQ(origin.name, "east");
}

TEST(PgOutput, DecodesRelation) {
  Decoded relation_decoded(relation_bytes());
  const auto& relation = relation_decoded.as<Relation>();
  EXPECT_EQ(relation.relation_oid, 16385u);
  EXPECT_EQ(relation.schema, "public");
  EXPECT_EQ(relation.name, "orders");
  EXPECT_EQ(relation.replica_identity, ReplicaIdentity::default_key);
  ASSERT_EQ(relation.columns.size(), 3u);
  EXPECT_TRUE(relation.columns[0].is_key());
  EXPECT_EQ(relation.columns[0].name, "id");
  EXPECT_EQ(relation.columns[0].type_oid, oid::kUuid);
  EXPECT_EQ(relation.columns[0].type_modifier, -1);
  EXPECT_FALSE(relation.columns[1].is_key());
  EXPECT_EQ(relation.columns[1].name, "amount");
  EXPECT_EQ(relation.columns[1].type_oid, oid::kNumeric);
  EXPECT_EQ(relation.columns[1].type_modifier, ((12 << 16) | 2) + 4);
  EXPECT_EQ(relation.columns[2].name, "note");
  EXPECT_EQ(relation.columns[2].type_oid, oid::kText);
  EXPECT_FALSE(relation.columns[2].is_key());
}

TEST(PgOutput, DecodesEveryReplicaIdentity) {
  for (auto [marker, identity] :
       {std::pair{'d', ReplicaIdentity::default_key}, std::pair{'n', ReplicaIdentity::nothing},
        std::pair{'f', ReplicaIdentity::full}, std::pair{'i', ReplicaIdentity::index}}) {
    std::string bytes =
        WireBuilder().tag('R').u32(1).cstring("").cstring("t").tag(marker).i16(0).bytes();
    Decoded relation_decoded(bytes);
    const auto& relation = relation_decoded.as<Relation>();
    EXPECT_EQ(relation.replica_identity, identity);
    EXPECT_EQ(relation.schema, "");  // pg_catalog
    EXPECT_TRUE(relation.columns.empty());
  }
}

TEST(PgOutput, DecodesType) {
  Decoded type_decoded(type_bytes());
  const auto& type = type_decoded.as<Type>();
  EXPECT_EQ(type.type_oid, 16390u);
  EXPECT_EQ(type.schema, "public");
  EXPECT_EQ(type.name, "mood");
}

TEST(PgOutput, DecodesInsertWithEveryValueKind) {
  std::string bytes = insert_bytes();
  auto insert = std::get<Insert>(decode_pgoutput(bytes));
  EXPECT_EQ(insert.relation_oid, 16385u);
  ASSERT_EQ(insert.new_tuple.size(), 4u);
  EXPECT_EQ(insert.new_tuple[0], ColumnValue::text("42"));
  EXPECT_EQ(insert.new_tuple[1].kind, Kind::null);
  EXPECT_TRUE(insert.new_tuple[1].bytes.empty());
  EXPECT_EQ(insert.new_tuple[2].kind, Kind::binary);
  EXPECT_EQ(insert.new_tuple[2].bytes, std::string_view("\x00\x01\xFF", 3));
  EXPECT_EQ(insert.new_tuple[3].kind, Kind::text);  // an empty string is not NULL
  EXPECT_TRUE(insert.new_tuple[3].bytes.empty());
  // Values are views into the input: 'I', oid (4), 'N', count (2), 't', length (4).
  EXPECT_EQ(insert.new_tuple[0].bytes.data(), bytes.data() + 13);
}

TEST(PgOutput, DecodesUpdateWithoutOldTuple) {
  Decoded update_decoded(update_bytes());
  const auto& update = update_decoded.as<Update>();
  EXPECT_EQ(update.relation_oid, 16385u);
  EXPECT_FALSE(update.old_tuple.has_value());
  ASSERT_EQ(update.new_tuple.size(), 3u);
  EXPECT_EQ(update.new_tuple[0], ColumnValue::text("42"));
  EXPECT_EQ(update.new_tuple[1], ColumnValue::unchanged());
  EXPECT_EQ(update.new_tuple[2], ColumnValue::text("second"));
}

TEST(PgOutput, DecodesUpdateWithOldKey) {
  Decoded update_decoded(update_key_bytes());
  const auto& update = update_decoded.as<Update>();
  ASSERT_TRUE(update.old_tuple.has_value());
  EXPECT_EQ(update.old_tuple->kind, OldTuple::Kind::key);
  ASSERT_EQ(update.old_tuple->values.size(), 3u);
  EXPECT_EQ(update.old_tuple->values[0], ColumnValue::text("42"));
  EXPECT_EQ(update.old_tuple->values[1], ColumnValue::null());
  EXPECT_EQ(update.old_tuple->values[2], ColumnValue::null());
  ASSERT_EQ(update.new_tuple.size(), 3u);
  EXPECT_EQ(update.new_tuple[0], ColumnValue::text("43"));
  EXPECT_EQ(update.new_tuple[1], ColumnValue::unchanged());
  EXPECT_EQ(update.new_tuple[2], ColumnValue::text("x"));
}

TEST(PgOutput, DecodesUpdateWithOldRow) {
  Decoded update_decoded(update_old_row_bytes());
  const auto& update = update_decoded.as<Update>();
  EXPECT_EQ(update.relation_oid, 16400u);
  ASSERT_TRUE(update.old_tuple.has_value());
  EXPECT_EQ(update.old_tuple->kind, OldTuple::Kind::full_row);
  EXPECT_EQ(update.old_tuple->values, (TupleData{ColumnValue::text("1"), ColumnValue::text("a")}));
  EXPECT_EQ(update.new_tuple, (TupleData{ColumnValue::text("1"), ColumnValue::text("b")}));
}

TEST(PgOutput, DecodesDeleteWithKeyAndWithOldRow) {
  Decoded by_key_decoded(delete_key_bytes());
  const auto& by_key = by_key_decoded.as<Delete>();
  EXPECT_EQ(by_key.relation_oid, 16385u);
  EXPECT_EQ(by_key.old_tuple.kind, OldTuple::Kind::key);
  EXPECT_EQ(by_key.old_tuple.values, (TupleData{ColumnValue::text("42"), ColumnValue::null()}));

  Decoded by_row_decoded(delete_old_row_bytes());
  const auto& by_row = by_row_decoded.as<Delete>();
  EXPECT_EQ(by_row.relation_oid, 16400u);
  EXPECT_EQ(by_row.old_tuple.kind, OldTuple::Kind::full_row);
  EXPECT_EQ(by_row.old_tuple.values, (TupleData{ColumnValue::text("1"), ColumnValue::text("b")}));
}

TEST(PgOutput, DecodesTruncate) {
  Decoded truncate_decoded(truncate_bytes());
  const auto& truncate = truncate_decoded.as<Truncate>();
  EXPECT_EQ(truncate.options, 3);
  EXPECT_TRUE(truncate.cascade());
  EXPECT_TRUE(truncate.restart_identity());
  EXPECT_EQ(truncate.relation_oids, (std::vector<Oid>{16385, 16400}));

  std::string plain = WireBuilder().tag('T').u32(1).u8(0).u32(7).bytes();
  Decoded simple_decoded(plain);
  const auto& simple = simple_decoded.as<Truncate>();
  EXPECT_FALSE(simple.cascade());
  EXPECT_FALSE(simple.restart_identity());
  EXPECT_EQ(simple.relation_oids, std::vector<Oid>{7});
  std::string restart_only = WireBuilder().tag('T').u32(1).u8(2).u32(7).bytes();
  EXPECT_TRUE(Decoded(restart_only).as<Truncate>().restart_identity());
  EXPECT_FALSE(Decoded(restart_only).as<Truncate>().cascade());
}

TEST(PgOutput, DecodesMessage) {
  std::string bytes = message_bytes();
  auto message = std::get<LogicalMessage>(decode_pgoutput(bytes));
  EXPECT_TRUE(message.transactional);
  EXPECT_EQ(message.lsn, Lsn::parse("2/10"));
  EXPECT_EQ(message.prefix, "pgexport");
  EXPECT_EQ(message.content, std::string_view("a\0b\xFF", 4));

  std::string plain =
      WireBuilder().tag('M').u8(0).u64(5).cstring("").i32(0).bytes();  // non-transactional
  Decoded empty_decoded(plain);
  const auto& empty = empty_decoded.as<LogicalMessage>();
  EXPECT_FALSE(empty.transactional);
  EXPECT_EQ(empty.lsn, Lsn(5));
  EXPECT_TRUE(empty.prefix.empty());
  EXPECT_TRUE(empty.content.empty());
}

TEST(PgOutput, NamesMessageTypes) {
  EXPECT_EQ(message_type_name(decode_pgoutput(begin_bytes())), "Begin");
  EXPECT_EQ(message_type_name(decode_pgoutput(update_key_bytes())), "Update");
  EXPECT_EQ(message_type_name(decode_pgoutput(message_bytes())), "Message");
}

// --- malformed input ---------------------------------------------------------------------------

struct Vector {
  std::string name;  // as the error names the message
  std::string bytes;
};

std::vector<Vector> all_vectors() {
  return {
      {"Begin", begin_bytes()},
      {"Commit", commit_bytes()},
      {"Origin", origin_bytes()},
      {"Relation", relation_bytes()},
      {"Type", type_bytes()},
      {"Insert", insert_bytes()},
      {"Update", update_bytes()},
      {"Update", update_key_bytes()},
      {"Update", update_old_row_bytes()},
      {"Delete", delete_key_bytes()},
      {"Delete", delete_old_row_bytes()},
      {"Truncate", truncate_bytes()},
      {"Message", message_bytes()},
  };
}

// Decoding must throw database_error whose message names the type and an offset.
std::string expect_malformed(std::string_view bytes, const std::string& name) {
  try {
    auto decoded = decode_exact(bytes);
    ADD_FAILURE() << "accepted " << bytes.size() << " bytes as " << message_type_name(decoded);
    return {};
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::database_error);
    std::string what = error.what();
    EXPECT_NE(what.find("malformed pgoutput " + name + " message at byte offset "),
              std::string::npos)
        << what;
    return what;
  }
}

TEST(PgOutput, EveryVectorDecodes) {
  for (const auto& vector : all_vectors()) {
    EXPECT_EQ(message_type_name(decode_exact(vector.bytes)), vector.name);
  }
}

TEST(PgOutput, EveryTruncationOfEveryMessageIsAnError) {
  size_t checked = 0;
  for (const auto& vector : all_vectors()) {
    // Size 0 has no tag to name the message; every other cut keeps the tag.
    for (size_t size = 1; size < vector.bytes.size(); ++size) {
      SCOPED_TRACE(vector.name + " cut to " + std::to_string(size) + " bytes");
      expect_malformed(std::string_view(vector.bytes).substr(0, size), vector.name);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300u);
}

TEST(PgOutput, EmptyInputIsAnError) {
  try {
    decode_exact("");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::database_error);
    EXPECT_NE(std::string(error.what()).find("malformed pgoutput message at byte offset 0"),
              std::string::npos)
        << error.what();
  }
}

TEST(PgOutput, TrailingBytesAreAnError) {
  for (const auto& vector : all_vectors()) {
    SCOPED_TRACE(vector.name);
    auto what = expect_malformed(vector.bytes + '\0', vector.name);
    EXPECT_NE(what.find("1 unexpected bytes after the message"), std::string::npos) << what;
  }
}

TEST(PgOutput, UnknownTagIsAnError) {
  for (char tag : {'Z', 'x', '\0', 'w', 'k'}) {
    std::string bytes = begin_bytes();
    bytes[0] = tag;
    try {
      decode_exact(bytes);
      ADD_FAILURE() << "accepted tag " << int(tag);
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("unknown message tag"), std::string::npos);
      EXPECT_NE(std::string(error.what()).find("byte offset 0"), std::string::npos);
    }
  }
}

TEST(PgOutput, StreamAndTwoPhaseMessagesAreRefused) {
  for (char tag : {'S', 'E', 'c', 'A', 'p'}) {
    std::string bytes = WireBuilder().tag(tag).u32(4242).u8(1).bytes();
    try {
      decode_exact(bytes);
      ADD_FAILURE() << "accepted tag " << tag;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::database_error);
      EXPECT_NE(std::string(error.what()).find("with streaming off"), std::string::npos)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("without the 'streaming' option"),
                std::string::npos);
    }
  }
  for (char tag : {'b', 'P', 'K', 'r'}) {
    std::string bytes = WireBuilder().tag(tag).u64(1).bytes();
    try {
      decode_exact(bytes);
      ADD_FAILURE() << "accepted tag " << tag;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("two-phase decoding off"), std::string::npos)
          << error.what();
    }
  }
}

// Replaces `length` bytes at `offset` of `bytes`.
std::string patch(std::string bytes, size_t offset, std::string_view replacement) {
  bytes.replace(offset, replacement.size(), replacement);
  return bytes;
}

std::string be16(int16_t value) {
  return WireBuilder().i16(value).bytes();
}
std::string be32(int32_t value) {
  return WireBuilder().i32(value).bytes();
}

TEST(PgOutput, CountsThatOverrunAreErrors) {
  // Relation: column count at 1 + 4 + "public\0" (7) + "orders\0" (7) + identity (1) = 20.
  // 4 columns: the 42 bytes left could hold 4 minimal ones, so decoding runs out on the way.
  expect_malformed(patch(relation_bytes(), 20, be16(4)), "Relation");
  // 5 columns need at least 50 bytes: refused before reading any.
  auto what = expect_malformed(patch(relation_bytes(), 20, be16(5)), "Relation");
  EXPECT_NE(what.find("column count 5 overruns the 42 bytes left"), std::string::npos) << what;
  what = expect_malformed(patch(relation_bytes(), 20, be16(-1)), "Relation");
  EXPECT_NE(what.find("negative column count -1"), std::string::npos) << what;
  // One column fewer than sent: the last column becomes trailing bytes.
  expect_malformed(patch(relation_bytes(), 20, be16(2)), "Relation");

  // Insert: tuple column count at 6; first value length at 9.
  what = expect_malformed(patch(insert_bytes(), 6, be16(5)), "Insert");
  what = expect_malformed(patch(insert_bytes(), 6, be16(INT16_MAX)), "Insert");
  EXPECT_NE(what.find("tuple column count 32767 overruns"), std::string::npos) << what;
  what = expect_malformed(patch(insert_bytes(), 6, be16(-3)), "Insert");
  EXPECT_NE(what.find("negative tuple column count"), std::string::npos) << what;
  what = expect_malformed(patch(insert_bytes(), 9, be32(1000)), "Insert");
  EXPECT_NE(what.find("the column value needs 1000 bytes"), std::string::npos) << what;
  what = expect_malformed(patch(insert_bytes(), 9, be32(INT32_MAX)), "Insert");
  what = expect_malformed(patch(insert_bytes(), 9, be32(-2)), "Insert");
  EXPECT_NE(what.find("negative length -2 of column 0"), std::string::npos) << what;

  // Update with old key: old tuple count at 6.
  expect_malformed(patch(update_key_bytes(), 6, be16(100)), "Update");

  // Truncate: relation count at 1.
  what = expect_malformed(patch(truncate_bytes(), 1, be32(3)), "Truncate");
  EXPECT_NE(what.find("relation count 3 overruns"), std::string::npos) << what;
  expect_malformed(patch(truncate_bytes(), 1, be32(-1)), "Truncate");
  expect_malformed(patch(truncate_bytes(), 1, be32(1)), "Truncate");  // one oid left over

  // Message: content length at 1 + 1 + 8 + "pgexport\0" (9) = 19.
  what = expect_malformed(patch(message_bytes(), 19, be32(5)), "Message");
  EXPECT_NE(what.find("the content needs 5 bytes but only 4 are left"), std::string::npos) << what;
  expect_malformed(patch(message_bytes(), 19, be32(-1)), "Message");
}

TEST(PgOutput, CorruptMarkersAreErrors) {
  // Insert: 'N' at 5, first column kind at 8.
  auto what = expect_malformed(patch(insert_bytes(), 5, "K"), "Insert");
  EXPECT_NE(what.find("byte offset 5"), std::string::npos) << what;
  EXPECT_NE(what.find("unexpected tuple marker 0x4B (expected 'N' new tuple)"), std::string::npos)
      << what;
  what = expect_malformed(patch(insert_bytes(), 8, "x"), "Insert");
  EXPECT_NE(what.find("unknown kind 0x78 of column 0"), std::string::npos) << what;
  EXPECT_NE(what.find("byte offset 8"), std::string::npos) << what;

  // Update: first marker at 5; after an old tuple (ending at 19) the 'N' must follow.
  expect_malformed(patch(update_bytes(), 5, "X"), "Update");
  what = expect_malformed(patch(update_old_row_bytes(), 20, "O"), "Update");
  EXPECT_NE(what.find("expected 'N' new tuple"), std::string::npos) << what;

  // Delete needs an old tuple: 'N' is not allowed.
  what = expect_malformed(patch(delete_key_bytes(), 5, "N"), "Delete");
  EXPECT_NE(what.find("expected 'K' key or 'O' old row"), std::string::npos) << what;

  // Relation: replica identity at 19.
  what = expect_malformed(patch(relation_bytes(), 19, "z"), "Relation");
  EXPECT_NE(what.find("unknown replica identity 0x7A"), std::string::npos) << what;

  // Message flags at 1.
  what = expect_malformed(patch(message_bytes(), 1, "\x02"), "Message");
  EXPECT_NE(what.find("unknown flags 0x02"), std::string::npos) << what;
}

TEST(PgOutput, StringsWithoutTerminatorAreErrors) {
  // Every NUL of the string-carrying messages, replaced: the string runs on into the next
  // field, and decoding must fail without reading past the end.
  for (const auto& vector : all_vectors()) {
    for (size_t i = 1; i < vector.bytes.size(); ++i) {
      if (vector.bytes[i] != '\0') continue;
      std::string corrupt = vector.bytes;
      corrupt[i] = 'x';
      // Zero bytes inside integers also change value; only require no crash and, when it
      // fails, a clear error (some changes still decode, as a different value).
      try {
        decode_exact(corrupt);
      } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::database_error);
        EXPECT_NE(std::string(error.what()).find("byte offset"), std::string::npos);
      }
    }
  }
  auto what = expect_malformed(WireBuilder().tag('O').u64(1).raw("east").bytes(), "Origin");
  EXPECT_NE(what.find("the origin name string has no terminating NUL byte"), std::string::npos)
      << what;
  what =
      expect_malformed(WireBuilder().tag('Y').u32(1).cstring("public").raw("mood").bytes(), "Type");
  EXPECT_NE(what.find("type name"), std::string::npos) << what;
}

TEST(PgOutput, EveryByteFlipDecodesOrFailsCleanly) {
  // No crash and no out-of-bounds read for any single corrupted byte of any message.
  for (const auto& vector : all_vectors()) {
    for (size_t i = 0; i < vector.bytes.size(); ++i) {
      for (unsigned char value : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
        std::string corrupt = vector.bytes;
        corrupt[i] = static_cast<char>(value);
        try {
          decode_exact(corrupt);
        } catch (const Error& error) {
          EXPECT_EQ(error.kind(), ErrorKind::database_error);
          EXPECT_NE(std::string(error.what()).find("byte offset"), std::string::npos);
        }
      }
    }
  }
}

}  // namespace
}  // namespace pgexport::pg::replication
