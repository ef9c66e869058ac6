// CloudWatch Embedded Metric Format (EMF): a log line that is also a set of metric values,
// which CloudWatch Logs extracts into metrics of a namespace. Pure: the caller gives the time.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace pgexport::emf {

// A metric value and its CloudWatch unit ("Count", "Bytes", "Seconds", ...).
struct Metric {
  std::string name;
  std::string unit;
  double value = 0;
};

struct Document {
  std::string metric_namespace;
  // Dimension names and their values: one dimension set holding all of them (an empty list
  // is a metric without dimensions). Values are strings, as the specification requires.
  std::vector<std::pair<std::string, std::string>> dimensions;
  std::vector<Metric> metrics;
  // More members of the root object, not metrics or dimensions: found by Logs Insights
  // (e.g. the run id) without becoming a metric's dimension, which would cost a metric each.
  std::vector<std::pair<std::string, std::string>> properties;
};

// The document as one line of JSON (no newline): {"_aws": {"Timestamp": <ms>,
// "CloudWatchMetrics": [{"Namespace", "Dimensions": [[...]], "Metrics": [{"Name", "Unit"}]}]},
// <dimension>: "<value>", ..., <metric>: <number>, ..., <property>: "<value>", ...}.
std::string line(const Document& document, std::chrono::system_clock::time_point time);

}  // namespace pgexport::emf
