#include "storage/s3/aws_config.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace pgexport::s3 {

namespace {

std::string trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// The file's contents, "" when it does not exist.
std::string read_optional_file(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || errno == ENOTDIR) return "";
    fail(ErrorKind::credentials_error, "cannot read AWS configuration file {}: {}", path,
         std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

std::map<std::string, ProfileSettings> parse_aws_ini(const std::string& text) {
  std::map<std::string, ProfileSettings> sections;
  ProfileSettings* current = nullptr;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;  // nested setting
    const std::string trimmed = trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;
    if (trimmed.front() == '[') {
      const size_t close = trimmed.find(']');
      if (close == std::string::npos) {
        current = nullptr;
        continue;
      }
      current = &sections[trim(std::string_view(trimmed).substr(1, close - 1))];
      continue;
    }
    const size_t equals = trimmed.find('=');
    if (current == nullptr || equals == std::string::npos) continue;
    (*current)[trim(std::string_view(trimmed).substr(0, equals))] =
        trim(std::string_view(trimmed).substr(equals + 1));
  }
  return sections;
}

AwsConfigFiles AwsConfigFiles::load(const EnvironmentLookup& environment) {
  AwsConfigFiles files;
  files.profile_ = environment("AWS_PROFILE").value_or("default");
  const auto home = environment("HOME");
  files.credentials_path_ = environment("AWS_SHARED_CREDENTIALS_FILE")
                                .value_or(home ? *home + "/.aws/credentials" : std::string());
  files.config_path_ =
      environment("AWS_CONFIG_FILE").value_or(home ? *home + "/.aws/config" : std::string());
  files.credentials_ = parse_aws_ini(read_optional_file(files.credentials_path_));
  files.config_ = parse_aws_ini(read_optional_file(files.config_path_));
  return files;
}

AwsConfigFiles AwsConfigFiles::from_text(const std::string& credentials_text,
                                         const std::string& config_text, std::string profile) {
  AwsConfigFiles files;
  files.profile_ = std::move(profile);
  files.credentials_path_ = "(credentials text)";
  files.config_path_ = "(config text)";
  files.credentials_ = parse_aws_ini(credentials_text);
  files.config_ = parse_aws_ini(config_text);
  return files;
}

std::optional<ProfileSettings> AwsConfigFiles::settings(const std::string& profile) const {
  std::optional<ProfileSettings> merged;
  // In the config file, only "default" may omit the "profile " prefix.
  for (const std::string& section : {"profile " + profile, profile}) {
    if (section == profile && profile != "default") continue;
    if (auto found = config_.find(section); found != config_.end()) {
      if (!merged) merged.emplace();
      for (const auto& [key, value] : found->second) merged->insert_or_assign(key, value);
      break;
    }
  }
  if (auto found = credentials_.find(profile); found != credentials_.end()) {
    if (!merged) merged.emplace();
    for (const auto& [key, value] : found->second) merged->insert_or_assign(key, value);
  }
  return merged;
}

}  // namespace pgexport::s3
