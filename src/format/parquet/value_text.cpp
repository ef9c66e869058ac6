#include "format/parquet/value_text.hpp"

#include <bit>
#include <cstring>

#include "common/error.hpp"
#include "format/parquet/pg_binary.hpp"
#include "format/parquet/pg_datetime_text.hpp"
#include "format/parquet/pg_number_text.hpp"

namespace pgexport::format::parquet {
namespace {

using Rule = LeafText::Rule;
using Kind = LogicalType::Kind;

template <typename T>
T little_endian(std::string_view plain) {
  T value;
  std::memcpy(&value, plain.data(), sizeof value);  // little-endian hosts (value_policies.hpp)
  return value;
}

[[noreturn]] void not_ours(const SchemaElement& leaf) {
  fail(ErrorKind::data_error, "parquet: column {} has a type pgexport never writes", leaf.name);
}

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    const auto byte = static_cast<uint8_t>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
}

}  // namespace

LeafText leaf_text(const SchemaElement& leaf) {
  if (!leaf.type) not_ours(leaf);
  const PhysicalType physical = *leaf.type;
  if (!leaf.logical_type) {
    switch (physical) {
      case PhysicalType::boolean:
        return {Rule::boolean};
      case PhysicalType::float_:
        return {Rule::float4};
      case PhysicalType::double_:
        return {Rule::float8};
      case PhysicalType::byte_array:
        return {Rule::bytea};
      default:
        not_ours(leaf);
    }
  }
  const LogicalType& logical = *leaf.logical_type;
  switch (logical.kind) {
    case Kind::string:
    case Kind::enumeration:
    case Kind::json:
      if (physical == PhysicalType::byte_array) return {Rule::text};
      break;
    case Kind::integer:
      if (physical == PhysicalType::int32 &&
          (logical.integer_bit_width == 16 || logical.integer_bit_width == 32)) {
        return {Rule::int32};
      }
      if (physical == PhysicalType::int64 && logical.integer_bit_width == 64) return {Rule::int64};
      break;
    case Kind::decimal:
      if ((physical == PhysicalType::int32 || physical == PhysicalType::int64 ||
           physical == PhysicalType::fixed_len_byte_array) &&
          logical.decimal_scale >= 0 && logical.decimal_scale <= logical.decimal_precision) {
        return {Rule::decimal, logical.decimal_scale};
      }
      break;
    case Kind::uuid:
      if (physical == PhysicalType::fixed_len_byte_array && leaf.type_length == 16) {
        return {Rule::uuid};
      }
      break;
    case Kind::date:
      if (physical == PhysicalType::int32) return {Rule::date};
      break;
    case Kind::time:
      if (physical == PhysicalType::int64 && !logical.adjusted_to_utc) return {Rule::time};
      break;
    case Kind::timestamp:
      if (physical == PhysicalType::int64) {
        return {logical.adjusted_to_utc ? Rule::timestamptz : Rule::timestamp};
      }
      break;
    case Kind::map:
    case Kind::list:
      break;
  }
  not_ours(leaf);
}

void append_leaf_text(const LeafText& leaf, std::string_view plain, std::string& out) {
  switch (leaf.rule) {
    case Rule::boolean:
      out += plain[0] != 0 ? 't' : 'f';
      return;
    case Rule::int32:
      out += std::to_string(little_endian<int32_t>(plain));
      return;
    case Rule::int64:
      out += std::to_string(little_endian<int64_t>(plain));
      return;
    case Rule::float4:
      pg_text::append_float4_text(out, little_endian<float>(plain));
      return;
    case Rule::float8:
      pg_text::append_float8_text(out, little_endian<double>(plain));
      return;
    case Rule::decimal: {
      __int128 unscaled = 0;
      if (plain.size() == 4) {
        unscaled = little_endian<int32_t>(plain);
      } else if (plain.size() == 8) {
        unscaled = little_endian<int64_t>(plain);
      } else {
        // FIXED_LEN_BYTE_ARRAY: big-endian two's complement, the first byte's sign extended.
        if (plain.empty() || plain.size() > 16) {
          fail(ErrorKind::data_error, "parquet: a DECIMAL of {} bytes", plain.size());
        }
        unscaled = static_cast<int8_t>(plain[0]);
        for (size_t i = 1; i < plain.size(); ++i) {
          unscaled = unscaled * 256 + static_cast<uint8_t>(plain[i]);
        }
      }
      pg_text::append_decimal_text(out, unscaled, leaf.scale);
      return;
    }
    case Rule::text:
      out += plain;
      return;
    case Rule::bytea:
      out += "\\x";
      append_hex(out, plain);
      return;
    case Rule::uuid:
      for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        append_hex(out, plain.substr(i, 1));
      }
      return;
    case Rule::date: {
      const int32_t days = little_endian<int32_t>(plain);
      if (days == pg_binary::kDateInfinity) {
        pg_text::append_date(out, INT32_MAX);
      } else if (days == pg_binary::kDateMinusInfinity) {
        pg_text::append_date(out, INT32_MIN);
      } else {
        pg_text::append_date(out, days - pg_binary::kPostgresEpochDays);
      }
      return;
    }
    case Rule::time:
      pg_text::append_time(out, little_endian<int64_t>(plain));
      return;
    case Rule::timestamp:
    case Rule::timestamptz: {
      const int64_t micros = little_endian<int64_t>(plain);
      const bool zone = leaf.rule == Rule::timestamptz;
      if (micros == pg_binary::kTimestampInfinity) {
        pg_text::append_timestamp(out, INT64_MAX, zone);
      } else if (micros == pg_binary::kTimestampMinusInfinity) {
        pg_text::append_timestamp(out, INT64_MIN, zone);
      } else {
        if (micros < INT64_MIN + pg_binary::kPostgresEpochMicros) {
          fail(ErrorKind::data_error, "parquet: a timestamp before PostgreSQL's first");
        }
        pg_text::append_timestamp(out, micros - pg_binary::kPostgresEpochMicros, zone);
      }
      return;
    }
  }
  fail(ErrorKind::internal, "unknown text rule");
}

}  // namespace pgexport::format::parquet
