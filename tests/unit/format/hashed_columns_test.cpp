#include "format/hashed_columns.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "format/copy_text.hpp"

namespace pgexport::format {
namespace {

const std::string kKey = "a key of thirty-two bytes, at least";

std::string expected_hash(std::string_view text) {
  return hex_encode(hmac_sha256(kKey, text));
}

std::string be32(uint32_t value) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
  return out;
}

// A binary COPY tuple of the given fields (nullopt: NULL).
std::string binary_tuple(const std::vector<std::optional<std::string>>& fields) {
  std::string tuple;
  tuple += static_cast<char>(fields.size() >> 8);
  tuple += static_cast<char>(fields.size() & 0xff);
  for (const auto& field : fields) {
    if (!field) {
      tuple += be32(0xffffffffu);
      continue;
    }
    tuple += be32(static_cast<uint32_t>(field->size()));
    tuple += *field;
  }
  return tuple;
}

TEST(HashText, IsTheLowercaseHexHmacSha256OfTheText) {
  EXPECT_EQ(hash_text(kKey, "alice@example.com"), expected_hash("alice@example.com"));
  EXPECT_EQ(hash_text(kKey, "alice@example.com").size(), 64u);
  EXPECT_EQ(hash_text(kKey, "alice@example.com").find_first_not_of("0123456789abcdef"),
            std::string::npos);
}

TEST(HashedFieldRewriter, CopyTextHashesTheUnescapedValueAndCopiesTheOtherFields) {
  HashedFieldRewriter rewriter(WireFormat::text, {1, 3}, kKey);
  // The second field holds a tab and a backslash, escaped as COPY TEXT writes them.
  const std::string row = "1\ta\\tb\\\\c\t\\N-not-null\\t\t\\N\n";
  std::string expected = "1\t" + expected_hash("a\tb\\c") + "\t\\N-not-null\\t\t\\N\n";
  EXPECT_EQ(rewriter.rewrite(row), expected);
  // NULL stays NULL, an empty text is hashed.
  EXPECT_EQ(rewriter.rewrite("\\N\t\t\t\\N\n"), "\\N\t" + expected_hash("") + "\t\t\\N\n");
}

TEST(HashedFieldRewriter, CsvHashesTheUnquotedValueAndCopiesTheOtherFields) {
  HashedFieldRewriter rewriter(WireFormat::csv, {0, 2}, kKey);
  const std::string row = "\"x, \"\"quoted\"\"\nline\",\"kept, as is\",,\"\"\n";
  EXPECT_EQ(rewriter.rewrite(row),
            expected_hash("x, \"quoted\"\nline") + ",\"kept, as is\",,\"\"\n");
  // An unquoted empty field is NULL and stays so; "" is the empty string and is hashed.
  EXPECT_EQ(rewriter.rewrite("\"\",2,\n"), expected_hash("") + ",2,\n");
  EXPECT_EQ(rewriter.rewrite("plain,2,3\n"),
            expected_hash("plain") + ",2," + expected_hash("3") + "\n");
}

TEST(HashedFieldRewriter, BinaryReplacesTheTextBytesAndTheirLength) {
  HashedFieldRewriter rewriter(WireFormat::binary, {1, 2}, kKey);
  const std::string id = std::string("\0\0\0\x07", 4);
  const std::string row = binary_tuple({id, std::string("bob\0x", 5), std::nullopt});
  EXPECT_EQ(rewriter.rewrite(row),
            binary_tuple({id, expected_hash(std::string("bob\0x", 5)), std::nullopt}));
  EXPECT_THROW(rewriter.rewrite(row.substr(0, row.size() - 1)), Error);
  EXPECT_THROW(rewriter.rewrite(row + "x"), Error);
}

TEST(HashedFieldRewriter, ARowWithoutHashedFieldsPassesUnchanged) {
  HashedFieldRewriter text(WireFormat::text, {5}, kKey);
  EXPECT_EQ(text.rewrite("1\t2\n"), "1\t2\n");
  HashedFieldRewriter csv(WireFormat::csv, {5}, kKey);
  EXPECT_EQ(csv.rewrite("\"a\nb\",2\n"), "\"a\nb\",2\n");
}

pg::Column column(std::string name, pg::Oid oid, std::string type_name) {
  pg::Column column;
  column.name = std::move(name);
  column.type.oid = column.type.declared_oid = oid;
  column.type.name = column.type.base_name = std::move(type_name);
  return column;
}

TEST(SelectHashedAsText, CastsOnlyTheHashedColumnsWhateverTheFormatSelected) {
  pg::TableSchema table{"public",
                        "people",
                        {column("id", pg::oid::kInt4, "integer"),
                         as_hashed(column("Mail", pg::oid::kVarchar, "character varying(80)"))}};
  EXPECT_EQ(table.columns[1].type.name, "text");
  EXPECT_EQ(table.columns[1].hashed_from->name, "character varying(80)");
  EXPECT_EQ(hashed_column_positions(table), (std::vector<size_t>{1}));
  CopySpec spec{WireFormat::binary, {"\"id\"", "\"Mail\""}};
  select_hashed_as_text(table, spec);
  EXPECT_EQ(spec.select_list, (std::vector<std::string>{"\"id\"", "\"Mail\"::pg_catalog.text"}));
}

TEST(TextCastOfOutput, GivesWhatTheCastToTextGivesForTheTypesWhoseOutputDiffers) {
  auto type = [](pg::Oid oid) {
    pg::TypeDesc desc;
    desc.oid = desc.declared_oid = oid;
    return desc;
  };
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kBool), "t"), "true");
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kBool), "f"), "false");
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kBpchar), "ab  "), "ab");
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kInet), "10.1.2.3"), "10.1.2.3/32");
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kInet), "10.1.0.0/16"), "10.1.0.0/16");
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kInet), "::1"), "::1/128");
  EXPECT_EQ(text_cast_of_output(type(pg::oid::kText), "ab  "), "ab  ");
  pg::TypeDesc bool_array = type(1000);
  bool_array.kind = pg::TypeKind::array;
  EXPECT_EQ(text_cast_of_output(bool_array, "{t,f}"), "{t,f}");
}

}  // namespace
}  // namespace pgexport::format
