// The AWS shared configuration files: ~/.aws/credentials ("[name]" sections) and
// ~/.aws/config ("[profile name]" or "[default]"), located through AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE and HOME, with the profile from AWS_PROFILE (else "default").
#pragma once

#include <map>
#include <optional>
#include <string>

#include "storage/s3/credentials.hpp"

namespace pgexport::s3 {

using ProfileSettings = std::map<std::string, std::string>;

// Parses the INI dialect of the AWS files: "[section]", "key = value", '#' and ';' comment
// lines; indented lines (nested settings such as "s3 =\n  addressing_style = path") are
// skipped. Returns section name -> settings, section names as written between brackets.
std::map<std::string, ProfileSettings> parse_aws_ini(const std::string& text);

class AwsConfigFiles {
 public:
  // Reads both files (a missing file is empty; an unreadable one is an error).
  static AwsConfigFiles load(const EnvironmentLookup& environment);
  // For tests: the two files' contents directly.
  static AwsConfigFiles from_text(const std::string& credentials_text,
                                  const std::string& config_text, std::string profile);

  // AWS_PROFILE, else "default".
  const std::string& profile() const { return profile_; }
  // The settings of a profile: the config file's, overridden by the credentials file's.
  // nullopt when neither file has the profile.
  std::optional<ProfileSettings> settings(const std::string& profile) const;
  // Where the files are, for error messages.
  const std::string& credentials_path() const { return credentials_path_; }
  const std::string& config_path() const { return config_path_; }

 private:
  std::string profile_;
  std::string credentials_path_;
  std::string config_path_;
  std::map<std::string, ProfileSettings> credentials_;
  std::map<std::string, ProfileSettings> config_;
};

}  // namespace pgexport::s3
