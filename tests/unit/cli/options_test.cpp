#include "cli/options.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

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

TEST(Options, EveryOptionHasAnEnvironmentVariableDerivedFromItsName) {
  EXPECT_EQ(environment_name("memory-limit"), "PGEXPORT_MEMORY_LIMIT");
  for (const auto& spec : export_options()) {
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    if (spec.type == OptionType::choice && !spec.default_value.empty()) {
      EXPECT_NE(std::find(spec.choices.begin(), spec.choices.end(), spec.default_value),
                spec.choices.end())
          << spec.name << " default is not one of its choices";
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

}  // namespace
}  // namespace pgexport::cli
