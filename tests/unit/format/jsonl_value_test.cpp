// Scalar renderings of the JSON Lines format, and the JSON text primitives under them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "common/error.hpp"
#include "format/jsonl/json_text.hpp"
#include "format/jsonl/value_renderer.hpp"

namespace pgexport::format::jsonl {
namespace {

pg::TypeDesc type_of(pg::Oid oid, pg::TypeKind kind = pg::TypeKind::base) {
  pg::TypeDesc type;
  type.oid = type.declared_oid = oid;
  type.kind = kind;
  return type;
}

std::string render(pg::Oid oid, std::string_view text, pg::TypeKind kind = pg::TypeKind::base) {
  ValueRenderer renderer;
  std::string out;
  renderer.render(plan_value(type_of(oid, kind)), text, out);
  return out;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// A base64 encoder written independently of the one under test, bit by bit.
std::string reference_base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bits;
  for (unsigned char c : bytes) {
    for (int bit = 7; bit >= 0; --bit) bits += ((c >> bit) & 1) ? '1' : '0';
  }
  while (bits.size() % 6 != 0) bits += '0';
  std::string out;
  for (size_t i = 0; i < bits.size(); i += 6)
    out += alphabet[std::stoi(bits.substr(i, 6), nullptr, 2)];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

std::string hex_of(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex = "\\x";
  for (unsigned char c : bytes) {
    hex += digits[c >> 4];
    hex += digits[c & 0xf];
  }
  return hex;
}

TEST(JsonString, EscapesQuotesBackslashesAndEveryControlCharacter) {
  EXPECT_EQ(json_string(""), "\"\"");
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(json_string("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(json_string(std::string("\0\x01\x1f\x0b", 4)), "\"\\u0000\\u0001\\u001f\\u000b\"");
  EXPECT_EQ(json_string("\x7f"), "\"\x7f\"");
}

TEST(JsonString, EveryByteBelow0x80RoundTripsThroughAJsonParser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
  all += all;  // runs of plain characters between escapes, twice
  EXPECT_EQ(nlohmann::json::parse(json_string(all)).get<std::string>(), all);
}

TEST(JsonString, Utf8PassesThroughUnchanged) {
  const std::string text =
      "caf\xc3\xa9 \xf0\x9f\x98\x80\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x9a\x80 "
      "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x80\x8f\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 "
      "\xe2\x80\xa8\xe2\x80\xa9";  // emoji, ZWJ sequence, Hebrew, RLM + Arabic, U+2028/9
  EXPECT_EQ(json_string(text), "\"" + text + "\"");
  EXPECT_EQ(nlohmann::json::parse(json_string(text)).get<std::string>(), text);
}

TEST(JsonNumber, AcceptsExactlyTheRfc8259Grammar) {
  for (const char* good : {"0", "-0", "1", "-1", "10", "1.5", "-0.25", "1e5", "1E5", "1e+100",
                           "1.5e-07", "9223372036854775807", "0.000001"}) {
    EXPECT_TRUE(is_json_number(good)) << good;
  }
  for (const char* bad : {"", "-", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "NaN", "Infinity",
                          "-Infinity", "0x10", "1 ", " 1", "1.5.5", "1,5", "--1"}) {
    EXPECT_FALSE(is_json_number(bad)) << bad;
  }
}

TEST(Base64, MatchesTheReferenceForEveryLengthUpToTwenty) {
  std::string bytes;
  for (int length = 0; length <= 20; ++length) {
    std::string out;
    append_base64(out, bytes);
    EXPECT_EQ(out, reference_base64(bytes)) << length;
    std::string from_hex;
    ASSERT_TRUE(append_base64_from_hex(from_hex, hex_of(bytes).substr(2)));
    EXPECT_EQ(from_hex, out) << length;
    bytes += static_cast<char>(0xf0 + length);
  }
  std::string out;
  append_base64(out, "Man");
  EXPECT_EQ(out, "TWFu");
}

TEST(Base64, RejectsBadHexAndLeavesTheBufferAlone) {
  for (const char* bad : {"0", "0g", "abcdeg", "abcdefgh", "zz", "00112233445566778x"}) {
    std::string out = "kept";
    EXPECT_FALSE(append_base64_from_hex(out, bad)) << bad;
    EXPECT_EQ(out, "kept");
  }
  std::string out;
  EXPECT_TRUE(append_base64_from_hex(out, "DEADbeef"));
  EXPECT_EQ(out, "3q2+7w==");
}

TEST(JsonlValue, Booleans) {
  EXPECT_EQ(render(pg::oid::kBool, "t"), "true");
  EXPECT_EQ(render(pg::oid::kBool, "f"), "false");
  EXPECT_THROW(render(pg::oid::kBool, "true"), Error);
}

TEST(JsonlValue, SmallIntegersAndOidsAreNumbers) {
  EXPECT_EQ(render(pg::oid::kInt2, "-32768"), "-32768");
  EXPECT_EQ(render(pg::oid::kInt4, "2147483647"), "2147483647");
  EXPECT_EQ(render(pg::oid::kInt4, "0"), "0");
  EXPECT_EQ(render(pg::oid::kOid, "4294967295"), "4294967295");
  EXPECT_THROW(render(pg::oid::kInt4, "12a"), Error);
  EXPECT_THROW(render(pg::oid::kInt4, ""), Error);
}

TEST(JsonlValue, BigintsAreNumbersOnlyWhileADoubleHoldsThemExactly) {
  EXPECT_EQ(render(pg::oid::kInt8, "0"), "0");
  EXPECT_EQ(render(pg::oid::kInt8, "9007199254740991"), "9007199254740991");
  EXPECT_EQ(render(pg::oid::kInt8, "-9007199254740991"), "-9007199254740991");
  EXPECT_EQ(render(pg::oid::kInt8, "9007199254740992"), "\"9007199254740992\"");
  EXPECT_EQ(render(pg::oid::kInt8, "-9007199254740992"), "\"-9007199254740992\"");
  EXPECT_EQ(render(pg::oid::kInt8, "9007199254740993"), "\"9007199254740993\"");
  EXPECT_EQ(render(pg::oid::kInt8, "9223372036854775807"), "\"9223372036854775807\"");
  EXPECT_EQ(render(pg::oid::kInt8, "-9223372036854775808"), "\"-9223372036854775808\"");
  EXPECT_THROW(render(pg::oid::kInt8, "9223372036854775808"), Error);
  EXPECT_THROW(render(pg::oid::kInt8, "1.0"), Error);
  EXPECT_THROW(render(pg::oid::kInt8, "+1"), Error);
}

TEST(JsonlValue, FloatsKeepPostgresShortestTextAndSpecialValuesBecomeStrings) {
  for (pg::Oid oid : {pg::oid::kFloat4, pg::oid::kFloat8}) {
    EXPECT_EQ(render(oid, "0.1"), "0.1");
    EXPECT_EQ(render(oid, "-0"), "-0");
    EXPECT_EQ(render(oid, "1e+100"), "1e+100");
    EXPECT_EQ(render(oid, "1.5e-07"), "1.5e-07");
    EXPECT_EQ(render(oid, "5e-324"), "5e-324");
    EXPECT_EQ(render(oid, "1.7976931348623157e+308"), "1.7976931348623157e+308");
    EXPECT_EQ(render(oid, "NaN"), "\"NaN\"");
    EXPECT_EQ(render(oid, "Infinity"), "\"Infinity\"");
    EXPECT_EQ(render(oid, "-Infinity"), "\"-Infinity\"");
    EXPECT_THROW(render(oid, "inf"), Error);
    EXPECT_THROW(render(oid, "1,5"), Error);
  }
}

TEST(JsonlValue, NumericIsAlwaysTheExactTextAsAString) {
  EXPECT_EQ(render(pg::oid::kNumeric, "12.50"), "\"12.50\"");
  EXPECT_EQ(render(pg::oid::kNumeric, "1"), "\"1\"");
  EXPECT_EQ(render(pg::oid::kNumeric, "-0.000000000000000000001"), "\"-0.000000000000000000001\"");
  EXPECT_EQ(render(pg::oid::kNumeric, "NaN"), "\"NaN\"");
  EXPECT_EQ(render(pg::oid::kNumeric, "Infinity"), "\"Infinity\"");
  EXPECT_EQ(render(pg::oid::kNumeric, "-Infinity"), "\"-Infinity\"");
  std::string huge = "1" + std::string(1000, '0') + "." + std::string(100, '9');
  EXPECT_EQ(render(pg::oid::kNumeric, huge), "\"" + huge + "\"");
}

TEST(JsonlValue, JsonAndJsonbAreEmbedded) {
  EXPECT_EQ(render(pg::oid::kJsonb, R"({"a": [1, 2.5, null, "x\"y"]})"),
            R"({"a": [1, 2.5, null, "x\"y"]})");
  EXPECT_EQ(render(pg::oid::kJsonb, "null"), "null");
  EXPECT_EQ(render(pg::oid::kJsonb, "\"text\""), "\"text\"");
  EXPECT_EQ(render(pg::oid::kJson, "12345678901234567890.5"), "12345678901234567890.5");
  // json keeps its input's layout; line breaks between tokens become spaces so the record
  // stays on one line (inside a JSON string a line break is always escaped).
  EXPECT_EQ(render(pg::oid::kJson, "{\"a\":\r\n  [1,\n2],\t\"b\\n\": 1}"),
            "{\"a\":    [1, 2],\t\"b\\n\": 1}");
  EXPECT_THROW(render(pg::oid::kJson, ""), Error);
}

TEST(JsonlValue, ByteaIsBase64OfTheBytes) {
  EXPECT_EQ(render(pg::oid::kBytea, "\\x"), "\"\"");
  EXPECT_EQ(render(pg::oid::kBytea, "\\x00"), "\"AA==\"");
  EXPECT_EQ(render(pg::oid::kBytea, "\\x0001"), "\"AAE=\"");
  EXPECT_EQ(render(pg::oid::kBytea, "\\xDEADBEEF"), "\"3q2+7w==\"");
  EXPECT_THROW(render(pg::oid::kBytea, "\\x0"), Error);
  EXPECT_THROW(render(pg::oid::kBytea, "\\xzz"), Error);
}

TEST(JsonlValue, ByteaWithAll256ByteValues) {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
  std::string expected = "\"" + reference_base64(bytes) + "\"";
  EXPECT_EQ(render(pg::oid::kBytea, hex_of(bytes)), expected);
  // Every rotation, so each byte value sits at each position of a base64 group.
  for (int shift = 1; shift < 3; ++shift) {
    std::string rotated = bytes.substr(shift) + bytes.substr(0, shift);
    EXPECT_EQ(render(pg::oid::kBytea, hex_of(rotated)), "\"" + reference_base64(rotated) + "\"");
  }
}

TEST(JsonlValue, ByteaInTheEscapeOutputFormatIsDecodedToo) {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
  // What bytea_output=escape prints: printable bytes as themselves, backslash doubled,
  // everything else as \ooo.
  std::string escaped;
  for (unsigned char c : bytes) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      escaped += static_cast<char>(c);
    } else {
      char octal[5];
      std::snprintf(octal, sizeof octal, "\\%03o", c);
      escaped += octal;
    }
  }
  EXPECT_EQ(render(pg::oid::kBytea, escaped), "\"" + reference_base64(bytes) + "\"");
  EXPECT_EQ(render(pg::oid::kBytea, "abc"), "\"YWJj\"");
  EXPECT_EQ(render(pg::oid::kBytea, ""), "\"\"");
  EXPECT_THROW(render(pg::oid::kBytea, "a\\9"), Error);
  EXPECT_THROW(render(pg::oid::kBytea, "a\\"), Error);
}

TEST(JsonlValue, EverythingElseIsPostgresTextAsAString) {
  EXPECT_EQ(render(pg::oid::kText, "it's \"quoted\"\\ \t\n"), "\"it's \\\"quoted\\\"\\\\ \\t\\n\"");
  EXPECT_EQ(render(pg::oid::kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
  EXPECT_EQ(render(pg::oid::kTimestamptz, "infinity"), "\"infinity\"");
  EXPECT_EQ(render(pg::oid::kDate, "4713-01-01 BC"), "\"4713-01-01 BC\"");
  EXPECT_EQ(render(pg::oid::kInterval, "1 year 2 mons -3 days 04:05:06.7"),
            "\"1 year 2 mons -3 days 04:05:06.7\"");
  EXPECT_EQ(render(pg::oid::kMoney, "$1,000.00"), "\"$1,000.00\"");
  EXPECT_EQ(render(pg::oid::kChar, "\\303"), "\"\\\\303\"");
  // Enums, composites and ranges are strings whatever their oid.
  EXPECT_EQ(render(16384, "happy", pg::TypeKind::enumeration), "\"happy\"");
  EXPECT_EQ(render(16390, "(1,\"a b\")", pg::TypeKind::composite), "\"(1,\\\"a b\\\")\"");
  EXPECT_EQ(render(3904, "[1,10)", pg::TypeKind::range), "\"[1,10)\"");
  // A domain over int4 arrives resolved: it is an int4.
  pg::TypeDesc domain = type_of(pg::oid::kInt4);
  domain.declared_oid = 16400;
  EXPECT_EQ(plan_value(domain).rendering, Rendering::integer);
}

TEST(JsonlValue, DescribeColumnNamesTheJsonTypeAndEncoding) {
  auto describe = [](pg::Oid oid) { return describe_value(plan_value(type_of(oid))); };
  using nlohmann::json;
  EXPECT_EQ(describe(pg::oid::kBool), json({{"json_type", "boolean"}}));
  EXPECT_EQ(describe(pg::oid::kInt4), json({{"json_type", "number"}}));
  EXPECT_EQ(describe(pg::oid::kInt8),
            json({{"json_type", "number"}, {"unsafe_integers", "string"}}));
  EXPECT_EQ(describe(pg::oid::kFloat8),
            json({{"json_type", "number"}, {"special_values", "string"}}));
  EXPECT_EQ(describe(pg::oid::kNumeric), json({{"json_type", "string"}, {"encoding", "pg_text"}}));
  EXPECT_EQ(describe(pg::oid::kJsonb), json({{"json_type", "json"}, {"sql_null", "key_omitted"}}));
  EXPECT_EQ(describe(pg::oid::kBytea), json({{"json_type", "string"}, {"encoding", "base64"}}));
  EXPECT_EQ(describe(pg::oid::kTimestamptz),
            json({{"json_type", "string"}, {"encoding", "pg_text"}}));
}

}  // namespace
}  // namespace pgexport::format::jsonl
