#include "format/copy_text.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace pgexport::format {
namespace {

using Values = std::vector<std::optional<std::string>>;

Values parse(CopyTextParser& parser, std::string_view row) {
  Values values;
  for (const CopyTextField& field : parser.parse(row)) {
    if (field.is_null) {
      values.push_back(std::nullopt);
    } else {
      values.emplace_back(std::string(field.value));
    }
  }
  return values;
}

Values parse(std::string_view row) {
  CopyTextParser parser;
  return parse(parser, row);
}

TEST(CopyTextParser, SplitsOnTabsAndDropsTheRowTerminator) {
  EXPECT_EQ(parse("1\tabc\tdef\n"), (Values{"1", "abc", "def"}));
  EXPECT_EQ(parse("1\tabc\tdef"), (Values{"1", "abc", "def"}));
}

TEST(CopyTextParser, EmptyFieldsAreEmptyStringsNotNull) {
  EXPECT_EQ(parse("\n"), (Values{""}));
  EXPECT_EQ(parse("\t\n"), (Values{"", ""}));
  EXPECT_EQ(parse("a\t\tb\t\n"), (Values{"a", "", "b", ""}));
}

TEST(CopyTextParser, BackslashNIsNullOnlyAsAWholeField) {
  EXPECT_EQ(parse("\\N\n"), (Values{std::nullopt}));
  EXPECT_EQ(parse("\\N\t\\N\tx\n"), (Values{std::nullopt, std::nullopt, "x"}));
  EXPECT_EQ(parse("\\Nx\n"), (Values{"Nx"}));
  EXPECT_EQ(parse("x\\N\n"), (Values{"xN"}));
  // The four characters \\N are an escaped backslash and an N: the text "\N", not NULL.
  EXPECT_EQ(parse("\\\\N\n"), (Values{"\\N"}));
  EXPECT_EQ(parse("NULL\t\\n\n"), (Values{"NULL", "\n"}));
}

TEST(CopyTextParser, NamedEscapes) {
  EXPECT_EQ(parse("\\b\\f\\n\\r\\t\\v\\\\\n"), (Values{"\b\f\n\r\t\v\\"}));
  EXPECT_EQ(parse("a\\tb\tc\\nd\n"), (Values{"a\tb", "c\nd"}));
}

TEST(CopyTextParser, OctalEscapesTakeOneToThreeDigits) {
  EXPECT_EQ(parse("\\0\n"), (Values{std::string(1, '\0')}));
  EXPECT_EQ(parse("\\101\\1018\n"), (Values{"AA8"}));
  EXPECT_EQ(parse("\\7\\77\\377\n"), (Values{"\x07\x3f\xff"}));
  EXPECT_EQ(parse("\\08\n"), (Values{std::string("\0"
                                                 "8",
                                                 2)}));
  // A value above 255 keeps its low eight bits, as COPY FROM does.
  EXPECT_EQ(parse("\\777\n"), (Values{"\xff"}));
  EXPECT_EQ(parse("\\1234\n"), (Values{"S4"}));
}

TEST(CopyTextParser, HexEscapesTakeOneOrTwoDigits) {
  EXPECT_EQ(parse("\\x41\\x4a\\x4B\n"), (Values{"AJK"}));
  EXPECT_EQ(parse("\\x7g\n"), (Values{"\x07g"}));
  EXPECT_EQ(parse("\\x414\n"), (Values{"A4"}));
  EXPECT_EQ(parse("\\xff\n"), (Values{"\xff"}));
  // "\x" with no hex digit after it is an escaped 'x'.
  EXPECT_EQ(parse("\\xg\n"), (Values{"xg"}));
  EXPECT_EQ(parse("\\x\tz\n"), (Values{"x", "z"}));
  EXPECT_EQ(parse("\\x\n"), (Values{"x"}));
}

TEST(CopyTextParser, AnyOtherEscapedCharacterIsItself) {
  EXPECT_EQ(parse("\\a\\z\\.\\\"\\'\\N\\8\n"), (Values{"az.\"'N8"}));
  EXPECT_EQ(parse("\\\xc3\xa9\n"), (Values{"\xc3\xa9"}));
}

TEST(CopyTextParser, BackslashBeforeARawTabKeepsTheTabInTheField) {
  // COPY TO never writes this (it writes \t), but COPY FROM reads it as a data tab.
  EXPECT_EQ(parse("a\\\tb\tc\n"), (Values{"a\tb", "c"}));
}

TEST(CopyTextParser, ALoneTrailingBackslashIsAnError) {
  CopyTextParser parser;
  EXPECT_THROW(parser.parse("abc\\\n"), Error);
  EXPECT_THROW(parser.parse("abc\\"), Error);
  try {
    parser.parse("x\\");
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::data_error);
  }
}

TEST(CopyTextParser, FieldsWithoutBackslashesAreViewsIntoTheRow) {
  CopyTextParser parser;
  std::string row = "plain\tesc\\naped\tend\n";
  auto fields = parser.parse(row);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].value.data(), row.data());
  EXPECT_EQ(fields[2].value.data(), row.data() + row.find("end"));
  EXPECT_EQ(fields[1].value, "esc\naped");
}

TEST(CopyTextParser, ManyEscapedFieldsInOneRowStayValid) {
  // Every field is unescaped into the same scratch buffer; none may move another.
  std::string row;
  Values expected;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) row += '\t';
    row += "f" + std::to_string(i) + "\\t\\\\\\x41";
    expected.push_back("f" + std::to_string(i) + "\t\\A");
  }
  row += '\n';
  CopyTextParser parser;
  EXPECT_EQ(parse(parser, row), expected);
}

TEST(CopyTextParser, TheParserIsReusableAcrossRowsOfDifferentShapes) {
  CopyTextParser parser;
  EXPECT_EQ(parse(parser, "a\\tb\t\\N\tc\n"), (Values{"a\tb", std::nullopt, "c"}));
  EXPECT_EQ(parse(parser, "x\n"), (Values{"x"}));
  std::string long_value(100000, 'q');
  EXPECT_EQ(parse(parser, "\\\\" + long_value + "\t1\n"), (Values{"\\" + long_value, "1"}));
  EXPECT_EQ(parse(parser, "\\N\n"), (Values{std::nullopt}));
}

TEST(CopyTextParser, Utf8PassesThrough) {
  const std::string text = "emoji \xf0\x9f\x98\x80 rtl \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d";
  EXPECT_EQ(parse(text + "\t" + text + "\\n\n"), (Values{text, text + "\n"}));
}

TEST(CopyTextParser, ControlCharactersThatCopyDoesNotEscapePassThrough) {
  // COPY TO escapes only \b \f \n \r \t \v and backslash; other control bytes are raw.
  EXPECT_EQ(parse(std::string("\x01\x1f\x7f", 3) + "\n"), (Values{std::string("\x01\x1f\x7f")}));
}

// A bytea's field ("\\x" then hex digits) is a view into the row, however large, with no copy;
// a field with any other escape is unescaped as before.
TEST(CopyTextParser, ALeadingEscapedBackslashAloneIsAViewIntoTheRow) {
  CopyTextParser parser;
  const std::string row = "\\\\x0aff\t\\\\x0a\\\\\t\\\\\n";
  auto fields = parser.parse(row);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].value, "\\x0aff");
  EXPECT_EQ(fields[0].value.data(), row.data() + 1);  // inside the row: not copied
  EXPECT_EQ(fields[1].value, "\\x0a\\");              // a second escape: unescaped
  EXPECT_EQ(fields[2].value, "\\");
  EXPECT_EQ(fields[2].value.data(), row.data() + row.size() - 2);
}

// The scratch that unescapes a huge row is given back at the next row, and rows without
// escapes need none.
TEST(CopyTextParser, ScratchGrownForAHugeRowIsReleased) {
  CopyTextParser parser;
  std::string huge(8u << 20, 'x');
  huge[100] = '\\';
  huge[101] = 't';
  auto fields = parser.parse(huge);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].value.size(), huge.size() - 1);
  EXPECT_EQ(fields[0].value[100], '\t');
  EXPECT_GE(parser.scratch_bytes(), huge.size() - 100);
  EXPECT_EQ(parse(parser, "a\tb"), (Values{"a", "b"}));
  EXPECT_EQ(parser.scratch_bytes(), 0u);
  EXPECT_EQ(parse(parser, "a\\tb"), (Values{"a\tb"}));
  EXPECT_LE(parser.scratch_bytes(), 4u);
}

}  // namespace
}  // namespace pgexport::format
