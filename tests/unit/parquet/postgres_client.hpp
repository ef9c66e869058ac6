// A minimal libpq client for the Parquet tests that run against a real PostgreSQL: queries in
// text form (each value as its type's output function prints it), COPY ... TO STDOUT (FORMAT
// binary) tuples as pgexport's row source hands them to encoders, and the catalog description
// of a table as pgexport's catalog reader makes it.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pg/types.hpp"

namespace pgexport::format::parquet {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

struct ConnectionDeleter {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionDeleter>;
using Result = std::unique_ptr<PGresult, ResultDeleter>;

inline Rows query(PGconn* connection, const std::string& sql) {
  Result result(PQexec(connection, sql.c_str()));
  auto status = PQresultStatus(result.get());
  EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
      << sql << "\n"
      << PQerrorMessage(connection);
  Rows rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.push_back(std::nullopt);
      } else {
        row.push_back(std::string(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c)));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The tuples of COPY ... TO STDOUT (FORMAT binary), without the file header and trailer, as
// pgexport's row source hands them to encoders.
inline std::vector<std::string> copy_binary(PGconn* connection, const std::string& sql) {
  Result start(PQexec(connection, sql.c_str()));
  EXPECT_EQ(PQresultStatus(start.get()), PGRES_COPY_OUT) << PQerrorMessage(connection);
  // "PGCOPY\n\377\r\n\0", int32 flags, int32 header extension length (then the extension).
  static const std::string kSignature("PGCOPY\n\377\r\n\0", 11);
  std::vector<std::string> tuples;
  bool first = true;
  while (true) {
    char* buffer = nullptr;
    int length = PQgetCopyData(connection, &buffer, 0);
    if (length < 0) break;
    std::string message(buffer, static_cast<size_t>(length));
    PQfreemem(buffer);
    if (first) {
      EXPECT_EQ(message.substr(0, 11), kSignature);
      uint32_t extension;
      std::memcpy(&extension, message.data() + 15, 4);
      message.erase(0, 19 + __builtin_bswap32(extension));
      first = false;
      if (message.empty()) continue;
    }
    if (message == std::string("\xff\xff", 2)) continue;  // the trailer
    tuples.push_back(std::move(message));
  }
  Result end(PQgetResult(connection));
  EXPECT_EQ(PQresultStatus(end.get()), PGRES_COMMAND_OK) << PQerrorMessage(connection);
  while (Result more{PQgetResult(connection)}) {
  }
  return tuples;
}

inline std::string quote_literal(const std::string& text) {
  std::string quoted = "'";
  for (char ch : text) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
  return quoted + "'";
}

// What pgexport's catalog reader provides: TypeDesc with domains resolved, arrays with their
// element. Enough of it for this test, from pg_type.
inline pg::TypeDesc type_of(PGconn* connection, pg::Oid oid, int32_t typmod) {
  auto rows =
      query(connection,
            "SELECT typtype, typbasetype, typtypmod, typelem, typcategory, "
            "format_type(oid, " +
                std::to_string(typmod) + ") FROM pg_type WHERE oid = " + std::to_string(oid));
  const auto& row = rows.at(0);
  pg::TypeDesc type;
  type.declared_oid = oid;
  type.name = *row[5];
  char typtype = (*row[0])[0];
  if (typtype == 'd') {
    pg::TypeDesc base = type_of(connection, std::stoul(*row[1]), std::stoi(*row[2]));
    base.declared_oid = oid;
    base.name = type.name;
    return base;
  }
  type.oid = oid;
  type.base_name = type.name;
  type.typmod = typmod;
  pg::Oid element = std::stoul(*row[3]);
  if ((*row[4])[0] == 'A' && element != 0) {
    type.kind = pg::TypeKind::array;
    type.element = std::make_shared<const pg::TypeDesc>(type_of(connection, element, -1));
    return type;
  }
  switch (typtype) {
    case 'e':
      type.kind = pg::TypeKind::enumeration;
      break;
    case 'c':
      type.kind = pg::TypeKind::composite;
      break;
    case 'r':
      type.kind = pg::TypeKind::range;
      break;
    case 'm':
      type.kind = pg::TypeKind::multirange;
      break;
    case 'p':
      type.kind = pg::TypeKind::pseudo;
      break;
    default:
      type.kind = pg::TypeKind::base;
  }
  return type;
}

inline pg::TableSchema table_of(PGconn* connection, const std::string& name,
                                const std::string& schema = "public") {
  pg::TableSchema table;
  table.schema = schema;
  table.name = name;
  // The relation's oid by name, so odd names need no quoting here.
  auto rows = query(connection,
                    "SELECT attname, attnotnull, atttypid, atttypmod, attnum FROM pg_attribute "
                    "WHERE attrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON "
                    "n.oid = c.relnamespace WHERE n.nspname = " +
                        quote_literal(schema) + " AND c.relname = " + quote_literal(name) +
                        ") AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  for (const auto& row : rows) {
    pg::Column column;
    column.name = *row[0];
    column.not_null = *row[1] == "t";
    column.type = type_of(connection, std::stoul(*row[2]), std::stoi(*row[3]));
    column.attnum = std::stoi(*row[4]);
    table.columns.push_back(std::move(column));
  }
  return table;
}

}  // namespace pgexport::format::parquet
