// Parquet values as PostgreSQL's texts: the inverse of text_to_binary.hpp, so that a value the
// full export or a change file wrote reads back as exactly the text the type's output function
// prints under the export session's settings (and so as logical replication sends it). Which
// rule applies follows from the leaf's physical and logical type, which pgexport chooses per
// PostgreSQL type (docs/types.md).
#pragma once

#include <string>
#include <string_view>

#include "format/parquet/metadata.hpp"

namespace pgexport::format::parquet {

struct LeafText {
  enum class Rule {
    boolean,      // BOOLEAN: t / f
    int32,        // INT32 INT(16|32)
    int64,        // INT64 INT(64): bigint and oid
    float4,       // FLOAT
    float8,       // DOUBLE
    decimal,      // DECIMAL(p,s) on INT32, INT64 or FIXED_LEN_BYTE_ARRAY: `scale` digits after the
                  // point
    text,         // STRING, ENUM, JSON: the bytes as they are
    bytea,        // BYTE_ARRAY without annotation: \x and lower-case hex
    uuid,         // FIXED_LEN_BYTE_ARRAY(16) UUID
    date,         // INT32 DATE: days since 1970, pgexport's infinity sentinels
    time,         // INT64 TIME(MICROS)
    timestamp,    // INT64 TIMESTAMP(MICROS), local
    timestamptz,  // INT64 TIMESTAMP(MICROS, UTC), printed in UTC with +00
  };
  Rule rule = Rule::text;
  int scale = 0;  // decimal
};

// The rule for a leaf of pgexport's; throws data_error for a type pgexport never writes.
LeafText leaf_text(const SchemaElement& leaf);

// Appends the text of one value given as its PLAIN bytes (see column_chunk_reader.hpp). Throws
// data_error for a timestamp or date outside PostgreSQL's range.
void append_leaf_text(const LeafText& leaf, std::string_view plain, std::string& out);

}  // namespace pgexport::format::parquet
