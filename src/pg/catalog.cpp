#include "pg/catalog.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "common/error.hpp"

namespace pgexport::pg {

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative wildcard matching with single backtrack point: linear for typical patterns.
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

bool pattern_matches(const std::string& pattern, const std::string& schema,
                     const std::string& table) {
  if (pattern.find('.') == std::string::npos) return glob_match(pattern, table);
  return glob_match(pattern, schema + "." + table);
}

struct PgTypeRow {
  char typtype;
  char category;
  Oid base;  // typbasetype (domains)
  int32_t base_typmod;
  Oid element;  // typelem (arrays)
};

class TypeResolver {
 public:
  explicit TypeResolver(Connection& connection) : connection_(connection) {
    auto result = connection.exec(
        "SELECT oid, typtype, typcategory, typbasetype, typtypmod, typelem FROM pg_type");
    for (int row = 0; row < result.rows(); ++row) {
      types_[static_cast<Oid>(result.integer(row, 0))] = PgTypeRow{
          result.value(row, 1)[0], result.value(row, 2)[0],
          static_cast<Oid>(result.integer(row, 3)), static_cast<int32_t>(result.integer(row, 4)),
          static_cast<Oid>(result.integer(row, 5))};
    }
  }

  TypeDesc resolve(Oid declared, int32_t typmod, std::string declared_name) {
    TypeDesc desc;
    desc.declared_oid = declared;
    desc.name = std::move(declared_name);
    Oid oid = declared;
    // Domains over domains: follow typbasetype to the first non-domain type. A domain's own
    // typmod (numeric(10,2) in CREATE DOMAIN) applies when the column declares none.
    for (int depth = 0; depth < 32 && row(oid).typtype == 'd'; ++depth) {
      if (typmod < 0) typmod = row(oid).base_typmod;
      oid = row(oid).base;
    }
    desc.oid = oid;
    desc.typmod = typmod;
    desc.base_name = oid == declared ? desc.name : format_type(oid, typmod);
    const PgTypeRow& info = row(oid);
    switch (info.typtype) {
      case 'e':
        desc.kind = TypeKind::enumeration;
        break;
      case 'c':
        desc.kind = TypeKind::composite;
        break;
      case 'r':
        desc.kind = TypeKind::range;
        break;
      case 'm':
        desc.kind = TypeKind::multirange;
        break;
      case 'p':
        desc.kind = TypeKind::pseudo;
        break;
      default:
        desc.kind = TypeKind::base;
        break;
    }
    // Arrays are the 'A' category with an element type; point and friends have typelem too,
    // but are not arrays from a reader's point of view.
    if (info.category == 'A' && info.element != 0) {
      desc.kind = TypeKind::array;
      auto element = resolve(info.element, typmod, format_type(info.element, typmod));
      desc.element = std::make_shared<const TypeDesc>(std::move(element));
    }
    return desc;
  }

 private:
  const PgTypeRow& row(Oid oid) const {
    auto found = types_.find(oid);
    if (found == types_.end()) fail(ErrorKind::internal, "type oid {} is not in pg_type", oid);
    return found->second;
  }

  std::string format_type(Oid oid, int32_t typmod) {
    auto key = std::make_pair(oid, typmod);
    auto found = names_.find(key);
    if (found != names_.end()) return found->second;
    auto result = connection_.exec_params(
        "SELECT format_type($1::oid, $2::int)",
        {std::to_string(oid), typmod < 0 ? std::nullopt : std::optional(std::to_string(typmod))});
    return names_[key] = result.text(0, 0);
  }

  Connection& connection_;
  std::unordered_map<Oid, PgTypeRow> types_;
  std::map<std::pair<Oid, int32_t>, std::string> names_;
};

constexpr std::string_view kTablesQuery = R"sql(
SELECT c.oid, n.nspname, c.relname, c.relkind = 'p' AS partitioned
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
)sql";

// Leaf relations and their sizes: a plain table is its own only relation; a partitioned
// table has its leaf partitions (pg_partition_tree() returns no rows for a plain table).
constexpr std::string_view kRelationsQuery = R"sql(
WITH selected(relid) AS (SELECT unnest($1::oid[])),
leaves(table_oid, leaf) AS (
  SELECT s.relid, s.relid FROM selected s JOIN pg_class c ON c.oid = s.relid
  WHERE c.relkind = 'r'
  UNION ALL
  SELECT s.relid, tree.relid FROM selected s
  CROSS JOIN LATERAL pg_partition_tree(s.relid) AS tree
  JOIN pg_class c ON c.oid = s.relid
  WHERE c.relkind = 'p' AND tree.isleaf)
SELECT l.table_oid, n.nspname, c.relname,
       pg_relation_size(c.oid) / current_setting('block_size')::bigint AS blocks,
       pg_relation_size(c.oid) AS bytes
FROM leaves l
JOIN pg_class c ON c.oid = l.leaf
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
ORDER BY l.table_oid, n.nspname, c.relname
)sql";

constexpr std::string_view kColumnsQuery = R"sql(
SELECT a.attrelid, a.attnum, a.attname, a.attnotnull, a.atttypid, a.atttypmod,
       format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
)sql";

std::string oid_array(const std::vector<Oid>& oids) {
  std::string text = "{";
  for (size_t i = 0; i < oids.size(); ++i) text += (i ? "," : "") + std::to_string(oids[i]);
  return text + "}";
}

}  // namespace

std::vector<CatalogTable> read_catalog(Connection& connection, const TableFilter& filter) {
  auto tables = connection.exec(kTablesQuery);
  std::vector<CatalogTable> selected;
  std::vector<Oid> oids;
  std::set<std::string> matched_includes;
  for (int row = 0; row < tables.rows(); ++row) {
    std::string schema = tables.text(row, 1), name = tables.text(row, 2);
    bool included = filter.include.empty();
    for (const auto& pattern : filter.include) {
      if (pattern_matches(pattern, schema, name)) {
        included = true;
        matched_includes.insert(pattern);
      }
    }
    for (const auto& pattern : filter.exclude) {
      if (pattern_matches(pattern, schema, name)) included = false;
    }
    if (!included) continue;
    CatalogTable table;
    table.schema.schema = std::move(schema);
    table.schema.name = std::move(name);
    table.partitioned = tables.boolean(row, 3);
    selected.push_back(std::move(table));
    oids.push_back(static_cast<Oid>(tables.integer(row, 0)));
  }
  for (const auto& pattern : filter.include) {
    if (!matched_includes.count(pattern)) {
      fail(ErrorKind::nothing_to_export,
           "--include pattern '{}' matches no table (patterns are schema.table globs such as "
           "'public.*' or 'orders'; run with --log-level debug to list the tables)",
           pattern);
    }
  }
  if (selected.empty()) {
    fail(ErrorKind::nothing_to_export,
         "no table to export: the database has no user tables, or --exclude removed them all");
  }

  std::unordered_map<Oid, size_t> index_of;
  for (size_t i = 0; i < oids.size(); ++i) index_of[oids[i]] = i;
  std::string oid_list = oid_array(oids);

  auto relations = connection.exec_params(kRelationsQuery, {oid_list});
  for (int row = 0; row < relations.rows(); ++row) {
    auto& table = selected[index_of.at(static_cast<Oid>(relations.integer(row, 0)))];
    DataRelation relation;
    std::string schema = relations.text(row, 1), name = relations.text(row, 2);
    relation.qualified_sql = quote_identifier(schema) + "." + quote_identifier(name);
    relation.display_name = schema + "." + name;
    relation.blocks = static_cast<uint64_t>(relations.integer(row, 3));
    relation.bytes = static_cast<uint64_t>(relations.integer(row, 4));
    table.relations.push_back(std::move(relation));
  }

  TypeResolver resolver(connection);
  auto columns = connection.exec_params(kColumnsQuery, {oid_list});
  for (int row = 0; row < columns.rows(); ++row) {
    auto& table = selected[index_of.at(static_cast<Oid>(columns.integer(row, 0)))];
    Column column;
    column.attnum = static_cast<int>(columns.integer(row, 1));
    column.name = columns.text(row, 2);
    column.not_null = columns.boolean(row, 3);
    column.type =
        resolver.resolve(static_cast<Oid>(columns.integer(row, 4)),
                         static_cast<int32_t>(columns.integer(row, 5)), columns.text(row, 6));
    table.schema.columns.push_back(std::move(column));
  }
  return selected;
}

}  // namespace pgexport::pg
