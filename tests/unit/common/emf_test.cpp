// The Embedded Metric Format line has what the specification requires: one JSON object with
// _aws.Timestamp (milliseconds), _aws.CloudWatchMetrics[] of {Namespace, Dimensions (arrays of
// names), Metrics [{Name, Unit}]}, and every named dimension and metric as a root member.
#include "common/emf.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pgexport::emf {
namespace {

TEST(Emf, TheLineHoldsTheRequiredMembers) {
  Document document{"pgexport",
                    {{"table", "public.orders"}},
                    {{"Rows", "Count", 1200}, {"Seconds", "Seconds", 2.5}},
                    {{"run_id", "20261124T203543Z"}}};
  auto time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764016543123));
  std::string text = line(document, time);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "one log event, one line";
  auto root = nlohmann::json::parse(text);
  ASSERT_TRUE(root.is_object());
  const auto& aws = root.at("_aws");
  EXPECT_EQ(aws.at("Timestamp"), 1764016543123);
  EXPECT_TRUE(aws.at("Timestamp").is_number_integer());
  ASSERT_EQ(aws.at("CloudWatchMetrics").size(), 1u);
  const auto& directive = aws["CloudWatchMetrics"][0];
  EXPECT_EQ(directive.at("Namespace"), "pgexport");
  EXPECT_EQ(directive.at("Dimensions"), nlohmann::json::parse(R"([["table"]])"));
  EXPECT_EQ(directive.at("Metrics"), nlohmann::json::parse(R"([{"Name":"Rows","Unit":"Count"},
                                      {"Name":"Seconds","Unit":"Seconds"}])"));
  // Every dimension a string member, every metric a number member of the root.
  EXPECT_EQ(root.at("table"), "public.orders");
  EXPECT_TRUE(root.at("Rows").is_number_integer());
  EXPECT_EQ(root.at("Rows"), 1200);
  EXPECT_DOUBLE_EQ(root.at("Seconds").get<double>(), 2.5);
  EXPECT_EQ(root.at("run_id"), "20261124T203543Z");
}

TEST(Emf, NoDimensionsIsOneEmptyDimensionSet) {
  auto root = nlohmann::json::parse(line({"pgexport", {}, {{"Rows", "Count", 1}}, {}}, {}));
  EXPECT_EQ(root["_aws"]["CloudWatchMetrics"][0]["Dimensions"], nlohmann::json::parse("[[]]"));
}

}  // namespace
}  // namespace pgexport::emf
