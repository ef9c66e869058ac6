#include "export/layout.hpp"

#include <fmt/format.h>

#include <random>

#include "table/delta/delta_actions.hpp"

namespace pgexport::exporter {

std::string encode_key_segment(std::string_view name) {
  std::string encoded;
  for (unsigned char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
    if (plain) {
      encoded += static_cast<char>(c);
    } else {
      encoded += fmt::format("%{:02X}", c);
    }
  }
  return encoded;
}

std::string run_prefix(std::string_view run_id) {
  return fmt::format("runs/{}/", run_id);
}

std::string new_attempt_token() {
  std::random_device entropy;
  const uint64_t value = (static_cast<uint64_t>(entropy()) << 32) | entropy();
  return fmt::format("{:012x}", value & 0xffff'ffff'ffffull);
}

std::string attempt_prefix(std::string_view run_id, std::string_view attempt) {
  return fmt::format("{}data-{}/", run_prefix(run_id), attempt);
}

std::string table_directory(std::string_view schema, std::string_view table) {
  return encode_key_segment(schema) + "." + encode_key_segment(table);
}

std::string data_file_key(std::string_view run_id, std::string_view attempt,
                          std::string_view schema, std::string_view table, int task_part,
                          int file_index, std::string_view extension) {
  return fmt::format("{}{}/part-{:05}-{:03}.{}", attempt_prefix(run_id, attempt),
                     table_directory(schema, table), task_part, file_index, extension);
}

std::string delta_attempt_directory(std::string_view run_id, std::string_view attempt,
                                    std::string_view schema, std::string_view table) {
  return fmt::format("{}run-{}-{}/", table::delta::table_root(table_directory(schema, table)),
                     run_id, attempt);
}

std::string delta_data_file_key(std::string_view run_id, std::string_view attempt,
                                std::string_view schema, std::string_view table, int task_part,
                                int file_index, std::string_view extension) {
  return fmt::format("{}part-{:05}-{:03}.{}",
                     delta_attempt_directory(run_id, attempt, schema, table), task_part, file_index,
                     extension);
}

std::string manifest_key(std::string_view run_id) {
  return run_prefix(run_id) + "_manifest.json";
}

bool is_valid_run_id(std::string_view run_id) {
  if (run_id.empty() || run_id.size() > 128) return false;
  for (char c : run_id) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-' || c == '.';
    if (!allowed) return false;
  }
  return run_id != "." && run_id != "..";
}

}  // namespace pgexport::exporter
