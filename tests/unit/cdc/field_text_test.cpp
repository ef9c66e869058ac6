#include "cdc/field_text.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace pgexport::cdc {
namespace {

std::vector<std::vector<FieldText>> csv_records(std::string_view text, size_t chunk) {
  std::vector<std::vector<FieldText>> records;
  CsvRecordReader reader([&](std::span<const FieldText> fields) {
    records.emplace_back(fields.begin(), fields.end());
  });
  for (size_t at = 0; at < text.size(); at += chunk) reader.write(text.substr(at, chunk));
  reader.finish();
  return records;
}

TEST(CsvRecordReader, KeepsNullApartFromTheEmptyStringAndUnquotesInAnyChunking) {
  const std::string text = "a,b,c\n,\"\",\"x,\"\"y\"\"\nz\"\nlast,\\.,\"\\.\"";
  const std::vector<std::vector<FieldText>> expected = {
      {"a", "b", "c"}, {std::nullopt, "", "x,\"y\"\nz"}, {"last", "\\.", "\\."}};
  for (size_t chunk : {1, 2, 3, 7, 100}) EXPECT_EQ(csv_records(text, chunk), expected) << chunk;
}

TEST(CsvRecordReader, DataEndingInsideQuotesIsAnError) {
  EXPECT_THROW(csv_records("a,\"open\n", 4), Error);
}

TEST(JsonlObjectReader, HandsOverRawValuesByteForByte) {
  std::vector<std::vector<std::pair<std::string, std::string>>> objects;
  JsonlObjectReader reader([&](std::span<const JsonMember> members) {
    objects.emplace_back();
    for (const auto& member : members) objects.back().emplace_back(member.name, member.raw);
  });
  const std::string text =
      "{\"id\":1,\"doc\":{\"a\": [1, \"}\"]},\"t\":\"q\\\"\\u00e9\",\"n\":null,\"f\":-0}\n"
      "{ \"w\\u00e9\" : 1e+100 }\n{}\n";
  for (size_t at = 0; at < text.size(); at += 5) reader.write(std::string_view(text).substr(at, 5));
  reader.finish();
  ASSERT_EQ(objects.size(), 3u);
  const std::vector<std::pair<std::string, std::string>> first = {{"id", "1"},
                                                                  {"doc", "{\"a\": [1, \"}\"]}"},
                                                                  {"t", "\"q\\\"\\u00e9\""},
                                                                  {"n", "null"},
                                                                  {"f", "-0"}};
  EXPECT_EQ(objects[0], first);
  EXPECT_EQ(objects[1],
            (std::vector<std::pair<std::string, std::string>>{{"w\xc3\xa9", "1e+100"}}));
  EXPECT_TRUE(objects[2].empty());
  EXPECT_EQ(json_string_text("\"q\\\"\\u00e9\""), "q\"\xc3\xa9");
  EXPECT_EQ(json_string_text("12"), std::nullopt);
}

TEST(JsonlObjectReader, ALineThatIsNotOneObjectIsAnErrorNamingIt) {
  JsonlObjectReader reader([](std::span<const JsonMember>) {});
  reader.write("{\"a\":1}\n");
  try {
    reader.write("{\"a\":1} x\n");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
    EXPECT_NE(std::string(error.what()).find("line 2"), std::string::npos) << error.what();
  }
}

TEST(PgTextArray, ReadsWhatArrayOutWrites) {
  EXPECT_EQ(parse_pg_text_array("{big,\"a\\\"b\",\"c,d\",\"\",\"NULL\"}"),
            (std::vector<std::string>{"big", "a\"b", "c,d", "", "NULL"}));
  EXPECT_TRUE(parse_pg_text_array("{}").empty());
  EXPECT_THROW(parse_pg_text_array("{a,NULL}"), Error);
  EXPECT_THROW(parse_pg_text_array("a,b"), Error);
  EXPECT_THROW(parse_pg_text_array("{\"open}"), Error);
}

}  // namespace
}  // namespace pgexport::cdc
