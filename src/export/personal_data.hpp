// Personal data: which columns an export leaves out (--exclude-columns) and which it hashes
// (--hash-columns), given as schema.table.column patterns. An excluded column is never
// selected from the database; a hashed one is selected as text and hashed in the row pipeline
// (format/hashed_columns.hpp). Both are recorded in the manifest, so change data capture
// applies the same rules to its change files and materialize keeps them (docs/security.md,
// "Personal data").
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "pg/catalog.hpp"

namespace pgexport::exporter {

// schema.table.column, each part a glob (* = any run, ? = one character) matched against the
// name as the catalog holds it (case sensitive, unquoted), or a part in double quotes matched
// literally ("" inside stands for one "), for names that hold a '.', '*', '?' or '"'.
struct ColumnPattern {
  struct Part {
    std::string text;
    bool literal = false;  // given in double quotes
  };
  std::string text;  // as given, for messages and the manifest
  std::array<Part, 3> parts;

  bool matches(std::string_view schema, std::string_view table, std::string_view column) const;
};

// Throws usage naming `option` for a pattern that is not three non-empty parts.
ColumnPattern parse_column_pattern(std::string_view text, std::string_view option);

struct PersonalDataRules {
  std::vector<ColumnPattern> exclude;
  std::vector<ColumnPattern> hash;

  bool empty() const { return exclude.empty() && hash.empty(); }
};

enum class ColumnTreatment { keep, exclude, hash };

// What the rules do to one column. A column matched by both an exclude and a hash pattern is
// excluded: leaving it out discloses less.
ColumnTreatment column_treatment(const PersonalDataRules& rules, std::string_view schema,
                                 std::string_view table, std::string_view column);

// What apply_rules() kept of a table: for each column left, its position in the columns the
// table had, and the names of the columns left out, in column order.
struct ColumnSelection {
  std::vector<size_t> kept;
  std::vector<std::string> excluded;
};

// Removes the excluded columns of `table` and turns the hashed ones into text columns
// (format::as_hashed).
ColumnSelection apply_rules(const PersonalDataRules& rules, pg::TableSchema& table);

// apply_rules() on every table of an export, returning each table's excluded column names.
// Throws usage, before anything is written, when a pattern matches no column of the selected
// tables (a mistyped pattern would otherwise export the data it was meant to hide), when
// every column of a table is excluded (--exclude the table instead), and, when the export
// starts change data capture, when a column of a table's key is excluded or the key is the
// whole row and a column is excluded (its changes could not be matched to rows: hash the
// column instead).
std::vector<std::vector<std::string>> apply_personal_data(const PersonalDataRules& rules,
                                                          std::vector<pg::CatalogTable>& tables,
                                                          bool change_capture);

// A check value of the hash key, HMAC-SHA-256(key, "pgexport hash key check") in hex, so that
// a later run (cdc run) can refuse another key. It discloses nothing about the key that the
// hashed values in the data files do not already: each is an HMAC of a text under the same key.
std::string hash_key_check(std::string_view key);

// The manifest's "personal_data" section: the patterns as given, the method and, when columns
// are hashed, hash_key_check(key). Never the key.
nlohmann::ordered_json describe_personal_data(const PersonalDataRules& rules, std::string_view key);

// The rules a manifest's "personal_data" section records (describe_personal_data()), and its
// key check ("" when it has none). Throws usage for a section that does not parse.
struct RecordedPersonalData {
  PersonalDataRules rules;
  std::string key_check;
};
RecordedPersonalData parse_personal_data(const nlohmann::json& section);

}  // namespace pgexport::exporter
