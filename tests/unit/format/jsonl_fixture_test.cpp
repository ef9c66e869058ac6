// Encodes rows that a real PostgreSQL 15 sent (data/jsonl_types.copy, made by
// data/jsonl_e2e.sh from data/jsonl_types.sql) and compares the result with
// data/jsonl_types.jsonl, a file that jsonl_e2e.sh checked value by value with PostgreSQL's
// own JSON parser. With PGEXPORT_JSONL_FIXTURE_OUT set, the output is also written there, for
// jsonl_e2e.sh to check.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "format/jsonl/jsonl_format.hpp"

namespace pgexport::format {
namespace {

const std::string kDataDir = std::string(PGEXPORT_SOURCE_DIR) + "/tests/unit/format/data/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size() - 1;
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(line);
  std::string part;
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

pg::TypeKind kind_of(const std::string& code) {
  switch (code.at(0)) {
    case 'e':
      return pg::TypeKind::enumeration;
    case 'c':
      return pg::TypeKind::composite;
    case 'r':
      return pg::TypeKind::range;
    case 'm':
      return pg::TypeKind::multirange;
    case 'p':
      return pg::TypeKind::pseudo;
    case 'A':
      return pg::TypeKind::array;
    default:
      return pg::TypeKind::base;
  }
}

// data/jsonl_types.schema: name, oid, kind, element oid, element kind; tab-separated.
pg::TableSchema read_schema() {
  pg::TableSchema table;
  table.schema = "public";
  table.name = "jsonl_types";
  for (std::string line : split_lines(read_file(kDataDir + "jsonl_types.schema"))) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    auto parts = split(line, '\t');
    EXPECT_EQ(parts.size(), 5u) << line;
    if (parts.size() != 5) continue;
    pg::Column column;
    column.name = parts[0];
    column.type.oid = column.type.declared_oid = static_cast<pg::Oid>(std::stoul(parts[1]));
    column.type.kind = kind_of(parts[2]);
    if (column.type.kind == pg::TypeKind::array) {
      auto element = std::make_shared<pg::TypeDesc>();
      element->oid = element->declared_oid = static_cast<pg::Oid>(std::stoul(parts[3]));
      element->kind = kind_of(parts[4]);
      column.type.element = element;
    }
    column.attnum = static_cast<int>(table.columns.size()) + 1;
    table.columns.push_back(std::move(column));
  }
  return table;
}

TEST(JsonlFixture, RowsFromPostgres15EncodeToTheCheckedFile) {
  pg::TableSchema table = read_schema();
  ASSERT_GT(table.columns.size(), 50u);
  std::vector<std::string> rows = split_lines(read_file(kDataDir + "jsonl_types.copy"));
  ASSERT_GE(rows.size(), 9u);

  JsonlFormat format;
  auto encoder = format.make_encoder(table);
  StringSink sink;
  encoder->start(sink);
  for (const std::string& row : rows) encoder->write_row(row);
  encoder->finish();

  if (const char* out_path = std::getenv("PGEXPORT_JSONL_FIXTURE_OUT")) {
    std::ofstream(out_path, std::ios::binary) << sink.data;
  }

  std::vector<std::string> lines = split_lines(sink.data);
  ASSERT_EQ(lines.size(), rows.size());
  for (const std::string& line : lines) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  std::vector<std::string> expected = split_lines(read_file(kDataDir + "jsonl_types.jsonl"));
  ASSERT_EQ(lines.size(), expected.size());
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], expected[i]) << "row " << i;
}

}  // namespace
}  // namespace pgexport::format
