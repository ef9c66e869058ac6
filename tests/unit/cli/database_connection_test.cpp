#include "cli/database_connection.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "common/error.hpp"

namespace pgexport::cli {
namespace {

namespace fs = std::filesystem;

// A directory of its own per test, removed afterwards.
class PasswordFile : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("pgexport-password-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string write(const std::string& content) {
    const std::string path = (directory_ / "password").string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path directory_;
};

// The usage error's message; fails the test when the call does not throw one.
template <typename Call>
std::string usage_error_of(Call call) {
  try {
    call();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected a usage error";
  return "";
}

// The keywords a connection string sets, as libpq reads them.
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  EXPECT_NE(options, nullptr) << (error ? error : "") << " in " << conninfo;
  PQfreemem(error);
  std::map<std::string, std::string> values;
  for (auto* option = options; option && option->keyword; ++option) {
    if (option->val) values[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return values;
}

TEST_F(PasswordFile, OneTrailingNewlineIsTrimmedAndEverythingElseKept) {
  EXPECT_EQ(read_password_file(write("s3cret\n")), "s3cret");
  EXPECT_EQ(read_password_file(write("s3cret\r\n")), "s3cret");
  EXPECT_EQ(read_password_file(write("s3cret")), "s3cret");
  EXPECT_EQ(read_password_file(write(" spaces stay ")), " spaces stay ");
}

TEST_F(PasswordFile, AMissingEmptyOrMultiLineFileIsAUsageErrorNamingThePathNotTheContent) {
  const std::string missing = (directory_ / "absent").string();
  std::string message = usage_error_of([&] { read_password_file(missing); });
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  EXPECT_NE(message.find("PGEXPORT_PASSWORD_FILE"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file"), std::string::npos) << message;

  for (const std::string content : {"", "\n", "\r\n"}) {
    message = usage_error_of([&] { read_password_file(write(content)); });
    EXPECT_NE(message.find("is empty"), std::string::npos) << message;
  }
  for (const std::string& content :
       {std::string("first-secret\nsecond-secret\n"), std::string("only-secret\n\n"),
        std::string("nul-secret\0tail", 15)}) {
    const std::string path = write(content);
    message = usage_error_of([&] { read_password_file(path); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("more than one line"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << "the content leaked: " << message;
  }
  message = usage_error_of([&] { read_password_file(directory_.string()); });
  EXPECT_NE(message.find("Is a directory"), std::string::npos) << message;
  message = usage_error_of([&] { read_password_file(write(std::string(70000, 'x'))); });
  EXPECT_NE(message.find("not a password file"), std::string::npos) << message;
}

TEST(WithPassword, KeywordsAndUrisKeepTheirSettingsAndGainThePassword) {
  auto values = with_password("host=db.example port=5433 dbname=app sslmode=verify-full", "pw");
  EXPECT_EQ(parsed(values), (std::map<std::string, std::string>{{"host", "db.example"},
                                                                {"port", "5433"},
                                                                {"dbname", "app"},
                                                                {"sslmode", "verify-full"},
                                                                {"password", "pw"}}));
  values = with_password("postgresql://exporter@db.example:5433/app?sslmode=verify-full", "pw");
  EXPECT_EQ(parsed(values), (std::map<std::string, std::string>{{"user", "exporter"},
                                                                {"host", "db.example"},
                                                                {"port", "5433"},
                                                                {"dbname", "app"},
                                                                {"sslmode", "verify-full"},
                                                                {"password", "pw"}}));
  // Empty: libpq's PG* variables still supply everything but the password.
  EXPECT_EQ(parsed(with_password("", "pw")),
            (std::map<std::string, std::string>{{"password", "pw"}}));
}

TEST(WithPassword, AnyPasswordSurvivesQuoting) {
  for (const std::string password :
       {"it's", "back\\slash", "a b", "x=y", "'", "\\'", "p@ss:w/rd?#%", "ünïcödé"}) {
    EXPECT_EQ(parsed(with_password("dbname='my db'", password))["password"], password);
    EXPECT_EQ(parsed(with_password("dbname='my db'", password))["dbname"], "my db");
  }
}

TEST(WithPassword, APasswordInTheSourceTooIsRefusedWithoutShowingEither) {
  for (const std::string source :
       {"host=h password=source-secret", "postgresql://u:source-secret@h/db"}) {
    const std::string message = usage_error_of([&] { with_password(source, "file-secret"); });
    EXPECT_NE(message.find("in one place"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
  const std::string message =
      usage_error_of([&] { with_password("host=h password secret-typo", "file-secret"); });
  EXPECT_NE(message.find("not a valid connection string"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
}

TEST_F(PasswordFile, TheSettingsDecideWhetherTheFileIsRead) {
  Settings settings;
  settings.values["source"] = "host=h dbname=d";
  EXPECT_EQ(database_connection_string(settings), "host=h dbname=d");
  settings.values["password-file"] = write("from-the-file\n");
  EXPECT_EQ(parsed(database_connection_string(settings))["password"], "from-the-file");
  EXPECT_EQ(parsed(database_connection_string(settings))["host"], "h");
}

}  // namespace
}  // namespace pgexport::cli
