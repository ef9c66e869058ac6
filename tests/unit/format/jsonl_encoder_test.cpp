// The JSON Lines Format and its Encoder: rows in, lines out, through a ByteSink.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "format/jsonl/jsonl_format.hpp"

namespace pgexport::format {
namespace {

class RecordingSink final : public ByteSink {
 public:
  void write(std::string_view bytes) override {
    writes.push_back(bytes.size());
    data.append(bytes);
  }
  std::string data;
  std::vector<size_t> writes;
};

pg::Column column(std::string name, pg::Oid oid) {
  pg::Column column;
  column.name = std::move(name);
  column.type.oid = column.type.declared_oid = oid;
  return column;
}

pg::TableSchema table(std::vector<pg::Column> columns) {
  pg::TableSchema schema;
  schema.schema = "public";
  schema.name = "t";
  schema.columns = std::move(columns);
  return schema;
}

std::string encode(const pg::TableSchema& schema, const std::vector<std::string>& rows) {
  JsonlFormat format;
  auto encoder = format.make_encoder(schema);
  RecordingSink sink;
  encoder->start(sink);
  for (const auto& row : rows) encoder->write_row(row);
  encoder->finish();
  return sink.data;
}

TEST(JsonlFormat, NamesAndCopySpec) {
  JsonlFormat format;
  EXPECT_EQ(format.extension(), "jsonl");
  EXPECT_FALSE(format.compresses_internally());
  auto spec = format.copy_spec(
      table({column("id", pg::oid::kInt4), column("Odd \"name\"", pg::oid::kText)}));
  EXPECT_EQ(spec.wire, WireFormat::text);
  EXPECT_EQ(spec.select_list, (std::vector<std::string>{"\"id\"", "\"Odd \"\"name\"\"\""}));
}

TEST(JsonlEncoder, OneObjectPerLineWithKeysInColumnOrder) {
  auto schema = table(
      {column("id", pg::oid::kInt4), column("name", pg::oid::kText), column("ok", pg::oid::kBool)});
  EXPECT_EQ(encode(schema, {"1\talice\tt\n", "2\t\\N\tf\n"}),
            "{\"id\":1,\"name\":\"alice\",\"ok\":true}\n"
            "{\"id\":2,\"name\":null,\"ok\":false}\n");
}

TEST(JsonlEncoder, KeysAreJsonEscaped) {
  auto schema = table({column("a\"b\\c", pg::oid::kInt4), column("tab\there\n", pg::oid::kInt4),
                       column("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", pg::oid::kInt4)});
  std::string line = encode(schema, {"1\t2\t3\n"});
  EXPECT_EQ(line,
            "{\"a\\\"b\\\\c\":1,\"tab\\there\\n\":2,\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\":3}\n");
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["tab\there\n"], 2);
}

TEST(JsonlEncoder, TextWithEveryTrickyCharacterSurvivesCopyAndJson) {
  auto schema = table({column("v", pg::oid::kText)});
  // As COPY TEXT sends it: backslash, tab, newline, CR escaped; other controls raw.
  std::string wire = "q\"uote\\\\back\\tslash\\n\\r\x01\x1f \xf0\x9f\x98\x80 \xd7\xa9\xd7\x9c\n";
  std::string expected = "q\"uote\\back\tslash\n\r\x01\x1f \xf0\x9f\x98\x80 \xd7\xa9\xd7\x9c";
  std::string line = encode(schema, {wire});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per row";
  EXPECT_EQ(nlohmann::json::parse(line)["v"].get<std::string>(), expected);
}

TEST(JsonlEncoder, SqlNullInAJsonColumnLeavesTheKeyOut) {
  auto schema = table({column("doc", pg::oid::kJsonb), column("id", pg::oid::kInt4),
                       column("raw", pg::oid::kJson)});
  EXPECT_EQ(encode(schema, {"\\N\t1\t\\N\n", "null\t2\t{\"a\":\\n 1}\n", "\\N\t\\N\tnull\n"}),
            "{\"id\":1}\n"
            "{\"doc\":null,\"id\":2,\"raw\":{\"a\":  1}}\n"
            "{\"id\":null,\"raw\":null}\n");
  auto only_json = table({column("doc", pg::oid::kJsonb)});
  EXPECT_EQ(encode(only_json, {"\\N\n"}), "{}\n");
}

TEST(JsonlEncoder, ATableWithNoColumnsWritesEmptyObjects) {
  EXPECT_EQ(encode(table({}), {"\n", "\n"}), "{}\n{}\n");
}

TEST(JsonlEncoder, AWrongFieldCountNamesTheTable) {
  auto schema = table({column("a", pg::oid::kInt4), column("b", pg::oid::kInt4)});
  try {
    encode(schema, {"1\t2\n", "1\n"});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    EXPECT_NE(std::string(error.what()).find("public.t"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("row 2"), std::string::npos) << error.what();
  }
}

TEST(JsonlEncoder, ABadValueNamesTableColumnAndRowButNotTheValue) {
  auto schema = table({column("flag", pg::oid::kBool)});
  try {
    encode(schema, {"t\n", "secret-value\n"});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    std::string message = error.what();
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    EXPECT_NE(message.find("public.t"), std::string::npos) << message;
    EXPECT_NE(message.find("\"flag\""), std::string::npos) << message;
    EXPECT_NE(message.find("row 2"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret-value"), std::string::npos) << message;
  }
}

TEST(JsonlEncoder, ARowThatFailsLeavesNoPartialLine) {
  auto schema = table({column("id", pg::oid::kInt4), column("flag", pg::oid::kBool)});
  JsonlFormat format;
  auto encoder = format.make_encoder(schema);
  RecordingSink sink;
  encoder->start(sink);
  encoder->write_row("1\tt\n");
  EXPECT_THROW(encoder->write_row("2\tmaybe\n"), Error);
  encoder->write_row("3\tf\n");
  encoder->finish();
  EXPECT_EQ(sink.data, "{\"id\":1,\"flag\":true}\n{\"id\":3,\"flag\":false}\n");
}

TEST(JsonlEncoder, WritesInChunksOfAbout64KiBAndFlushesOnFinish) {
  auto schema = table({column("id", pg::oid::kInt4), column("pad", pg::oid::kText)});
  JsonlFormat format;
  auto encoder = format.make_encoder(schema);
  RecordingSink sink;
  encoder->start(sink);
  std::string pad(100, 'x');
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    encoder->write_row(std::to_string(i) + "\t" + pad + "\n");
    expected += "{\"id\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}\n";
  }
  size_t before_finish = sink.writes.size();
  encoder->finish();
  EXPECT_EQ(sink.data, expected);
  ASSERT_GE(sink.writes.size(), 2u);
  EXPECT_EQ(sink.writes.size(), before_finish + 1) << "finish writes the tail";
  for (size_t i = 0; i + 1 < sink.writes.size(); ++i) {
    EXPECT_GE(sink.writes[i], 64u * 1024) << i;
    EXPECT_LT(sink.writes[i], 64u * 1024 + 200) << i;
  }
  encoder->finish();  // a second finish writes nothing
  EXPECT_EQ(sink.data, expected);
}

TEST(JsonlEncoder, StartsAgainForANewFile) {
  auto schema = table({column("id", pg::oid::kInt8)});
  JsonlFormat format;
  auto encoder = format.make_encoder(schema);
  RecordingSink first, second;
  encoder->start(first);
  encoder->write_row("1\n");
  encoder->finish();
  encoder->start(second);
  encoder->write_row("9223372036854775807\n");
  encoder->finish();
  EXPECT_EQ(first.data, "{\"id\":1}\n");
  EXPECT_EQ(second.data, "{\"id\":\"9223372036854775807\"}\n");
}

TEST(JsonlEncoder, AnEmptyFileHasNoBytes) {
  EXPECT_EQ(encode(table({column("id", pg::oid::kInt4)}), {}), "");
}

TEST(JsonlFormat, DescribeColumnFollowsTheColumnsType) {
  JsonlFormat format;
  EXPECT_EQ(format.describe_column(column("b", pg::oid::kBytea)),
            nlohmann::json({{"json_type", "string"}, {"encoding", "base64"}}));
  EXPECT_EQ(format.describe_column(column("n", pg::oid::kNumeric)),
            nlohmann::json({{"json_type", "string"}, {"encoding", "pg_text"}}));
}

// A huge text or bytea value goes out in slices of about 64 KiB, never built whole in the line
// buffer, and the line reads back, with an ordinary JSON parser, as the values themselves.
TEST(JsonlEncoder, HugeTextAndByteaValuesAreWrittenInSlices) {
  auto schema = table({column("t", pg::oid::kText), column("b", pg::oid::kBytea)});
  // 3 MiB of text with characters JSON escapes, spread so that slices cut between them.
  std::string text;
  while (text.size() < (3u << 20)) text += "abc\"def\x01\u00e9\n";
  std::string wire_text;
  for (char c : text) {
    if (c == '\\')
      wire_text += "\\\\";
    else if (c == '\n')
      wire_text += "\\n";
    else
      wire_text += c;
  }
  // 2 MiB of bytes in bytea's hex form, as COPY TEXT sends it ("\\x" then hex digits).
  std::string bytes, hex = "\\\\x";
  for (size_t i = 0; i < (2u << 20) + 2; ++i) {
    const unsigned char byte = static_cast<unsigned char>(i * 131 + 7);
    bytes.push_back(static_cast<char>(byte));
    hex += "0123456789abcdef"[byte >> 4];
    hex += "0123456789abcdef"[byte & 15];
  }
  JsonlFormat format;
  auto encoder = format.make_encoder(schema);
  RecordingSink sink;
  encoder->start(sink);
  encoder->write_row(wire_text + "\t" + hex + "\n");
  encoder->finish();

  // The same line made with an ordinary JSON library from the values themselves.
  nlohmann::json line = nlohmann::json::parse(sink.data);
  EXPECT_EQ(line["t"].get<std::string>(), text);
  std::string base64 = line["b"].get<std::string>();
  ASSERT_EQ(base64.size(), (bytes.size() + 2) / 3 * 4);
  EXPECT_EQ(base64.substr(base64.size() - 2), "==");  // 2 MiB + 2 bytes: padded once, at the end
  EXPECT_EQ(base64.find('='), base64.size() - 2);     // no slice was padded in the middle
  ASSERT_GT(sink.writes.size(), 40u);
  for (size_t size : sink.writes) EXPECT_LE(size, 512u << 10);
}

// A malformed huge bytea is refused before any of its line is written.
TEST(JsonlEncoder, AMalformedHugeByteaLeavesNoPartialLine) {
  auto schema = table({column("b", pg::oid::kBytea)});
  JsonlFormat format;
  auto encoder = format.make_encoder(schema);
  RecordingSink sink;
  encoder->start(sink);
  std::string hex = "\\\\x" + std::string(2u << 20, 'a') + "zz";
  EXPECT_THROW(encoder->write_row(hex + "\n"), Error);
  encoder->write_row("\\\\x00\n");
  encoder->finish();
  EXPECT_EQ(sink.data, "{\"b\":\"AA==\"}\n");
}

}  // namespace
}  // namespace pgexport::format
