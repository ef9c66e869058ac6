#include "export/dms_load.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::exporter {

std::optional<DataLayout> parse_data_layout(std::string_view name) {
  if (name == "runs") return DataLayout::runs;
  if (name == "dms") return DataLayout::dms;
  return std::nullopt;
}

std::string_view data_layout_name(DataLayout layout) {
  return layout == DataLayout::dms ? "dms" : "runs";
}

std::string dms_key_segment(std::string_view name) {
  const bool dots_only = name == "." || name == "..";
  std::string segment;
  for (unsigned char c : name) {
    bool escape = dots_only || c == '/' || c == '%' || c == '\\' || c < 0x20 || c == 0x7f;
    if (escape) {
      segment += fmt::format("%{:02X}", c);
    } else {
      segment += static_cast<char>(c);
    }
  }
  return segment;
}

std::string dms_table_folder(std::string_view schema, std::string_view table) {
  return fmt::format("{}/{}/", dms_key_segment(schema), dms_key_segment(table));
}

std::string dms_load_file_key(std::string_view schema, std::string_view table, uint32_t number,
                              std::string_view extension) {
  return fmt::format("{}LOAD{:08X}.{}", dms_table_folder(schema, table), number, extension);
}

std::string dms_timestamp_text(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto micros = duration_cast<microseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  auto fraction = micros % 1'000'000;
  if (fraction < 0) {  // before 1970: the fraction counts up from the earlier second
    fraction += 1'000'000;
    --seconds;
  }
  std::tm t{};
  gmtime_r(&seconds, &t);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, fraction);
}

pg::Column dms_text_column(const std::string& name) {
  pg::Column column;
  column.name = name;
  column.not_null = true;
  column.type.oid = pg::oid::kText;
  column.type.declared_oid = pg::oid::kText;
  column.type.name = "text";
  column.type.base_name = "text";
  return column;
}

pg::TableSchema with_timestamp_column(const pg::TableSchema& table, const std::string& column) {
  pg::TableSchema shaped = table;
  shaped.columns.insert(shaped.columns.begin(), dms_text_column(column));
  return shaped;
}

std::string timestamp_literal_sql(std::string_view timestamp) {
  // dms_timestamp_text() writes digits, '-', ' ', ':' and '.' only: nothing to escape.
  return fmt::format("'{}'::pg_catalog.text", timestamp);
}

uint32_t DmsLoadFiles::take_number(size_t table_index) {
  std::lock_guard lock(mutex_);
  return next_.at(table_index)++;
}

void DmsLoadFiles::committed(std::string key) {
  std::lock_guard lock(mutex_);
  committed_.push_back(std::move(key));
}

std::vector<std::string> DmsLoadFiles::committed_keys() const {
  std::lock_guard lock(mutex_);
  return committed_;
}

std::vector<std::string> DmsLoadFiles::committed_keys_in(std::string_view folder) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> keys;
  for (const auto& key : committed_) {
    if (key.starts_with(folder)) keys.push_back(key);
  }
  return keys;
}

void DmsLoadFiles::restart_table(size_t table_index, std::string_view folder) {
  std::lock_guard lock(mutex_);
  next_.at(table_index) = 1;
  std::erase_if(committed_, [&](const std::string& key) { return key.starts_with(folder); });
}

void claim_dms_load(storage::Storage& storage, const std::string& run_id,
                    const std::string& attempt, const std::string& started_at) {
  nlohmann::json claim = {{"run_id", run_id}, {"attempt", attempt}, {"started_at", started_at}};
  auto outcome = storage.create_if_absent(std::string(kDmsLoadClaimKey), claim.dump(2) + "\n");
  if (outcome == storage::ConditionalWrite::written) return;
  std::string holder = "an unreadable claim";
  try {
    if (auto bytes = storage.read(std::string(kDmsLoadClaimKey))) {
      holder = fmt::format("run '{}'", nlohmann::json::parse(*bytes).value("run_id", "?"));
    }
  } catch (const std::exception&) {
    // The refusal below says what to do either way.
  }
  fail(ErrorKind::run_exists,
       "{} already holds a DMS-layout full load ({} in {}); DMS readers read its fixed paths, so "
       "a second load would mix with it: export to a new prefix, or remove that load first",
       storage.describe(), holder, kDmsLoadClaimKey);
}

void withdraw_dms_load(storage::Storage& storage, const std::vector<std::string>& keys) noexcept {
  size_t left = 0;
  for (const auto& key : keys) {
    try {
      storage.remove(key);
    } catch (const std::exception& error) {
      ++left;
      log::warn("could not remove a file of the failed DMS-layout export",
                {{"key", key}, {"error", error.what()}});
    }
  }
  if (left > 0) {
    // The claim stays, so no later export mixes its files with what is left.
    log::warn("the failed DMS-layout export left files DMS readers can see; remove them and " +
                  std::string(kDmsLoadClaimKey) + " before exporting here again",
              {log::field("files", left)});
    return;
  }
  try {
    storage.remove(std::string(kDmsLoadClaimKey));
  } catch (const std::exception& error) {
    log::warn("could not remove the DMS load claim; remove it before exporting here again",
              {{"key", std::string(kDmsLoadClaimKey)}, {"error", error.what()}});
  }
}

}  // namespace pgexport::exporter
