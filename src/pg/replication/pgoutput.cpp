#include "pg/replication/pgoutput.hpp"

#include "pg/replication/wire_reader.hpp"

namespace pgexport::pg::replication {

namespace {

// The smallest encoding of one relation column: flags (1), an empty name (1, its NUL), type
// oid (4), typmod (4). Used to refuse a column count the message cannot hold before
// allocating for it.
constexpr size_t kMinRelationColumnBytes = 10;

TupleData read_tuple(WireReader& reader) {
  int16_t count = reader.i16("tuple column count");
  if (count < 0) reader.fail_at(reader.offset() - 2, "negative tuple column count {}", count);
  // Every column takes at least its one kind byte.
  if (static_cast<size_t>(count) > reader.remaining()) {
    reader.fail_at(reader.offset() - 2, "tuple column count {} overruns the {} bytes left", count,
                   reader.remaining());
  }
  TupleData values;
  values.reserve(static_cast<size_t>(count));
  for (int16_t column = 0; column < count; ++column) {
    size_t at = reader.offset();
    char kind = static_cast<char>(reader.u8("tuple column kind"));
    switch (kind) {
      case 'n':
        values.push_back(ColumnValue::null());
        break;
      case 'u':
        values.push_back(ColumnValue::unchanged());
        break;
      case 't':
      case 'b': {
        int32_t length = reader.i32("column value length");
        if (length < 0) {
          reader.fail_at(reader.offset() - 4, "negative length {} of column {}", length, column);
        }
        auto bytes = reader.bytes(static_cast<size_t>(length), "column value");
        values.push_back(kind == 't' ? ColumnValue::text(bytes) : ColumnValue::binary(bytes));
        break;
      }
      default:
        reader.fail_at(at, "unknown kind 0x{:02X} of column {} (expected 'n', 'u', 't' or 'b')",
                       static_cast<uint8_t>(kind), column);
    }
  }
  return values;
}

OldTuple::Kind old_tuple_kind(char marker) {
  return marker == 'K' ? OldTuple::Kind::key : OldTuple::Kind::full_row;
}

Begin read_begin(WireReader& reader) {
  Begin message;
  message.final_lsn = Lsn(reader.u64("final LSN"));
  message.commit_time = reader.i64("commit timestamp");
  message.xid = reader.u32("transaction id");
  return message;
}

Commit read_commit(WireReader& reader) {
  Commit message;
  message.flags = reader.u8("flags");
  message.commit_lsn = Lsn(reader.u64("commit LSN"));
  message.end_lsn = Lsn(reader.u64("end LSN"));
  message.commit_time = reader.i64("commit timestamp");
  return message;
}

Origin read_origin(WireReader& reader) {
  Origin message;
  message.commit_lsn = Lsn(reader.u64("origin commit LSN"));
  message.name = std::string(reader.cstring("origin name"));
  return message;
}

Relation read_relation(WireReader& reader) {
  Relation message;
  message.relation_oid = reader.u32("relation oid");
  message.schema = std::string(reader.cstring("namespace"));
  message.name = std::string(reader.cstring("relation name"));
  size_t identity_at = reader.offset();
  char identity = static_cast<char>(reader.u8("replica identity"));
  switch (identity) {
    case 'd':
    case 'n':
    case 'f':
    case 'i':
      message.replica_identity = static_cast<ReplicaIdentity>(identity);
      break;
    default:
      reader.fail_at(identity_at, "unknown replica identity 0x{:02X} (expected d, n, f or i)",
                     static_cast<uint8_t>(identity));
  }
  int16_t count = reader.i16("column count");
  if (count < 0) reader.fail_at(reader.offset() - 2, "negative column count {}", count);
  if (static_cast<size_t>(count) * kMinRelationColumnBytes > reader.remaining()) {
    reader.fail_at(reader.offset() - 2, "column count {} overruns the {} bytes left", count,
                   reader.remaining());
  }
  message.columns.reserve(static_cast<size_t>(count));
  for (int16_t i = 0; i < count; ++i) {
    RelationColumn column;
    column.flags = reader.u8("column flags");
    column.name = std::string(reader.cstring("column name"));
    column.type_oid = reader.u32("column type oid");
    column.type_modifier = reader.i32("column type modifier");
    message.columns.push_back(std::move(column));
  }
  return message;
}

Type read_type(WireReader& reader) {
  Type message;
  message.type_oid = reader.u32("type oid");
  message.schema = std::string(reader.cstring("namespace"));
  message.name = std::string(reader.cstring("type name"));
  return message;
}

// Reads the marker byte before a TupleData and checks it is one of `allowed`.
char read_marker(WireReader& reader, std::string_view allowed, std::string_view expected) {
  size_t at = reader.offset();
  char marker = static_cast<char>(reader.u8("tuple marker"));
  if (allowed.find(marker) == std::string_view::npos) {
    reader.fail_at(at, "unexpected tuple marker 0x{:02X} (expected {})",
                   static_cast<uint8_t>(marker), expected);
  }
  return marker;
}

Insert read_insert(WireReader& reader) {
  Insert message;
  message.relation_oid = reader.u32("relation oid");
  read_marker(reader, "N", "'N' new tuple");
  message.new_tuple = read_tuple(reader);
  return message;
}

Update read_update(WireReader& reader) {
  Update message;
  message.relation_oid = reader.u32("relation oid");
  char marker = read_marker(reader, "KON", "'K' key, 'O' old row or 'N' new tuple");
  if (marker != 'N') {
    message.old_tuple = OldTuple{old_tuple_kind(marker), read_tuple(reader)};
    read_marker(reader, "N", "'N' new tuple");
  }
  message.new_tuple = read_tuple(reader);
  return message;
}

Delete read_delete(WireReader& reader) {
  Delete message;
  message.relation_oid = reader.u32("relation oid");
  char marker = read_marker(reader, "KO", "'K' key or 'O' old row");
  message.old_tuple = OldTuple{old_tuple_kind(marker), read_tuple(reader)};
  return message;
}

Truncate read_truncate(WireReader& reader) {
  Truncate message;
  uint32_t count = reader.u32("relation count");
  message.options = reader.u8("options");
  // Each relation is one Int32 oid.
  if (count > reader.remaining() / 4) {
    reader.fail_at(1, "relation count {} overruns the {} bytes left", count, reader.remaining());
  }
  message.relation_oids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) message.relation_oids.push_back(reader.u32("relation oid"));
  return message;
}

LogicalMessage read_logical_message(WireReader& reader) {
  LogicalMessage message;
  size_t flags_at = reader.offset();
  uint8_t flags = reader.u8("flags");
  if (flags > 1) reader.fail_at(flags_at, "unknown flags 0x{:02X} (expected 0 or 1)", flags);
  message.transactional = flags == 1;
  message.lsn = Lsn(reader.u64("message LSN"));
  message.prefix = reader.cstring("prefix");
  int32_t length = reader.i32("content length");
  if (length < 0) reader.fail_at(reader.offset() - 4, "negative content length {}", length);
  message.content = reader.bytes(static_cast<size_t>(length), "content");
  return message;
}

// Messages this decoder refuses, with the reason.
std::string_view refused_message(char tag) {
  switch (tag) {
    case 'S':
      return "Stream Start";
    case 'E':
      return "Stream Stop";
    case 'c':
      return "Stream Commit";
    case 'A':
      return "Stream Abort";
    case 'p':
      return "Stream Prepare";
    case 'b':
      return "Begin Prepare";
    case 'P':
      return "Prepare";
    case 'K':
      return "Commit Prepared";
    case 'r':
      return "Rollback Prepared";
    default:
      return {};
  }
}

template <typename Reader>
PgOutputMessage read_whole(std::string_view message, std::string_view name, Reader read) {
  WireReader reader(message, name);
  reader.u8("tag");
  PgOutputMessage decoded = read(reader);
  reader.expect_end();
  return decoded;
}

}  // namespace

PgOutputMessage decode_pgoutput(std::string_view message) {
  if (message.empty()) WireReader(message, "pgoutput").fail_at(0, "the message is empty");
  char tag = message[0];
  switch (tag) {
    case 'B':
      return read_whole(message, "pgoutput Begin", read_begin);
    case 'C':
      return read_whole(message, "pgoutput Commit", read_commit);
    case 'O':
      return read_whole(message, "pgoutput Origin", read_origin);
    case 'R':
      return read_whole(message, "pgoutput Relation", read_relation);
    case 'Y':
      return read_whole(message, "pgoutput Type", read_type);
    case 'I':
      return read_whole(message, "pgoutput Insert", read_insert);
    case 'U':
      return read_whole(message, "pgoutput Update", read_update);
    case 'D':
      return read_whole(message, "pgoutput Delete", read_delete);
    case 'T':
      return read_whole(message, "pgoutput Truncate", read_truncate);
    case 'M':
      return read_whole(message, "pgoutput Message", read_logical_message);
    default:
      break;
  }
  WireReader reader(message, "pgoutput");
  auto refused = refused_message(tag);
  if (refused.empty()) {
    reader.fail_at(0, "unknown message tag 0x{:02X}", static_cast<uint8_t>(tag));
  }
  bool stream = tag == 'S' || tag == 'E' || tag == 'c' || tag == 'A' || tag == 'p';
  reader.fail_at(0,
                 "{} message received, but pgexport decodes pgoutput with {} off; start "
                 "replication without the '{}' option",
                 refused, stream ? "streaming" : "two-phase decoding",
                 stream ? "streaming" : "two_phase");
}

std::string_view message_type_name(const PgOutputMessage& message) {
  struct Names {
    std::string_view operator()(const Begin&) const { return "Begin"; }
    std::string_view operator()(const Commit&) const { return "Commit"; }
    std::string_view operator()(const Origin&) const { return "Origin"; }
    std::string_view operator()(const Relation&) const { return "Relation"; }
    std::string_view operator()(const Type&) const { return "Type"; }
    std::string_view operator()(const Insert&) const { return "Insert"; }
    std::string_view operator()(const Update&) const { return "Update"; }
    std::string_view operator()(const Delete&) const { return "Delete"; }
    std::string_view operator()(const Truncate&) const { return "Truncate"; }
    std::string_view operator()(const LogicalMessage&) const { return "Message"; }
  };
  return std::visit(Names{}, message);
}

}  // namespace pgexport::pg::replication
