#include "cdc/change_projection.hpp"

#include "common/error.hpp"
#include "format/hashed_columns.hpp"

namespace pgexport::cdc {

void check_hash_key(const BaseRun& base, std::string_view key) {
  if (base.personal_data.rules.hash.empty()) return;
  if (key.empty()) {
    fail(ErrorKind::usage,
         "base run {} hashes columns (--hash-columns), so its changes need the same key: give "
         "--hash-key-file PATH or set PGEXPORT_HASH_KEY",
         base.run_id);
  }
  if (exporter::hash_key_check(key) != base.personal_data.key_check) {
    fail(ErrorKind::usage,
         "the hash key is not the one base run {} was hashed with (its manifest's "
         "personal_data.hash_key_check differs); give that key, or run `pgexport cdc init` again "
         "to start over with this one",
         base.run_id);
  }
}

ChangeProjection::ChangeProjection(const exporter::PersonalDataRules& rules,
                                   pg::TableSchema relation, std::string key)
    : schema_(std::move(relation)), relation_width_(schema_.columns.size()), key_(std::move(key)) {
  kept_ = exporter::apply_rules(rules, schema_).kept;
  identity_ =
      kept_.size() == schema_.columns.size() && format::hashed_column_positions(schema_).empty();
  hashes_.resize(schema_.columns.size());
  old_hashes_.resize(schema_.columns.size());
}

std::vector<size_t> ChangeProjection::project_positions(
    const std::vector<size_t>& relation_positions) const {
  std::vector<size_t> projected;
  for (size_t relation_position : relation_positions) {
    for (size_t i = 0; i < kept_.size(); ++i) {
      if (kept_[i] == relation_position) projected.push_back(i);
    }
  }
  return projected;
}

std::string ChangeProjection::stored_text(size_t position, std::string_view output_text) const {
  const pg::Column& column = schema_.columns.at(position);
  if (!column.hashed_from) return std::string(output_text);
  return format::hash_text(key_, format::text_cast_of_output(*column.hashed_from, output_text));
}

void ChangeProjection::project_values(std::span<const pg::ColumnValue> values,
                                      std::vector<pg::ColumnValue>& out,
                                      std::vector<std::string>& hashes) const {
  out.clear();
  // A tuple of another width is the row builder's to report, naming the table.
  if (values.size() != relation_width_) {
    out.assign(values.begin(), values.end());
    return;
  }
  for (size_t i = 0; i < kept_.size(); ++i) {
    const pg::ColumnValue& value = values[kept_[i]];
    if (schema_.columns[i].hashed_from && value.kind == pg::ColumnValue::Kind::text) {
      hashes[i] = stored_text(i, value.bytes);
      out.push_back(pg::ColumnValue::text(hashes[i]));
    } else {
      out.push_back(value);
    }
  }
}

Change ChangeProjection::project(const Change& change) {
  if (identity_) return change;
  Change projected = change;
  if (!change.values.empty()) {
    project_values(change.values, values_, hashes_);
    projected.values = values_;
  }
  if (change.old_tuple) {
    old_tuple_.kind = change.old_tuple->kind;
    project_values(change.old_tuple->values, old_tuple_.values, old_hashes_);
    projected.old_tuple = &old_tuple_;
  }
  return projected;
}

}  // namespace pgexport::cdc
