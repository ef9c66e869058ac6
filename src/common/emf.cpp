#include "common/emf.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>

namespace pgexport::emf {

std::string line(const Document& document, std::chrono::system_clock::time_point time) {
  nlohmann::ordered_json dimension_set = nlohmann::ordered_json::array();
  for (const auto& [name, value] : document.dimensions) dimension_set.push_back(name);
  nlohmann::ordered_json definitions = nlohmann::ordered_json::array();
  for (const auto& metric : document.metrics) {
    definitions.push_back({{"Name", metric.name}, {"Unit", metric.unit}});
  }
  nlohmann::ordered_json directive;
  directive["Namespace"] = document.metric_namespace;
  directive["Dimensions"] = nlohmann::ordered_json::array({dimension_set});
  directive["Metrics"] = definitions;

  nlohmann::ordered_json root;
  root["_aws"]["Timestamp"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  root["_aws"]["CloudWatchMetrics"] = nlohmann::ordered_json::array({directive});
  for (const auto& [name, value] : document.dimensions) root[name] = value;
  for (const auto& metric : document.metrics) {
    // Whole numbers (rows, bytes) are written without a fraction; 2^53 is where doubles stop
    // holding every integer.
    bool whole = std::floor(metric.value) == metric.value && std::fabs(metric.value) < 0x1p53;
    if (whole) {
      root[metric.name] = static_cast<int64_t>(metric.value);
    } else {
      root[metric.name] = metric.value;
    }
  }
  for (const auto& [name, value] : document.properties) root[name] = value;
  return root.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace pgexport::emf
