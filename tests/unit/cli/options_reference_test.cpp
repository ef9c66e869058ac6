#include "cli/options_reference.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgexport::cli {
namespace {

// The section of `markdown` from heading `title` to the next heading of the same level.
std::string section(const std::string& markdown, const std::string& title) {
  const auto start = markdown.find("\n## " + title + "\n");
  if (start == std::string::npos) return "";
  const auto end = markdown.find("\n## ", start + 1);
  return markdown.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(OptionsReference, EveryOptionOfEveryCommandIsShownOnceWithItsVariableAndDefault) {
  const std::vector<CommandReference> commands = {
      {"export", "Export", &export_options()},
      {"cdc drop", "Drop", &cdc_drop_options()},
      {"ls", "List", &ls_options()},
  };
  const std::string markdown = render_options_markdown(commands);
  for (const auto& command : commands) {
    for (const auto& option : *command.options) {
      const std::string row = "| `--" + std::string(option.name) + "`";
      const auto first = markdown.find(row);
      ASSERT_NE(first, std::string::npos) << option.name;
      EXPECT_NE(markdown.find("`" + environment_name(option.name) + "`", first), std::string::npos)
          << option.name;
    }
  }
  // Shared options are described once, in their group, not again under each command.
  const std::string export_section = section(markdown, "pgexport export");
  ASSERT_FALSE(export_section.empty());
  EXPECT_EQ(export_section.find("`--destination`"), std::string::npos);
  EXPECT_EQ(export_section.find("`--password-file`"), std::string::npos);
  EXPECT_NE(export_section.find("| `--jobs` INT | `PGEXPORT_JOBS` | `2` |"), std::string::npos)
      << export_section;
  EXPECT_NE(export_section.find("A whole number from 1 to 64."), std::string::npos);
  EXPECT_NE(section(markdown, "Database connection").find("`--password-file` TEXT"),
            std::string::npos);
  EXPECT_NE(section(markdown, "Database connection").find("Secret: never printed"),
            std::string::npos);
}

TEST(OptionsReference, EachCommandNamesTheGroupsItTakes) {
  const std::string markdown = render_options_markdown({
      {"cdc drop", "Drop", &cdc_drop_options()},
      {"verify", "Verify", &verify_options()},
  });
  const std::string drop = section(markdown, "pgexport cdc drop");
  EXPECT_NE(drop.find("[Database connection](#database-connection)"), std::string::npos) << drop;
  EXPECT_NE(drop.find("[Replication slot](#replication-slot)"), std::string::npos) << drop;
  EXPECT_EQ(drop.find("[Destination]"), std::string::npos) << "cdc drop has no destination";
  // Its own: the publication (cdc run and cdc status take it from the base run instead).
  EXPECT_NE(drop.find("| `--publication` TEXT | `PGEXPORT_PUBLICATION` |"), std::string::npos)
      << drop;
  const std::string verify = section(markdown, "pgexport verify");
  EXPECT_EQ(verify.find("[Database connection]"), std::string::npos) << verify;
  EXPECT_NE(verify.find("[Destination](#destination)"), std::string::npos) << verify;
}

TEST(OptionsReference, TableCellsStayOnOneLine) {
  static const std::vector<OptionSpec> options = {
      {"odd", OptionType::choice, "a", "pick a|b\nor else", {"a", "b"}}};
  const std::string markdown = render_options_markdown({{"odd", "Odd | one", &options}});
  EXPECT_NE(markdown.find("Pick a\\|b or else. One of `a`, `b`. |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| Odd \\| one |"), std::string::npos) << markdown;
}

}  // namespace
}  // namespace pgexport::cli
