// Log fields keep their types: JSON lines carry numbers and booleans as JSON numbers and
// booleans (so Logs Insights can sum them), text lines show them bare.
#include "common/log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pgexport::log {
namespace {

class CapturedOutput : public LineOutput {
 public:
  void write_line(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { set_output(&output_); }
  void TearDown() override {
    set_output(nullptr);
    configure(Format::text, Level::info);
  }
  CapturedOutput output_;
};

TEST_F(LogTest, JsonLinesCarryNumbersAndBooleansAsJson) {
  configure(Format::json, Level::info);
  uint64_t rows = 18446744073709551615ull;
  std::string table = "public.t";
  info("exported", {{"table", table},
                    {"rows", rows},
                    {"part", 3},
                    {"delta", -2},
                    {"seconds", seconds_value(1.23456)},
                    {"latest_moved", true},
                    {"note", "literal"},
                    field("shown", 42)});
  ASSERT_EQ(output_.lines.size(), 1u);
  ASSERT_EQ(output_.lines[0].back(), '\n');
  auto object = nlohmann::json::parse(output_.lines[0]);
  EXPECT_EQ(object["message"], "exported");
  EXPECT_TRUE(object["table"].is_string());
  EXPECT_TRUE(object["rows"].is_number_unsigned());
  EXPECT_EQ(object["rows"].get<uint64_t>(), rows);
  EXPECT_TRUE(object["part"].is_number_integer());
  EXPECT_EQ(object["delta"].get<int64_t>(), -2);
  EXPECT_TRUE(object["seconds"].is_number_float());
  EXPECT_DOUBLE_EQ(object["seconds"].get<double>(), 1.235);
  EXPECT_TRUE(object["latest_moved"].is_boolean());
  EXPECT_EQ(object["note"], "literal");
  EXPECT_EQ(object["shown"], 42);
  EXPECT_NE(output_.lines[0].find("\"rows\":18446744073709551615"), std::string::npos);
}

TEST_F(LogTest, TextLinesShowValuesBareAndQuoteOnlyStringsThatNeedIt) {
  configure(Format::text, Level::info);
  info("exported", {{"rows", 12}, {"ok", false}, {"seconds", 0.5}, {"table", "a b"}, {"t", "x"}});
  ASSERT_EQ(output_.lines.size(), 1u);
  const auto& line = output_.lines[0];
  EXPECT_NE(line.find(" exported rows=12 ok=false seconds=0.5 table=\"a b\" t=x\n"),
            std::string::npos)
      << line;
}

TEST_F(LogTest, WriteLineIsPassedThroughWholeAndBelowTheLevelNothingIsWritten) {
  configure(Format::json, Level::warn);
  info("not shown");
  write_line("{\"_aws\":{}}");
  ASSERT_EQ(output_.lines.size(), 1u);
  EXPECT_EQ(output_.lines[0], "{\"_aws\":{}}\n");
}

}  // namespace
}  // namespace pgexport::log
