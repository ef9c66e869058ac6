// Personal data: the values of hashed columns (pg::Column::hashed_from) are replaced by their
// HMAC-SHA-256 under the operator's key before any byte leaves the process. What is hashed is
// the UTF-8 text of the value's cast to text (`col::text` under the export session's settings),
// so a warehouse can reproduce a hash with `encode(hmac(col::text, key, 'sha256'), 'hex')`;
// NULL stays NULL. The same key and value give the same hash in every run, so joins on hashed
// columns still match (docs/security.md, "Personal data").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/copy_text.hpp"
#include "format/format.hpp"
#include "pg/types.hpp"

namespace pgexport::format {

// How hashed columns are hashed, as the manifest names it.
inline constexpr std::string_view kHashMethod = "hmac-sha256";

// The 64 lowercase hex digits of HMAC-SHA-256(key, text).
std::string hash_text(std::string_view key, std::string_view text);

// `column` as the files hold it once hashed: its type is text, and hashed_from keeps the type
// the database declares.
pg::Column as_hashed(pg::Column column);

// The positions of the hashed columns of `table`.
std::vector<size_t> hashed_column_positions(const pg::TableSchema& table);

// Selects every hashed column as its cast to text, whatever wire format the format chose, so
// the row carries exactly the text that is hashed (a bool's cast says "true" where its output
// function says "t").
void select_hashed_as_text(const pg::TableSchema& table, CopySpec& spec);

// The text `column::text` gives for a value whose type's output function printed
// `output_text` (what logical replication sends): they differ only for bool ("t" becomes
// "true"), character(n) (trailing spaces are dropped) and inet (a host address gets its /32 or
// /128). `type` is the declared type with domains resolved (TypeDesc::oid).
std::string text_cast_of_output(const pg::TypeDesc& type, std::string_view output_text);

// Wraps `inner` so that, in every row, the fields at `positions` (which the COPY selected as
// text, see select_hashed_as_text) are replaced by hash_text(key, value) before `inner` sees
// the row. Rows are in `wire` form; the other fields pass through byte for byte.
std::unique_ptr<Encoder> hashing_encoder(std::unique_ptr<Encoder> inner, WireFormat wire,
                                         std::vector<size_t> positions, std::string key);

// The same rewriting of one row on its own, for tests and for callers without an encoder.
// Returns the rewritten row, valid until the next call.
class HashedFieldRewriter {
 public:
  HashedFieldRewriter(WireFormat wire, std::vector<size_t> positions, std::string key);
  std::string_view rewrite(std::string_view row);

 private:
  std::string_view rewrite_binary(std::string_view row);
  std::string_view rewrite_delimited(std::string_view row);

  WireFormat wire_;
  std::vector<bool> hashed_;  // per field position
  std::string key_;
  CopyTextParser text_parser_;  // decodes a hashed COPY TEXT field's escapes
  std::string row_;
  std::string scratch_;
};

}  // namespace pgexport::format
