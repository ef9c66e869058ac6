// Personal data in change files: the columns the base run left out (--exclude-columns) are
// dropped from every change and the hashed ones (--hash-columns) hashed, the old key of an
// update included, so change files hold what the base run's files hold and a hashed key still
// finds its row (docs/security.md, "Personal data").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cdc/base_run.hpp"
#include "cdc/change_rows.hpp"
#include "pg/types.hpp"

namespace pgexport::cdc {

// Throws usage when the base run hashes columns and `key` is empty or is not the key it hashed
// with (its manifest's key check): change files hashed with another key would no longer match
// the base run's rows.
void check_hash_key(const BaseRun& base, std::string_view key);

class ChangeProjection {
 public:
  // `relation` is the relation's columns as its Relation message gives them.
  ChangeProjection(const exporter::PersonalDataRules& rules, pg::TableSchema relation,
                   std::string key);

  // The columns change rows hold: the relation's, less the excluded, hashed ones as text.
  const pg::TableSchema& schema() const { return schema_; }

  // Positions into the relation's columns as positions into schema(); excluded ones dropped.
  std::vector<size_t> project_positions(const std::vector<size_t>& relation_positions) const;

  // `change` with its values (and its old tuple's) in schema()'s columns, hashed columns
  // hashed. Valid until the next call, and while `change`'s buffer lives.
  Change project(const Change& change);

  // The text a change file holds for a value of schema()'s column `position` whose type's
  // output is `output_text` (a column's missing default, say): hashed when the column is.
  std::string stored_text(size_t position, std::string_view output_text) const;

 private:
  // The projected values of `values`, with hashes kept alive in `hashes`.
  void project_values(std::span<const pg::ColumnValue> values, std::vector<pg::ColumnValue>& out,
                      std::vector<std::string>& hashes) const;

  pg::TableSchema schema_;
  std::vector<size_t> kept_;  // per schema_ column, its relation position
  size_t relation_width_ = 0;
  std::string key_;
  bool identity_ = true;  // nothing excluded or hashed: project() returns the change as is
  std::vector<pg::ColumnValue> values_;
  std::vector<std::string> hashes_;
  pg::replication::OldTuple old_tuple_;
  std::vector<std::string> old_hashes_;
};

}  // namespace pgexport::cdc
