#include "cli/personal_data_settings.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"

namespace pgexport::cli {
namespace {

namespace fs = std::filesystem;

const std::string kKey = "hash-key-of-the-settings-test-0123";

class HashKey : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(kHashKeyVariable);
    directory_ = fs::temp_directory_path() /
                 ("pgexport-hash-key-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_);
  }
  void TearDown() override {
    ::unsetenv(kHashKeyVariable);
    fs::remove_all(directory_);
  }

  std::string write(const std::string& content) {
    const std::string path = (directory_ / "key").string();
    std::ofstream(path, std::ios::binary) << content;
    ::chmod(path.c_str(), 0600);
    return path;
  }

  static std::string usage_message(const Settings& settings) {
    try {
      personal_data_settings(settings);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage) << error.what();
      EXPECT_EQ(std::string(error.what()).find(kKey), std::string::npos) << error.what();
      return error.what();
    }
    ADD_FAILURE() << "expected a usage error";
    return "";
  }

  fs::path directory_;
};

Settings hashing(std::string key_file = "") {
  Settings settings;
  settings.lists["hash-columns"] = {"*.*.email"};
  settings.lists["exclude-columns"] = {"public.users.ssn"};
  settings.values["hash-key-file"] = std::move(key_file);
  return settings;
}

TEST_F(HashKey, ComesFromTheFileLessOneTrailingNewlineOrFromTheVariable) {
  auto from_file = personal_data_settings(hashing(write(kKey + "\n")));
  EXPECT_EQ(from_file.key, kKey);
  ASSERT_EQ(from_file.rules.hash.size(), 1u);
  EXPECT_EQ(from_file.rules.exclude.at(0).text, "public.users.ssn");
  ::setenv(kHashKeyVariable, kKey.c_str(), 1);
  EXPECT_EQ(personal_data_settings(hashing()).key, kKey);
}

TEST_F(HashKey, IsRequiredByHashColumnsGivenOnceAndLongEnough) {
  EXPECT_NE(usage_message(hashing()).find("--hash-columns needs a key"), std::string::npos);
  EXPECT_NE(usage_message(hashing(write("short\n"))).find("shorter than 16 bytes"),
            std::string::npos);
  ::setenv(kHashKeyVariable, kKey.c_str(), 1);
  EXPECT_NE(usage_message(hashing(write(kKey))).find("in one place only"), std::string::npos);
  ::unsetenv(kHashKeyVariable);
  EXPECT_NE(usage_message(hashing(write(kKey + "\nsecond line\n"))).find("more than one line"),
            std::string::npos);
  EXPECT_NE(usage_message(hashing((directory_ / "absent").string())).find("--hash-key-file"),
            std::string::npos);
  // Without hashed columns no key is needed; a bad pattern is refused before any key is read.
  Settings excluding;
  excluding.lists["exclude-columns"] = {"ssn"};
  EXPECT_NE(usage_message(excluding).find("--exclude-columns: 'ssn' is not a column pattern"),
            std::string::npos);
  excluding.lists["exclude-columns"] = {"*.*.ssn"};
  EXPECT_TRUE(personal_data_settings(excluding).key.empty());
}

}  // namespace
}  // namespace pgexport::cli
