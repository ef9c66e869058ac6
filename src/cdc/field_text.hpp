// Reading CSV and JSON Lines files back as field texts, streaming: what materialize needs to
// merge rows without knowing their types. A CSV field is PostgreSQL's text of the value with
// the CSV quoting removed (NULL, an unquoted empty field, stays distinct from "", the empty
// string); a JSON Lines member is the raw JSON text of its value, exactly as it was written.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_sink.hpp"

namespace pgexport::cdc {

// One field's text; nullopt is SQL NULL.
using FieldText = std::optional<std::string>;

// Splits a CSV stream (as PostgreSQL's COPY ... CSV and pgexport write it: ',' separated,
// '"' quoting with "" for a quote, records ended by '\n' outside quotes) into records and
// hands each to `on_record`, the header included. Memory holds one record.
class CsvRecordReader final : public ByteSink {
 public:
  using Callback = std::function<void(std::span<const FieldText>)>;
  explicit CsvRecordReader(Callback on_record) : on_record_(std::move(on_record)) {}

  void write(std::string_view bytes) override;
  // Ends the stream: a last record without '\n' is handed over; data ending inside quotes
  // throws data_error (the file was cut short).
  void finish();
  uint64_t records() const { return records_; }

 private:
  void end_field();
  void end_record();

  Callback on_record_;
  std::vector<FieldText> fields_;
  std::string field_;
  bool field_quoted_ = false;  // the field had quotes, so an empty one is "" and not NULL
  bool in_quotes_ = false;
  bool after_quote_ = false;  // a '"' closed quotes: a second '"' right after is an escaped one
  bool record_open_ = false;  // bytes seen since the last record ended
  uint64_t records_ = 0;
};

// One member of a JSON object: its name (unescaped) and its value's raw JSON text.
struct JsonMember {
  std::string name;
  std::string_view raw;  // into the line being handed over
};

// Splits a JSON Lines stream into lines, parses each as one JSON object and hands its members,
// in order, to `on_object`. Values are not parsed, only delimited, so they come back byte for
// byte. A line that is not one JSON object throws data_error naming the line number.
class JsonlObjectReader final : public ByteSink {
 public:
  using Callback = std::function<void(std::span<const JsonMember>)>;
  explicit JsonlObjectReader(Callback on_object) : on_object_(std::move(on_object)) {}

  void write(std::string_view bytes) override;
  void finish();
  uint64_t lines() const { return lines_; }

 private:
  void parse_line(std::string_view line);

  Callback on_object_;
  std::string line_;
  std::vector<JsonMember> members_;
  uint64_t lines_ = 0;
};

// The members of one JSON object line (as JsonlObjectReader parses them); throws data_error.
void parse_json_object_members(std::string_view line, std::vector<JsonMember>& members);

// The text of a raw JSON string value ("a\"b" -> a"b); nullopt when `raw` is not a string.
std::optional<std::string> json_string_text(std::string_view raw);

// The elements of a one-dimensional PostgreSQL text[] literal as array_out writes it
// ({a,"b c","d\"e"}); throws data_error for anything else or for a NULL element.
std::vector<std::string> parse_pg_text_array(std::string_view literal);

}  // namespace pgexport::cdc
