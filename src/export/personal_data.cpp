#include "export/personal_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/error.hpp"
#include "format/hashed_columns.hpp"

namespace pgexport::exporter {

namespace {

constexpr std::string_view kKeyCheckMessage = "pgexport hash key check";

bool part_matches(const ColumnPattern::Part& part, std::string_view name) {
  return part.literal ? part.text == name : pg::glob_match(part.text, name);
}

[[noreturn]] void bad_pattern(std::string_view option, std::string_view text,
                              std::string_view what) {
  fail(ErrorKind::usage,
       "{}: '{}' is not a column pattern: {}; write schema.table.column, each part a glob such "
       "as '*.*.email' or a name in double quotes such as 'public.\"Weird.Name\".ssn'",
       option, text, what);
}

std::string table_name(const pg::TableSchema& table) {
  return fmt::format("{}.{}", table.schema, table.name);
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

nlohmann::ordered_json pattern_texts(const std::vector<ColumnPattern>& patterns) {
  auto texts = nlohmann::ordered_json::array();
  for (const auto& pattern : patterns) texts.push_back(pattern.text);
  return texts;
}

std::vector<ColumnPattern> parse_recorded(const nlohmann::json& section, const char* member,
                                          std::string_view option) {
  std::vector<ColumnPattern> patterns;
  if (!section.contains(member)) return patterns;
  if (!section[member].is_array()) {
    fail(ErrorKind::usage, "the manifest's personal_data.{} is not a list", member);
  }
  for (const auto& text : section[member]) {
    if (!text.is_string()) {
      fail(ErrorKind::usage, "the manifest's personal_data.{} holds a non-string", member);
    }
    patterns.push_back(parse_column_pattern(text.get<std::string>(), option));
  }
  return patterns;
}

}  // namespace

bool ColumnPattern::matches(std::string_view schema, std::string_view table,
                            std::string_view column) const {
  return part_matches(parts[0], schema) && part_matches(parts[1], table) &&
         part_matches(parts[2], column);
}

ColumnPattern parse_column_pattern(std::string_view text, std::string_view option) {
  ColumnPattern pattern;
  pattern.text = std::string(text);
  size_t part = 0;
  size_t offset = 0;
  for (;;) {
    if (part == 3) bad_pattern(option, text, "it has more than three parts");
    ColumnPattern::Part& current = pattern.parts[part];
    if (offset < text.size() && text[offset] == '"') {
      current.literal = true;
      ++offset;
      for (;;) {
        if (offset >= text.size()) bad_pattern(option, text, "a double quote is not closed");
        if (text[offset] == '"') {
          if (offset + 1 < text.size() && text[offset + 1] == '"') {
            current.text += '"';
            offset += 2;
            continue;
          }
          ++offset;
          break;
        }
        current.text += text[offset++];
      }
      if (offset < text.size() && text[offset] != '.') {
        bad_pattern(option, text, "a quoted name must be a whole part");
      }
    } else {
      const size_t end = std::min(text.find('.', offset), text.size());
      current.text = std::string(text.substr(offset, end - offset));
      if (current.text.find('"') != std::string::npos) {
        bad_pattern(option, text, "a quoted name must be a whole part");
      }
      offset = end;
    }
    if (current.text.empty()) bad_pattern(option, text, "a part is empty");
    ++part;
    if (offset >= text.size()) break;
    ++offset;  // the '.'
  }
  if (part != 3) bad_pattern(option, text, "it has fewer than three parts");
  return pattern;
}

ColumnTreatment column_treatment(const PersonalDataRules& rules, std::string_view schema,
                                 std::string_view table, std::string_view column) {
  auto any = [&](const std::vector<ColumnPattern>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const ColumnPattern& pattern) {
      return pattern.matches(schema, table, column);
    });
  };
  if (any(rules.exclude)) return ColumnTreatment::exclude;
  if (any(rules.hash)) return ColumnTreatment::hash;
  return ColumnTreatment::keep;
}

ColumnSelection apply_rules(const PersonalDataRules& rules, pg::TableSchema& table) {
  ColumnSelection selection;
  std::vector<pg::Column> kept;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    pg::Column& column = table.columns[i];
    switch (column_treatment(rules, table.schema, table.name, column.name)) {
      case ColumnTreatment::exclude:
        selection.excluded.push_back(column.name);
        continue;
      case ColumnTreatment::hash:
        kept.push_back(format::as_hashed(std::move(column)));
        break;
      case ColumnTreatment::keep:
        kept.push_back(std::move(column));
        break;
    }
    selection.kept.push_back(i);
  }
  table.columns = std::move(kept);
  return selection;
}

std::vector<std::vector<std::string>> apply_personal_data(const PersonalDataRules& rules,
                                                          std::vector<pg::CatalogTable>& tables,
                                                          bool change_capture) {
  std::vector<std::vector<std::string>> excluded(tables.size());
  if (rules.empty()) return excluded;
  std::set<const ColumnPattern*> matched;
  for (const pg::CatalogTable& table : tables) {
    for (const pg::Column& column : table.schema.columns) {
      for (const auto* patterns : {&rules.exclude, &rules.hash}) {
        for (const ColumnPattern& pattern : *patterns) {
          if (pattern.matches(table.schema.schema, table.schema.name, column.name)) {
            matched.insert(&pattern);
          }
        }
      }
    }
  }
  for (const auto& [patterns, option] :
       {std::pair{&rules.exclude, "--exclude-columns"}, std::pair{&rules.hash, "--hash-columns"}}) {
    for (const ColumnPattern& pattern : *patterns) {
      if (!matched.count(&pattern)) {
        fail(ErrorKind::usage,
             "{} pattern '{}' matches no column of the exported tables; fix the pattern (names "
             "are case sensitive, as the catalog holds them) or remove it",
             option, pattern.text);
      }
    }
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    pg::CatalogTable& table = tables[i];
    ColumnSelection selection = apply_rules(rules, table.schema);
    if (table.schema.columns.empty()) {
      fail(ErrorKind::usage,
           "--exclude-columns leaves no column of table {}; leave the whole table out with "
           "--exclude {} instead",
           table_name(table.schema), table_name(table.schema));
    }
    const bool key_column_excluded =
        std::any_of(table.key.columns.begin(), table.key.columns.end(),
                    [&](const std::string& name) { return contains(selection.excluded, name); });
    if (change_capture && (key_column_excluded || (table.key.kind == pg::TableKey::Kind::full_row &&
                                                   !selection.excluded.empty()))) {
      fail(ErrorKind::usage,
           "--exclude-columns leaves out {} of table {}, which identifies its rows for change "
           "data capture, so its changes could not be matched to rows; hash it with "
           "--hash-columns instead",
           table.key.kind == pg::TableKey::Kind::full_row ? "a column" : "a key column",
           table_name(table.schema));
    }
    // Without its key columns the file cannot identify rows by them: say so in the manifest
    // rather than name columns the file does not hold.
    if (key_column_excluded) table.key = pg::TableKey{};
    excluded[i] = std::move(selection.excluded);
  }
  return excluded;
}

std::string hash_key_check(std::string_view key) {
  return format::hash_text(key, kKeyCheckMessage);
}

nlohmann::ordered_json describe_personal_data(const PersonalDataRules& rules,
                                              std::string_view key) {
  nlohmann::ordered_json section;
  section["exclude_columns"] = pattern_texts(rules.exclude);
  section["hash_columns"] = pattern_texts(rules.hash);
  if (!rules.hash.empty()) {
    section["hash_method"] = format::kHashMethod;
    section["hash_key_check"] = hash_key_check(key);
  }
  return section;
}

RecordedPersonalData parse_personal_data(const nlohmann::json& section) {
  if (!section.is_object()) fail(ErrorKind::usage, "the manifest's personal_data is not an object");
  RecordedPersonalData recorded;
  recorded.rules.exclude = parse_recorded(section, "exclude_columns", "--exclude-columns");
  recorded.rules.hash = parse_recorded(section, "hash_columns", "--hash-columns");
  if (!recorded.rules.hash.empty()) {
    if (!section.contains("hash_method") || section["hash_method"] != format::kHashMethod) {
      fail(ErrorKind::usage, "the manifest's personal_data.hash_method is not \"{}\"",
           format::kHashMethod);
    }
    if (!section.contains("hash_key_check") || !section["hash_key_check"].is_string()) {
      fail(ErrorKind::usage, "the manifest's personal_data.hash_key_check is missing");
    }
    recorded.key_check = section["hash_key_check"].get<std::string>();
  }
  return recorded;
}

}  // namespace pgexport::exporter
