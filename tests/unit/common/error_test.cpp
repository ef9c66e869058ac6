// The error table is the CLI's exit-code contract: docs/exit-codes.md must list every kind with
// the code the table gives it, and change data capture's slot errors keep their codes.
#include "common/error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace pgexport {
namespace {

TEST(ErrorKinds, SlotErrorsHaveTheirCodesAndRetryability) {
  EXPECT_EQ(error_kind_info(ErrorKind::slot_lost).exit_code, 16);
  EXPECT_FALSE(error_kind_info(ErrorKind::slot_lost).retryable);
  EXPECT_NE(error_kind_info(ErrorKind::slot_lost).summary.find("pgexport cdc init"),
            std::string_view::npos);
  EXPECT_EQ(error_kind_info(ErrorKind::slot_busy).exit_code, 17);
  EXPECT_TRUE(error_kind_info(ErrorKind::slot_busy).retryable);
  EXPECT_EQ(Error(ErrorKind::slot_busy, "x").exit_code(), 17);
}

TEST(ErrorKinds, ExitCodesDocumentListsEveryKindWithItsCode) {
  std::ifstream file(std::string(PGEXPORT_SOURCE_DIR) + "/docs/exit-codes.md");
  ASSERT_TRUE(file) << "docs/exit-codes.md not found";
  std::stringstream text;
  text << file.rdbuf();
  // Table rows: "| 16 | slot_lost | ...".
  std::map<std::string, int> documented;
  std::regex row(R"(\| (\d+) \| ([a-z_]+) \|)");
  std::string content = text.str();
  for (auto it = std::sregex_iterator(content.begin(), content.end(), row);
       it != std::sregex_iterator(); ++it) {
    documented[(*it)[2]] = std::stoi((*it)[1]);
  }
  std::map<std::string, int> declared;
#define PGEXPORT_DECLARED(name, retryable, exit_code, summary) declared[#name] = exit_code;
  PGEXPORT_ERROR_KINDS(PGEXPORT_DECLARED)
#undef PGEXPORT_DECLARED
  EXPECT_EQ(documented, declared);
}

}  // namespace
}  // namespace pgexport
