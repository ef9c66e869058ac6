// An invocation's event as export options: keys are option names, values keep the options
// table's rules, and whatever the event does not name keeps its command-line, PGEXPORT_* or
// default value.
#include "cli/lambda_event.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"

namespace pgexport::cli {
namespace {

// What `pgexport lambda` holds after parsing its command line (`args`).
Settings command_line(std::vector<const char*> args) {
  CLI::App app;
  Settings settings;
  bind_options(app, lambda_options(), settings);
  args.insert(args.begin(), "pgexport");
  app.parse(static_cast<int>(args.size()), const_cast<char**>(args.data()));
  return settings;
}

// The usage error's message for `event`, or "" when it was accepted.
std::string refusal(const std::string& event) {
  try {
    settings_from_event(event, lambda_options(), command_line({}));
    return "";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    return error.what();
  }
}

TEST(LambdaEvent, KeysAreOptionNamesAndOverrideTheCommandLine) {
  const auto settings = settings_from_event(
      R"({"format": "parquet", "jobs": 4, "run-id": "nightly", "destination": "s3://b/p",
          "parquet-numeric-as-text": true, "cleanup-timeout": "40s"})",
      lambda_options(), command_line({"--format", "jsonl", "--destination", "/tmp/x"}));
  EXPECT_EQ(settings.required_text("format"), "parquet");
  EXPECT_EQ(settings.integer("jobs"), 4);
  EXPECT_EQ(settings.text("run-id"), "nightly");
  EXPECT_EQ(settings.text("destination"), "s3://b/p");
  EXPECT_TRUE(settings.flag("parquet-numeric-as-text"));
  EXPECT_EQ(settings.duration("cleanup-timeout"), std::chrono::seconds(40));
}

TEST(LambdaEvent, WhatTheEventDoesNotNameKeepsItsValue) {
  const auto settings = settings_from_event(R"({"jobs": "3"})", lambda_options(),
                                            command_line({"--format", "jsonl"}));
  EXPECT_EQ(settings.required_text("format"), "jsonl");
  // Unset: the export picks the layout's default (export_settings_test.cpp).
  EXPECT_FALSE(settings.text("compression"));
  EXPECT_EQ(settings.size("lambda-rate"), 50'000'000u);
  EXPECT_EQ(settings.integer("jobs"), 3);
  for (const char* empty : {"", "null", "{}"}) {
    EXPECT_EQ(
        settings_from_event(empty, lambda_options(), command_line({"--jobs", "5"})).integer("jobs"),
        5)
        << empty;
  }
}

TEST(LambdaEvent, SnakeCaseKeysAreTheSameOptions) {
  const auto settings = settings_from_event(R"({"run_id": "r1", "max_file_size": "1GiB"})",
                                            lambda_options(), command_line({}));
  EXPECT_EQ(settings.text("run-id"), "r1");
  EXPECT_EQ(settings.size("max-file-size"), 1ull << 30);
  EXPECT_NE(refusal(R"({"run_id": "a", "run-id": "b"})").find("given twice"), std::string::npos);
}

TEST(LambdaEvent, ListOptionsTakeArraysOrACommaSeparatedString) {
  auto settings = settings_from_event(R"({"include": ["public.*", "sales.orders"]})",
                                      lambda_options(), command_line({"--include", "x.*"}));
  EXPECT_EQ(settings.list("include"), (std::vector<std::string>{"public.*", "sales.orders"}));
  settings = settings_from_event(R"({"exclude": "a.*,b.c"})", lambda_options(), command_line({}));
  EXPECT_EQ(settings.list("exclude"), (std::vector<std::string>{"a.*", "b.c"}));
  EXPECT_NE(refusal(R"({"include": ["ok", 3]})").find("\"include\" must be an array of strings"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"include": {"a": 1}})").find("\"include\""), std::string::npos);
}

TEST(LambdaEvent, AnUnknownKeyIsRefusedByName) {
  const auto message = refusal(R"({"format": "csv", "tables": ["x"]})");
  EXPECT_NE(message.find("event key \"tables\" is not an option"), std::string::npos) << message;
  // The spool has no place in a function: it is no option of `lambda`.
  EXPECT_NE(refusal(R"({"spool": "/tmp/s"})").find("\"spool\""), std::string::npos);
}

TEST(LambdaEvent, BadValuesAreRefusedNamingTheKeyAndTheRule) {
  auto message = refusal(R"({"jobs": 100})");
  EXPECT_NE(message.find("event key \"jobs\""), std::string::npos) << message;
  EXPECT_NE(message.find("between 1 and 64"), std::string::npos) << message;
  message = refusal(R"({"format": "xml"})");
  EXPECT_NE(message.find("event key \"format\""), std::string::npos) << message;
  EXPECT_NE(message.find("csv, jsonl, parquet"), std::string::npos) << message;
  EXPECT_NE(refusal(R"({"jobs": 2.5})").find("a string or a whole number"), std::string::npos);
  EXPECT_NE(refusal(R"({"jobs": "two"})").find("whole number"), std::string::npos);
  EXPECT_NE(refusal(R"({"cleanup-timeout": "90"})").find("not a duration"), std::string::npos);
  EXPECT_NE(refusal(R"({"lambda-rate": "fast"})").find("event key \"lambda-rate\""),
            std::string::npos);
  EXPECT_NE(refusal(R"({"s3-path-style": "yes"})").find("true or false"), std::string::npos);
  EXPECT_NE(refusal(R"({"format": null})").find("\"format\""), std::string::npos);
}

TEST(LambdaEvent, AnEventThatIsNoObjectIsRefused) {
  EXPECT_NE(refusal(R"(["format", "csv"])").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(refusal("{format: csv").find("not valid JSON"), std::string::npos);
}

TEST(LambdaEvent, ASecretValueIsNeverQuoted) {
  const std::string password = "hunter2-secret";
  for (const std::string& event : std::vector<std::string>{
           R"({"source": 12, "x": 1})", R"({"source": ")" + password + R"(", "nope": 1})",
           R"({"source": "password=)" + password + R"(" )",
           R"({"assume-role-external-id": [")" + password + R"("]})"}) {
    const auto message = refusal(event);
    EXPECT_FALSE(message.empty()) << event;
    EXPECT_EQ(message.find(password), std::string::npos) << message;
  }
  // Accepted as given, for the connection only.
  const auto settings = settings_from_event(R"({"source": "host=db password=)" + password + R"("})",
                                            lambda_options(), command_line({}));
  EXPECT_EQ(settings.text("source"), "host=db password=" + password);
}

}  // namespace
}  // namespace pgexport::cli
