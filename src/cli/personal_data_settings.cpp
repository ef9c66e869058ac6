#include "cli/personal_data_settings.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include "cli/secret_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::cli {

namespace {

constexpr std::string_view kKeyFileOption = "--hash-key-file (or PGEXPORT_HASH_KEY_FILE)";

void warn_if_others_can_read(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0 && (status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    log::warn(
        "the hash key file can be read by its group or by other users; mount it with mode "
        "0400 or 0600",
        {{"hash_key_file", path}});
  }
}

}  // namespace

exporter::PersonalDataRules personal_data_rules(const Settings& settings) {
  exporter::PersonalDataRules rules;
  for (const auto& text : settings.list("exclude-columns")) {
    rules.exclude.push_back(exporter::parse_column_pattern(text, "--exclude-columns"));
  }
  for (const auto& text : settings.list("hash-columns")) {
    rules.hash.push_back(exporter::parse_column_pattern(text, "--hash-columns"));
  }
  return rules;
}

std::string read_hash_key(const Settings& settings) {
  const auto path = settings.text("hash-key-file");
  const char* variable = std::getenv(kHashKeyVariable);
  const bool variable_set = variable != nullptr && *variable != '\0';
  if (path && variable_set) {
    fail(ErrorKind::usage, "{} and {} both give a hash key; give it in one place only",
         kKeyFileOption, kHashKeyVariable);
  }
  std::string key;
  std::string source;
  if (path) {
    key = read_secret_file(*path, {kKeyFileOption, "the hash key", "key"});
    warn_if_others_can_read(*path);
    source = std::string(kKeyFileOption) + " " + *path;
  } else if (variable_set) {
    key = variable;
    source = kHashKeyVariable;
  } else {
    return key;
  }
  if (key.size() < kMinimumHashKeyBytes) {
    fail(ErrorKind::usage,
         "{}: the hash key is shorter than {} bytes; use a random one, e.g. `openssl rand -hex "
         "32`",
         source, kMinimumHashKeyBytes);
  }
  return key;
}

PersonalDataSettings personal_data_settings(const Settings& settings) {
  PersonalDataSettings result{personal_data_rules(settings), read_hash_key(settings)};
  if (!result.rules.hash.empty() && result.key.empty()) {
    fail(ErrorKind::usage,
         "--hash-columns needs a key: give --hash-key-file PATH (a mounted secret) or set {}",
         kHashKeyVariable);
  }
  return result;
}

}  // namespace pgexport::cli
