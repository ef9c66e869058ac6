#include "cli/options.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common/error.hpp"

namespace pgexport::cli {
namespace {

TEST(Options, SizesAcceptBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("128MiB"), 128ull << 20);
  EXPECT_EQ(parse_size("128m"), 128ull << 20);
  EXPECT_EQ(parse_size("5MB"), 5000000ull);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_size("4096"), 4096ull);
  EXPECT_FALSE(parse_size("lots"));
  EXPECT_FALSE(parse_size("12 parsecs"));
  EXPECT_FALSE(parse_size("99999999999999TiB"));
}

TEST(Options, DurationsAcceptZeroAndTheUnitsMillisecondsToDays) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  EXPECT_EQ(parse_duration("0"), seconds(0));
  EXPECT_EQ(parse_duration("200ms"), milliseconds(200));
  EXPECT_EQ(parse_duration("0ms"), milliseconds(0));
  EXPECT_EQ(parse_duration("5m"), seconds(300));
  EXPECT_EQ(parse_duration("90s"), seconds(90));
  EXPECT_EQ(parse_duration("30m"), seconds(1800));
  EXPECT_EQ(parse_duration("24h"), seconds(86400));
  EXPECT_EQ(parse_duration("7d"), seconds(7 * 86400));
  EXPECT_EQ(parse_duration("0d"), seconds(0));
  for (const char* bad : {"", "5x", "90", "h", "ms", "1.5h", "1.5s", "-1h", "+1h", "1 h", "1H",
                          "5MS", "24hours", "99999999999999999999d", "106751991167301d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(Options, ABadDurationIsAUsageErrorThatShowsExamples) {
  CLI::App app;
  Settings settings;
  bind_options(app, cleanup_options(), settings);
  const char* argv[] = {"pgexport", "--destination", "/tmp/x", "--grace", "5x"};
  app.parse(5, const_cast<char**>(argv));
  try {
    validate_options(cleanup_options(), settings);
    FAIL() << "expected a usage error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_STREQ(error.what(),
                 "--grace: '5x' is not a duration; use e.g. 500ms, 90s, 30m, 24h, 7d");
  }
}

TEST(Options, DurationsHaveDefaultsAndHelpFromTheTable) {
  CLI::App app;
  Settings settings;
  bind_options(app, cleanup_options(), settings);
  const char* argv[] = {"pgexport"};
  app.parse(1, const_cast<char**>(argv));
  validate_options(cleanup_options(), settings);
  EXPECT_EQ(settings.duration("grace"), std::chrono::hours(24));
  settings.values["grace"] = "1500ms";
  EXPECT_EQ(settings.duration("grace"), std::chrono::seconds(2)) << "rounded up to whole seconds";
  EXPECT_EQ(settings.precise_duration("grace"), std::chrono::milliseconds(1500));
  std::string help = app.help();
  EXPECT_NE(help.find("DURATION"), std::string::npos) << help;
  EXPECT_NE(help.find("90s, 30m, 24h, 7d"), std::string::npos) << help;
}

TEST(Options, EveryCommandSharesTheDestinationAndLoggingGroups) {
  for (const auto* command : {&export_options(), &ls_options(), &verify_options(),
                              &cleanup_options(), &materialize_options()}) {
    for (const auto* group : {&destination_options(), &logging_options()}) {
      for (const auto& shared : *group) {
        auto found = std::find_if(command->begin(), command->end(),
                                  [&](const OptionSpec& spec) { return spec.name == shared.name; });
        ASSERT_NE(found, command->end()) << shared.name;
        EXPECT_EQ(found->help, shared.help) << shared.name;
      }
    }
    // No option is declared twice within a command.
    std::set<std::string_view> names;
    for (const auto& spec : *command) EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
  }
  for (const char* name : {"destination", "s3-endpoint", "s3-region", "sse", "ca-bundle",
                           "expected-bucket-owner", "assume-role", "log-format", "log-level"}) {
    auto found = std::find_if(destination_options().begin(), destination_options().end(),
                              [&](const OptionSpec& spec) { return spec.name == name; });
    auto logging = std::find_if(logging_options().begin(), logging_options().end(),
                                [&](const OptionSpec& spec) { return spec.name == name; });
    EXPECT_TRUE(found != destination_options().end() || logging != logging_options().end()) << name;
  }
}

TEST(Options, EveryOptionHasAnEnvironmentVariableDerivedFromItsName) {
  EXPECT_EQ(environment_name("memory-limit"), "PGEXPORT_MEMORY_LIMIT");
  for (const auto* command : {&export_options(), &ls_options(), &verify_options(),
                              &cleanup_options(), &materialize_options()}) {
    for (const auto& spec : *command) {
      EXPECT_FALSE(spec.help.empty()) << spec.name;
      if (spec.type == OptionType::choice && !spec.default_value.empty()) {
        EXPECT_NE(std::find(spec.choices.begin(), spec.choices.end(), spec.default_value),
                  spec.choices.end())
            << spec.name << " default is not one of its choices";
      }
    }
  }
}

TEST(Options, FlagsEnvironmentAndValidationComeFromTheTable) {
  CLI::App app;
  Settings settings;
  bind_options(app, export_options(), settings);
  ::setenv("PGEXPORT_JOBS", "7", 1);
  const char* argv[] = {"pgexport", "--destination", "/tmp/x", "--include",
                        "a.*",      "--include",     "b.*",    "--s3-fips"};
  app.parse(8, const_cast<char**>(argv));
  ::unsetenv("PGEXPORT_JOBS");
  validate_options(export_options(), settings);
  EXPECT_EQ(settings.integer("jobs"), 7);
  EXPECT_EQ(settings.required_text("destination"), "/tmp/x");
  EXPECT_EQ(settings.list("include"), (std::vector<std::string>{"a.*", "b.*"}));
  EXPECT_TRUE(settings.flag("s3-fips"));
  EXPECT_FALSE(settings.flag("s3-path-style"));
  EXPECT_EQ(settings.size("chunk-size"), 256ull << 20);
}

TEST(Options, ListsSplitAtCommasOutsideQuotedNames) {
  CLI::App app;
  Settings settings;
  bind_options(app, export_options(), settings);
  ::setenv("PGEXPORT_EXCLUDE", "audit.*,\"x,y\".z", 1);
  const char* argv[] = {"pgexport", "--destination", "/tmp/x", "--hash-columns",
                        "public.\"a,b\".email,*.*.\"say \"\"hi,there\"\"\",,*.*.ssn"};
  app.parse(5, const_cast<char**>(argv));
  ::unsetenv("PGEXPORT_EXCLUDE");
  EXPECT_EQ(settings.list("hash-columns"),
            (std::vector<std::string>{"public.\"a,b\".email", "*.*.\"say \"\"hi,there\"\"\"",
                                      "*.*.ssn"}));
  EXPECT_EQ(settings.list("exclude"), (std::vector<std::string>{"audit.*", "\"x,y\".z"}));
}

TEST(Options, BadValuesAreUsageErrorsNamingTheOption) {
  CLI::App app;
  Settings settings;
  bind_options(app, export_options(), settings);
  const char* argv[] = {"pgexport", "--jobs", "0"};
  app.parse(3, const_cast<char**>(argv));
  try {
    validate_options(export_options(), settings);
    FAIL() << "expected a usage error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(error.what()).find("--jobs (or PGEXPORT_JOBS)"), std::string::npos);
  }
}

TEST(Options, SizeTextIsTheLargestExactBinaryUnit) {
  EXPECT_EQ(size_text(8 << 10), "8KiB");
  EXPECT_EQ(size_text(5 << 20), "5MiB");
  EXPECT_EQ(size_text(1536 << 10), "1536KiB");
  EXPECT_EQ(size_text(3ull << 30), "3GiB");
  EXPECT_EQ(size_text(1000), "1000");
  for (uint64_t bytes : {8ull << 10, 5ull << 20, 1536ull << 10, 3ull << 30, 1000ull}) {
    EXPECT_EQ(parse_size(size_text(bytes)), bytes);
  }
}

// The floors the table declares: a ctid range of less than one page, or a multipart part S3
// would refuse, is a usage error naming the option and its floor; the floor itself passes.
TEST(Options, SizesBelowTheirFloorAreUsageErrors) {
  struct Case {
    const char* option;
    const char* value;
    const char* expected;  // nullptr: accepted
  };
  for (const Case& c : {Case{"--chunk-size", "0", "must be at least 8KiB, not '0'"},
                        Case{"--chunk-size", "8191", "must be at least 8KiB"},
                        Case{"--chunk-size", "8KiB", nullptr},
                        Case{"--part-size", "1MiB", "must be at least 5MiB, not '1MiB'"},
                        Case{"--part-size", "5MiB", nullptr}}) {
    CLI::App app;
    Settings settings;
    bind_options(app, export_options(), settings);
    const char* argv[] = {"pgexport", c.option, c.value};
    app.parse(3, const_cast<char**>(argv));
    if (c.expected == nullptr) {
      EXPECT_NO_THROW(validate_options(export_options(), settings)) << c.option << " " << c.value;
      continue;
    }
    try {
      validate_options(export_options(), settings);
      ADD_FAILURE() << c.option << " " << c.value << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage);
      EXPECT_NE(std::string(error.what()).find(c.expected), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace pgexport::cli
