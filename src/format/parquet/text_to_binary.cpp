#include "format/parquet/text_to_binary.hpp"

#include <bit>
#include <charconv>
#include <cstring>

#include "common/error.hpp"
#include "format/parquet/pg_array_text.hpp"
#include "format/parquet/pg_datetime_text.hpp"
#include "format/parquet/pg_number_text.hpp"

namespace pgexport::format::parquet {
namespace {

namespace oid = pg::oid;

// Not in pg::oid, which lists the types encoders dispatch on.
constexpr pg::Oid kInt2VectorOid = 22;
constexpr pg::Oid kOidVectorOid = 30;
constexpr pg::Oid kBoxOid = 603;

template <typename Unsigned>
void append_big_endian(std::string& out, Unsigned value) {
  for (int shift = 8 * static_cast<int>(sizeof(Unsigned)) - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(value >> shift)));
  }
}

[[noreturn]] void not_printed(std::string_view type_name) {
  fail(ErrorKind::data_error,
       "a {} value is not in the text form PostgreSQL prints with the export session's settings "
       "(DateStyle=ISO, IntervalStyle=postgres, TimeZone=UTC, extra_float_digits=1, "
       "bytea_output=hex)",
       type_name);
}

// A whole decimal integer of type T, as int2out/int4out/int8out/oidout print it.
template <typename T>
bool parse_integer(std::string_view text, T& value) {
  if (text.empty() || text[0] == '+') return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool append_hex_bytes(std::string& out, std::string_view hex) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<char>(high << 4 | low));
  }
  return true;
}

// uuid_out: 8-4-4-4-12 hex digits.
bool append_uuid(std::string& out, std::string_view text) {
  if (text.size() != 36) return false;
  std::string hex;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
    } else {
      hex += text[i];
    }
  }
  return append_hex_bytes(out, hex);
}

}  // namespace

TextToBinary::TextToBinary(const pg::Column& column, const MappingOptions& options) {
  const ColumnPlan plan = plan_column(column, options);
  is_list_ = plan.is_list;
  leaf_.plan = plan.leaf;
  const pg::TypeDesc* value_type = &column.type;
  if (is_list_) {
    if (!column.type.element) {
      fail(ErrorKind::internal, "column {}: an array type without its element type", column.name);
    }
    value_type = column.type.element.get();
    vector_syntax_ = column.type.oid == kInt2VectorOid || column.type.oid == kOidVectorOid;
    // The element type array_send names: the element as declared (a domain's own oid), or text
    // when the server casts each element.
    element_oid_ =
        leaf_.plan.kind == ValueKind::server_text ? oid::kText : value_type->declared_oid;
    if (value_type->oid == kBoxOid) delimiter_ = ';';
  }
  leaf_.type_oid = value_type->oid;
  leaf_.type_name = value_type->name.empty() ? column.type.name : value_type->name;
}

void TextToBinary::append(std::string_view text, std::string& out) const {
  if (is_list_) {
    append_array(text, out);
  } else {
    append_leaf(leaf_, text, out);
  }
}

void TextToBinary::append_array(std::string_view text, std::string& out) const {
  auto literal = vector_syntax_ ? pg_text::parse_vector_literal(text)
                                : pg_text::parse_array_literal(text, delimiter_);
  if (!literal) not_printed(leaf_.type_name + "[]");
  bool has_null = false;
  for (const auto& element : literal->elements) has_null = has_null || !element;
  // array_send: ndim, has-NULL flag, element type, (length, lower bound) per dimension, then
  // each element as an int32 length (-1 for NULL) and its own send form.
  append_big_endian(out, static_cast<uint32_t>(literal->lengths.size()));
  append_big_endian(out, static_cast<uint32_t>(has_null ? 1 : 0));
  append_big_endian(out, static_cast<uint32_t>(element_oid_));
  for (size_t i = 0; i < literal->lengths.size(); ++i) {
    append_big_endian(out, static_cast<uint32_t>(literal->lengths[i]));
    append_big_endian(out, static_cast<uint32_t>(literal->lower_bounds[i]));
  }
  for (const auto& element : literal->elements) {
    if (!element) {
      append_big_endian(out, static_cast<uint32_t>(-1));
      continue;
    }
    const size_t length_at = out.size();
    out.append(4, '\0');
    append_leaf(leaf_, *element, out);
    const uint32_t length = static_cast<uint32_t>(out.size() - length_at - 4);
    for (int i = 0; i < 4; ++i) {
      out[length_at + i] = static_cast<char>(static_cast<uint8_t>(length >> (24 - 8 * i)));
    }
  }
}

void TextToBinary::append_leaf(const Leaf& leaf, std::string_view text, std::string& out) const {
  const std::string& name = leaf.type_name;
  switch (leaf.plan.kind) {
    case ValueKind::boolean:
      if (text != "t" && text != "f") not_printed(name);
      out.push_back(text == "t" ? 1 : 0);
      return;
    case ValueKind::int16: {
      int16_t value;
      if (!parse_integer(text, value)) not_printed(name);
      append_big_endian(out, static_cast<uint16_t>(value));
      return;
    }
    case ValueKind::int32: {
      int32_t value;
      if (!parse_integer(text, value)) not_printed(name);
      append_big_endian(out, static_cast<uint32_t>(value));
      return;
    }
    case ValueKind::int64: {
      int64_t value;
      if (!parse_integer(text, value)) not_printed(name);
      append_big_endian(out, static_cast<uint64_t>(value));
      return;
    }
    case ValueKind::oid: {
      uint32_t value;
      if (!parse_integer(text, value)) not_printed(name);
      append_big_endian(out, value);
      return;
    }
    case ValueKind::float4: {
      auto value = pg_text::parse_float4(text);
      if (!value) not_printed(name);
      append_big_endian(out, std::bit_cast<uint32_t>(*value));
      return;
    }
    case ValueKind::float8: {
      auto value = pg_text::parse_float8(text);
      if (!value) not_printed(name);
      append_big_endian(out, std::bit_cast<uint64_t>(*value));
      return;
    }
    case ValueKind::decimal:
    case ValueKind::numeric_text:
      if (!pg_text::append_numeric_binary(out, text)) not_printed(name);
      return;
    case ValueKind::uuid:
      if (!append_uuid(out, text)) not_printed(name);
      return;
    case ValueKind::date: {
      auto days = pg_text::parse_date(text);
      if (!days) not_printed(name);
      append_big_endian(out, static_cast<uint32_t>(*days));
      return;
    }
    case ValueKind::time: {
      auto micros = pg_text::parse_time(text);
      if (!micros) not_printed(name);
      append_big_endian(out, static_cast<uint64_t>(*micros));
      return;
    }
    case ValueKind::timestamp:
    case ValueKind::timestamptz: {
      auto micros = pg_text::parse_timestamp(text, leaf.plan.kind == ValueKind::timestamptz);
      if (!micros) not_printed(name);
      append_big_endian(out, static_cast<uint64_t>(*micros));
      return;
    }
    case ValueKind::bytea:
      // bytea_output=hex: "\x" and two hex digits per byte.
      if (!text.starts_with("\\x") || !append_hex_bytes(out, text.substr(2))) not_printed(name);
      return;
    case ValueKind::jsonb:
      out.push_back(1);  // jsonb_send's format version, then jsonb_out's text
      out += text;
      return;
    case ValueKind::text:
    case ValueKind::enumeration:
    case ValueKind::json:
      out += text;
      return;
    case ValueKind::server_text:
      out += text;
      // The server's cast to text is inet's text(), which always shows the netmask, where
      // inet_out (what replication sends) leaves out /32 and /128.
      if (leaf.type_oid == oid::kInet && text.find('/') == std::string_view::npos) {
        out += text.find(':') == std::string_view::npos ? "/32" : "/128";
      }
      return;
  }
  fail(ErrorKind::internal, "unknown value kind");
}

BinaryTextRowWriter::BinaryTextRowWriter(const pg::TableSchema& table,
                                         const MappingOptions& options)
    : table_(table) {
  columns_.reserve(table_.columns.size());
  for (const pg::Column& column : table_.columns) columns_.emplace_back(column, options);
}

std::string_view BinaryTextRowWriter::build(
    std::span<const std::optional<std::string_view>> values) {
  if (values.size() != columns_.size()) {
    fail(ErrorKind::internal, "table {}: a row of {} values for {} columns", table_.display_name(),
         values.size(), columns_.size());
  }
  row_.clear();
  append_big_endian(row_, static_cast<uint16_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i]) {
      append_big_endian(row_, static_cast<uint32_t>(-1));
      continue;
    }
    const size_t length_at = row_.size();
    row_.append(4, '\0');
    try {
      columns_[i].append(*values[i], row_);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::data_error) throw;
      const pg::Column& column = table_.columns[i];
      fail(ErrorKind::data_error, "table {}, column {} ({}): {}", table_.display_name(),
           column.name, column.type.name, error.what());
    }
    const uint32_t length = static_cast<uint32_t>(row_.size() - length_at - 4);
    for (int b = 0; b < 4; ++b) {
      row_[length_at + b] = static_cast<char>(static_cast<uint8_t>(length >> (24 - 8 * b)));
    }
  }
  return row_;
}

}  // namespace pgexport::format::parquet
