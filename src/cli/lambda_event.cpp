#include "cli/lambda_event.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "common/error.hpp"

namespace pgexport::cli {

namespace {

using nlohmann::json;

// Keys are echoed in messages; a hostile or mistaken event must not flood the log.
std::string shown_key(const std::string& key) {
  return key.size() > 64 ? key.substr(0, 64) + "..." : key;
}

// A scalar option's value as the command line would have given it.
std::string scalar_text(const std::string& key, const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  fail(ErrorKind::usage, "event key \"{}\" must be a string or a whole number", shown_key(key));
}

bool flag_value(const std::string& key, const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string() && (value == "true" || value == "false")) return value == "true";
  fail(ErrorKind::usage, "event key \"{}\" must be true or false", shown_key(key));
}

// An array of strings, or one string holding a comma-separated list (as in PGEXPORT_*).
std::vector<std::string> list_value(const std::string& key, const json& value) {
  std::vector<std::string> items;
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    size_t start = 0;
    while (start <= text.size()) {
      const size_t comma = std::min(text.find(',', start), text.size());
      items.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
    return items;
  }
  if (!value.is_array()) {
    fail(ErrorKind::usage, "event key \"{}\" must be an array of strings", shown_key(key));
  }
  for (const auto& item : value) {
    if (!item.is_string()) {
      fail(ErrorKind::usage, "event key \"{}\" must be an array of strings", shown_key(key));
    }
    items.push_back(item.get<std::string>());
  }
  return items;
}

}  // namespace

Settings settings_from_event(std::string_view event, const std::vector<OptionSpec>& specs,
                             Settings settings) {
  json document;
  try {
    document = json::parse(event.empty() ? std::string_view("null") : event);
  } catch (const json::exception&) {
    // The parser's message quotes the text, which may hold a secret: say only where.
    fail(ErrorKind::usage,
         "the event is not valid JSON; send an object whose keys are option names, e.g. "
         "{{\"include\": [\"public.*\"], \"format\": \"parquet\"}}");
  }
  if (document.is_null()) return settings;
  if (!document.is_object()) {
    fail(ErrorKind::usage,
         "the event must be a JSON object whose keys are option names, e.g. "
         "{{\"include\": [\"public.*\"], \"format\": \"parquet\"}}");
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& [given_key, value] : document.items()) {
    std::string name = given_key;
    std::replace(name.begin(), name.end(), '_', '-');
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& candidate) { return candidate.name == name; });
    if (spec == specs.end()) {
      fail(ErrorKind::usage,
           "event key \"{}\" is not an option of pgexport lambda; use the option names of "
           "docs/configuration.md, e.g. \"include\" or \"run-id\"",
           shown_key(given_key));
    }
    if (!seen.insert(name).second) {
      fail(ErrorKind::usage, "event key \"{}\" is given twice (as \"{}\" and with '_' or '-')",
           shown_key(given_key), name);
    }
    switch (spec->type) {
      case OptionType::flag:
        settings.flags[name] = flag_value(given_key, value);
        break;
      case OptionType::list:
        settings.lists[name] = list_value(given_key, value);
        break;
      default:
        settings.values[name] = scalar_text(given_key, value);
        break;
    }
    try {
      validate_options({*spec}, settings);
    } catch (const Error& error) {
      // The table's message names the flag and its variable; say where the value came from.
      fail(ErrorKind::usage, "event key \"{}\": {}", shown_key(given_key), error.what());
    }
  }
  return settings;
}

}  // namespace pgexport::cli
