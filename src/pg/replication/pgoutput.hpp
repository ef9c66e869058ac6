// Decoding of the messages of PostgreSQL's built-in `pgoutput` logical decoding plugin
// (PostgreSQL docs, "Logical Replication Message Formats"), one message per XLogData payload
// or per row of pg_logical_slot_get_binary_changes(). A pure function: bytes in, values out.
//
// Covered: protocol versions 1 and 2 with streaming off (the server's default), which share
// one format: Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate and
// Message (the last only with the `messages` option). Stream messages (version 2 with
// streaming on) and two-phase messages (version 3) are refused with an error saying so: their
// inner messages carry an extra transaction id this decoder does not expect.
//
// Lifetime. A decoded message mixes owned strings and views, by what the consumer does with
// it:
//   - Relation, Type and Origin own their strings. They describe what later messages refer
//     to (a relation's columns, a type's name, a transaction's origin), so a consumer keeps
//     them after the CopyData buffer is gone; they are rare, so copying costs nothing.
//   - Row values (ColumnValue::bytes) and a Message's prefix and content are views into the
//     input. They are the bulk of the stream (a TOASTed column can be a gigabyte) and are
//     consumed while the message is handled, so they are not copied: they are valid only
//     while the buffer passed to decode_pgoutput lives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pg/column_value.hpp"
#include "pg/replication/lsn.hpp"
#include "pg/replication/replication_messages.hpp"
#include "pg/types.hpp"

namespace pgexport::pg::replication {

using TransactionId = uint32_t;

// 'B': a transaction begins. Its changes follow, then its Commit.
struct Begin {
  Lsn final_lsn;                // the LSN of the transaction's commit record
  PgTimestamp commit_time = 0;  // when the transaction committed
  TransactionId xid = 0;
};

// 'C': the transaction that the last Begin started has committed.
struct Commit {
  uint8_t flags = 0;  // unused by PostgreSQL so far (always 0)
  Lsn commit_lsn;     // the LSN of the commit record (Begin::final_lsn)
  Lsn end_lsn;        // the end of the commit record: where replication resumes after it
  PgTimestamp commit_time = 0;
};

// 'O': the transaction was replayed from another server (a replication origin).
struct Origin {
  Lsn commit_lsn;  // the commit's LSN on the origin server
  std::string name;
};

// pg_class.relreplident: which old values an Update or Delete carries.
enum class ReplicaIdentity : char {
  default_key = 'd',  // the primary key, if any
  nothing = 'n',      // none
  full = 'f',         // every column
  index = 'i',        // the columns of a chosen unique index
};

struct RelationColumn {
  // Bit 0 set: the column is part of the replica identity (the "key"). Other bits: unused.
  uint8_t flags = 0;
  std::string name;
  Oid type_oid = 0;
  int32_t type_modifier = -1;  // atttypmod; -1 when the type has none

  bool is_key() const { return (flags & 1) != 0; }
};

// 'R': the shape of a relation, sent before the first change to it in a session and again
// after its definition changes. Later changes name it by relation_oid; their tuples have one
// value per column listed here, in this order (generated columns are not sent).
struct Relation {
  Oid relation_oid = 0;
  std::string schema;  // empty for pg_catalog
  std::string name;
  ReplicaIdentity replica_identity = ReplicaIdentity::default_key;
  std::vector<RelationColumn> columns;
};

// 'Y': the name of a type that is not built in (an enum, a domain, ...), sent before the first
// Relation whose columns use it.
struct Type {
  Oid type_oid = 0;
  std::string schema;  // empty for pg_catalog
  std::string name;
};

// One value per column of the relation, in the Relation's column order.
using TupleData = std::vector<ColumnValue>;

// The old values an Update or Delete carries.
struct OldTuple {
  enum class Kind : char {
    key = 'K',       // the replica identity columns; every other column is null
    full_row = 'O',  // every column (REPLICA IDENTITY FULL)
  };
  Kind kind = Kind::key;
  TupleData values;
};

// 'I'
struct Insert {
  Oid relation_oid = 0;
  TupleData new_tuple;
};

// 'U'. Without REPLICA IDENTITY FULL, old_tuple is present only when the update changed a
// key column; then it holds the old key.
struct Update {
  Oid relation_oid = 0;
  std::optional<OldTuple> old_tuple;
  TupleData new_tuple;  // unchanged TOASTed values arrive as ColumnValue::Kind::unchanged
};

// 'D'
struct Delete {
  Oid relation_oid = 0;
  OldTuple old_tuple;
};

// 'T': TRUNCATE of one or more relations in one statement.
struct Truncate {
  uint8_t options = 0;  // bit 0: CASCADE; bit 1: RESTART IDENTITY
  std::vector<Oid> relation_oids;

  bool cascade() const { return (options & 1) != 0; }
  bool restart_identity() const { return (options & 2) != 0; }
};

// 'M': a message written with pg_logical_emit_message().
struct LogicalMessage {
  bool transactional = false;  // part of a transaction (between Begin and Commit)
  Lsn lsn;                     // the LSN of the message itself
  std::string_view prefix;     // a view into the input (see Lifetime above)
  std::string_view content;    // a view into the input; any bytes
};

using PgOutputMessage = std::variant<Begin, Commit, Origin, Relation, Type, Insert, Update, Delete,
                                     Truncate, LogicalMessage>;

// Decodes one pgoutput message. Throws pgexport::Error (database_error) when the bytes are
// not one complete message: an unknown tag, a truncated message, a count that overruns the
// message, an unknown tuple or replica identity marker, trailing bytes, or a stream or
// two-phase message; the error names the message type and the byte offset. It never reads
// outside `message`.
PgOutputMessage decode_pgoutput(std::string_view message);

// The name of a message type for logs and errors ("Insert", "Relation", ...).
std::string_view message_type_name(const PgOutputMessage& message);

}  // namespace pgexport::pg::replication
