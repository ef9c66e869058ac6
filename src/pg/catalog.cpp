#include "pg/catalog.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "common/error.hpp"
#include "common/log.hpp"

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
  bool knows(Oid oid) const { return types_.count(oid) != 0; }

  explicit TypeResolver(Connection& connection) : connection_(connection) {
    auto result = connection.exec(
        "SELECT oid, typtype, typcategory, typbasetype, typtypmod, typelem "
        "FROM pg_catalog.pg_type");
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
        "SELECT pg_catalog.format_type($1::pg_catalog.oid, $2::pg_catalog.int4)",
        {std::to_string(oid), typmod < 0 ? std::nullopt : std::optional(std::to_string(typmod))});
    return names_[key] = result.text(0, 0);
  }

  Connection& connection_;
  std::unordered_map<Oid, PgTypeRow> types_;
  std::map<std::pair<Oid, int32_t>, std::string> names_;
};

// Every SQL text below names catalog objects with pg_catalog. (the session's search_path is
// empty as well); operators are not qualified: with an empty search_path only pg_catalog's
// are found.
constexpr std::string_view kTablesQuery = R"sql(
SELECT c.oid, n.nspname, c.relname, c.relkind = 'p' AS partitioned
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
)sql";

// Leaf relations and their sizes: a plain table is its own only relation; a partitioned
// table has the leaves of its partition tree. The tree is walked through pg_inherits, which
// is read in the transaction's snapshot; pg_partition_tree() would read the live catalog.
// Plain inheritance children are not partitions (relispartition is false): they are tables
// of their own.
constexpr std::string_view kRelationsQuery = R"sql(
WITH RECURSIVE tree(table_oid, relid) AS (
  SELECT s.relid, s.relid FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS s(relid)
  UNION ALL
  SELECT t.table_oid, i.inhrelid
  FROM tree t
  JOIN pg_catalog.pg_inherits i ON i.inhparent = t.relid
  JOIN pg_catalog.pg_class child ON child.oid = i.inhrelid
  WHERE child.relispartition)
SELECT t.table_oid, c.oid, n.nspname, c.relname,
       CASE WHEN $2::pg_catalog.bool
            THEN pg_catalog.pg_relation_size(c.oid)
                 / pg_catalog.current_setting('block_size')::pg_catalog.int8
            ELSE 0 END AS blocks,
       CASE WHEN $2::pg_catalog.bool THEN pg_catalog.pg_relation_size(c.oid) ELSE 0 END AS bytes
FROM tree t
JOIN pg_catalog.pg_class c ON c.oid = t.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
ORDER BY t.table_oid, n.nspname, c.relname
)sql";

constexpr std::string_view kColumnsQuery = R"sql(
SELECT a.attrelid, a.attnum, a.attname, a.attnotnull, a.atttypid, a.atttypmod,
       pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY($1::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
)sql";

// Each table's row identity (see TableKey), read in the snapshot like the rest of the catalog.
// Column names come as a JSON array so names with commas or quotes survive.
constexpr std::string_view kKeysQuery = R"sql(
SELECT c.oid,
       CASE WHEN c.relreplident = 'i' AND ri.indexrelid IS NOT NULL THEN 'i'
            WHEN pk.indexrelid IS NOT NULL THEN 'p'
            WHEN c.relreplident = 'f' THEN 'f'
            ELSE 'n' END,
       pg_catalog.array_to_json(ARRAY(
         SELECT a.attname
         FROM pg_catalog.unnest(CASE WHEN c.relreplident = 'i' AND ri.indexrelid IS NOT NULL
                                     THEN ri.indkey ELSE pk.indkey END::pg_catalog.int2[])
                WITH ORDINALITY AS k(attnum, position)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         ORDER BY k.position))::pg_catalog.text
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
LEFT JOIN pg_catalog.pg_index ri ON ri.indrelid = c.oid AND ri.indisreplident
WHERE c.oid = ANY($1::pg_catalog.oid[])
)sql";

// What the current role may read, per relation: the same rules the server applies when it
// decides whether row-level security filters a query (superuser and BYPASSRLS bypass it; the
// owner, or a member of the owning role, does unless FORCE ROW LEVEL SECURITY is set).
constexpr std::string_view kAccessQuery = R"sql(
WITH me AS (SELECT r.rolsuper OR r.rolbypassrls AS bypasses_rls
            FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
SELECT c.oid,
       pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE')
         AND pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select,
       c.relrowsecurity AND NOT me.bypasses_rls
         AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role(c.relowner, 'USAGE'))
         AS row_security_applies,
       current_user
FROM pg_catalog.pg_class c CROSS JOIN me
WHERE c.oid = ANY($1::pg_catalog.oid[])
)sql";

// At most this many relations are named in one error line; the rest are counted.
constexpr size_t kMaxNamedRelations = 10;

std::string name_list(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < kMaxNamedRelations; ++i) {
    text += (i ? ", " : "") + names[i];
  }
  if (names.size() > kMaxNamedRelations) {
    text += fmt::format(" and {} more", names.size() - kMaxNamedRelations);
  }
  return text;
}

std::string oid_array(const std::vector<Oid>& oids) {
  std::string text = "{";
  for (size_t i = 0; i < oids.size(); ++i) text += (i ? "," : "") + std::to_string(oids[i]);
  return text + "}";
}

}  // namespace

std::vector<CatalogTable> read_tables(Connection& connection, const TableFilter& filter,
                                      RelationSizes sizes) {
  auto tables = connection.exec(kTablesQuery);
  std::vector<CatalogTable> selected;
  std::set<std::string> matched_includes, matched_excludes;
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
      if (pattern_matches(pattern, schema, name)) {
        included = false;
        matched_excludes.insert(pattern);
      }
    }
    if (!included) continue;
    CatalogTable table;
    table.oid = static_cast<Oid>(tables.integer(row, 0));
    table.schema.schema = std::move(schema);
    table.schema.name = std::move(name);
    table.partitioned = tables.boolean(row, 3);
    selected.push_back(std::move(table));
  }
  for (const auto& pattern : filter.include) {
    if (!matched_includes.count(pattern)) {
      fail(ErrorKind::nothing_to_export,
           "--include pattern '{}' matches no table (patterns are schema.table globs such as "
           "'public.*' or 'orders'; run with --log-level debug to list the tables)",
           pattern);
    }
  }
  // Not an error: a nightly run must not fail because an excluded table was dropped. But a
  // mistyped exclude exports what it meant to leave out, so it is said on every run: once,
  // by the listing in the snapshot (the one that measures sizes), not by the lock pass.
  for (const auto& pattern : filter.exclude) {
    if (sizes == RelationSizes::read && !matched_excludes.count(pattern)) {
      log::warn("--exclude pattern matches no table; check its spelling (schema.table globs)",
                {{"pattern", pattern}});
    }
  }
  if (selected.empty()) {
    fail(ErrorKind::nothing_to_export,
         "no table to export: the database has no user tables, or --exclude removed them all");
  }

  std::vector<Oid> oids;
  std::unordered_map<Oid, size_t> index_of;
  for (size_t i = 0; i < selected.size(); ++i) {
    oids.push_back(selected[i].oid);
    index_of[selected[i].oid] = i;
  }
  auto relations = connection.exec_params(
      kRelationsQuery, {oid_array(oids), sizes == RelationSizes::read ? "true" : "false"});
  for (int row = 0; row < relations.rows(); ++row) {
    auto& table = selected[index_of.at(static_cast<Oid>(relations.integer(row, 0)))];
    DataRelation relation;
    relation.oid = static_cast<Oid>(relations.integer(row, 1));
    std::string schema = relations.text(row, 2), name = relations.text(row, 3);
    relation.qualified_sql = quote_identifier(schema) + "." + quote_identifier(name);
    relation.display_name = schema + "." + name;
    relation.blocks = static_cast<uint64_t>(relations.integer(row, 4));
    relation.bytes = static_cast<uint64_t>(relations.integer(row, 5));
    table.relations.push_back(std::move(relation));
  }
  return selected;
}

std::vector<CatalogTable> read_catalog(Connection& connection, const TableFilter& filter) {
  auto selected = read_tables(connection, filter, RelationSizes::read);
  std::vector<Oid> oids;
  std::unordered_map<Oid, size_t> index_of;
  for (size_t i = 0; i < selected.size(); ++i) {
    oids.push_back(selected[i].oid);
    index_of[selected[i].oid] = i;
  }
  TypeResolver resolver(connection);
  auto columns = connection.exec_params(kColumnsQuery, {oid_array(oids)});
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
  auto keys = connection.exec_params(kKeysQuery, {oid_array(oids)});
  for (int row = 0; row < keys.rows(); ++row) {
    auto& key = selected[index_of.at(static_cast<Oid>(keys.integer(row, 0)))].key;
    switch (keys.value(row, 1).front()) {
      case 'i':
        key.kind = TableKey::Kind::replica_identity_index;
        break;
      case 'p':
        key.kind = TableKey::Kind::primary_key;
        break;
      case 'f':
        key.kind = TableKey::Kind::full_row;
        break;
      default:
        key.kind = TableKey::Kind::none;
    }
    if (key.kind == TableKey::Kind::primary_key ||
        key.kind == TableKey::Kind::replica_identity_index) {
      key.columns = nlohmann::json::parse(keys.value(row, 2)).get<std::vector<std::string>>();
    }
  }
  return selected;
}

std::string_view table_key_kind_name(TableKey::Kind kind) {
  switch (kind) {
    case TableKey::Kind::primary_key:
      return "primary key";
    case TableKey::Kind::replica_identity_index:
      return "replica identity index";
    case TableKey::Kind::full_row:
      return "full row";
    case TableKey::Kind::none:
      return "none";
  }
  return "none";
}

std::optional<std::string> describe_access_problems(const std::vector<RelationAccess>& access,
                                                    std::string_view role) {
  std::vector<std::string> hidden_rows, no_select;
  for (const auto& relation : access) {
    std::string name =
        relation.partition_of.empty()
            ? relation.display_name
            : fmt::format("{} (partition of {})", relation.display_name, relation.partition_of);
    if (!relation.can_select) {
      no_select.push_back(std::move(name));
    } else if (relation.row_security_applies) {
      hidden_rows.push_back(std::move(name));
    }
  }
  std::vector<std::string> parts;
  if (!hidden_rows.empty()) {
    parts.push_back(fmt::format("row-level security would hide rows of {} from role {} ({})",
                                name_list(hidden_rows), role, kRowSecurityAdvice));
  }
  if (!no_select.empty()) {
    parts.push_back(fmt::format(
        "role {} may not read {} (grant it SELECT on the table and USAGE on its schema, or "
        "--exclude it)",
        role, name_list(no_select)));
  }
  if (parts.empty()) return std::nullopt;
  return fmt::format("{}", fmt::join(parts, "; "));
}

void check_read_access(Connection& connection, const std::vector<CatalogTable>& tables) {
  // Every relation that is locked (the tables, partitioned parents included) or read (the
  // data relations); row-level security only matters where rows are read.
  struct Checked {
    std::string display_name, partition_of;
    bool read = false;
  };
  std::unordered_map<Oid, Checked> checked;
  std::vector<Oid> oids;
  for (const auto& table : tables) {
    bool reads_itself = false;
    for (const auto& relation : table.relations) {
      if (relation.oid == table.oid) {
        reads_itself = true;
        continue;
      }
      checked[relation.oid] = {relation.display_name, table.schema.display_name(), true};
      oids.push_back(relation.oid);
    }
    checked[table.oid] = {table.schema.display_name(), "", reads_itself};
    oids.push_back(table.oid);
  }
  auto result = connection.exec_params(kAccessQuery, {oid_array(oids)});
  std::vector<RelationAccess> access;
  std::string role;
  for (int row = 0; row < result.rows(); ++row) {
    const auto& relation = checked.at(static_cast<Oid>(result.integer(row, 0)));
    role = result.text(row, 3);
    access.push_back(RelationAccess{relation.display_name, relation.partition_of,
                                    result.boolean(row, 1),
                                    relation.read && result.boolean(row, 2)});
  }
  std::sort(access.begin(), access.end(), [](const RelationAccess& a, const RelationAccess& b) {
    return a.display_name < b.display_name;
  });
  if (auto problem = describe_access_problems(access, role)) {
    fail(ErrorKind::insufficient_privilege, "cannot export every row: {}", *problem);
  }
}

class TypeCatalog::Resolver : public TypeResolver {
 public:
  using TypeResolver::TypeResolver;
};

TypeCatalog::TypeCatalog(Connection& connection)
    : connection_(connection), resolver_(std::make_unique<Resolver>(connection)) {}

TypeCatalog::~TypeCatalog() = default;

TypeDesc TypeCatalog::describe(Oid type_oid, int32_t typmod) {
  if (!resolver_->knows(type_oid)) {
    // Created after pg_type was read: read it again, once.
    resolver_ = std::make_unique<Resolver>(connection_);
    if (!resolver_->knows(type_oid)) {
      fail(ErrorKind::database_error,
           "type oid {} is not in pg_type: the type was dropped while its changes were being "
           "read",
           type_oid);
    }
  }
  auto name = connection_.exec_params(
      "SELECT pg_catalog.format_type($1::pg_catalog.oid, $2::pg_catalog.int4)",
      {std::to_string(type_oid),
       typmod < 0 ? std::nullopt : std::optional(std::to_string(typmod))});
  return resolver_->resolve(type_oid, typmod, name.text(0, 0));
}

}  // namespace pgexport::pg
