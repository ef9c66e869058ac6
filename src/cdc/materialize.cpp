#include "cdc/materialize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "cdc/change_rows.hpp"
#include "cdc/checked_read.hpp"
#include "cdc/commit_log.hpp"
#include "cdc/field_text.hpp"
#include "cdc/layout.hpp"
#include "cdc/parquet_columns.hpp"
#include "cdc/run_format.hpp"
#include "cdc/stored_parquet.hpp"
#include "common/cancellation.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "compress/stream_compressor.hpp"
#include "compress/stream_decompressor.hpp"
#include "export/commit.hpp"
#include "export/delta_tables.hpp"
#include "export/exporter.hpp"
#include "export/layout.hpp"
#include "export/manifest.hpp"
#include "format/csv/csv_format.hpp"
#include "format/jsonl/json_text.hpp"
#include "format/jsonl/value_renderer.hpp"
#include "format/parquet/file_writer.hpp"

namespace pgexport::cdc {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using pg::replication::Lsn;
namespace jsonl = format::jsonl;

// One row in a table's output columns; nullopt is NULL.
using Values = std::vector<FieldText>;

// How long removing a failed attempt's files may take: inside ECS's default stopTimeout of
// 30 s between SIGTERM and SIGKILL, as export's --cleanup-timeout default.
constexpr std::chrono::seconds kCleanupBudget{25};

// Output rows are collected up to this many bytes before they go to the compressor: the same
// block size the JSON Lines encoder hands on, for the same reason (few virtual calls, still
// in cache).
constexpr size_t kFlushBytes = 64 * 1024;

// Committed runs are runs/<run-id>/_manifest.json (export/layout.hpp).
constexpr std::string_view kRunsPrefix = "runs/";
constexpr std::string_view kManifestSuffix = "/_manifest.json";

// The log, a manifest or a listed object is not what pgexport wrote.
template <typename... Args>
[[noreturn]] void broken(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(ErrorKind::verification_failed, fmt::format(format, std::forward<Args>(args)...));
}

enum class FileFormat { csv, jsonl, parquet };

compress::StreamCodec stream_codec(const std::string& compression, const std::string& where) {
  if (compression == "zstd") return compress::StreamCodec::zstd;
  if (compression == "gzip") return compress::StreamCodec::gzip;
  if (compression == "none") return compress::StreamCodec::none;
  broken("{} says compression \"{}\", which csv and jsonl files are never written with", where,
         compression);
}

// ---- types, as far as JSON Lines needs them ---------------------------------------------

// The type behind a format_type() name, for the few names whose JSON Lines rendering is not
// a string; every other name (numeric(12,2), public.mood, ...) renders as text, as the
// encoder does. Domains are resolved by the manifest's pg_base_type before this is asked.
pg::TypeDesc type_from_name(std::string_view name) {
  pg::TypeDesc type;
  type.name = std::string(name);
  type.base_name = type.name;
  if (name.ends_with("[]")) {
    std::string_view element = name;
    while (element.ends_with("[]")) element.remove_suffix(2);
    type.kind = pg::TypeKind::array;
    type.oid = 1;  // any array oid but int2vector's and oidvector's
    type.element = std::make_shared<const pg::TypeDesc>(type_from_name(element));
    return type;
  }
  static const std::pair<std::string_view, pg::Oid> kNames[] = {
      {"boolean", pg::oid::kBool},
      {"smallint", pg::oid::kInt2},
      {"integer", pg::oid::kInt4},
      {"oid", pg::oid::kOid},
      {"bigint", pg::oid::kInt8},
      {"real", pg::oid::kFloat4},
      {"double precision", pg::oid::kFloat8},
      {"json", pg::oid::kJson},
      {"jsonb", pg::oid::kJsonb},
      {"bytea", pg::oid::kBytea},
      {"box", 603},  // box: its arrays use ';' between elements
  };
  for (const auto& [known, oid] : kNames) {
    if (name == known) type.oid = oid;
  }
  if (type.oid == 0) type.oid = pg::oid::kText;
  type.declared_oid = type.oid;
  return type;
}

struct ColumnSpec {
  std::string name;
  std::string pg_type;
  jsonl::ValuePlan plan;  // how JSON Lines renders it
  // json/jsonb in JSON Lines: a NULL is a missing member and `null` is the JSON value null.
  bool null_is_missing_member = false;
  pg::Column column;  // Parquet output: the column as the encoder plans it (parquet_columns.hpp)
  // The field text of rows written before the column was added (LoggedTable::missing_values);
  // NULL when it was added without a constant default.
  FieldText missing;
};

ColumnSpec column_spec(std::string name, std::string pg_type, std::string_view plan_type) {
  ColumnSpec spec;
  spec.name = std::move(name);
  spec.pg_type = std::move(pg_type);
  spec.plan = jsonl::plan_value(type_from_name(plan_type));
  spec.null_is_missing_member = spec.plan.rendering == jsonl::Rendering::json;
  return spec;
}

// ---- the base run -------------------------------------------------------------------------

struct ListedFile {
  std::string key;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string sha256;
};

struct BaseColumn {
  std::string name;
  std::string pg_type;
  std::string plan_type;  // pg_base_type for a domain, else pg_type
  bool nullable = true;
  ordered_json described;  // the manifest's column object, copied into the new run
};

struct BaseTable {
  std::string schema;
  std::string name;
  std::string kind;
  std::vector<BaseColumn> columns;
  ordered_json excluded_columns;  // what --exclude-columns left out; null when nothing
  std::string key_kind;
  std::vector<std::string> key_columns;
  std::vector<ListedFile> files;
  bool delta = false;  // the manifest names its Delta table (--table-format delta)
};

struct BaseRun {
  std::string run_id;
  std::string manifest_key;
  std::string format;
  std::string compression;
  std::string snapshot_at;
  ordered_json source;
  ordered_json cdc;             // the base's cdc section, whose members the new run keeps
  ordered_json format_options;  // Parquet's type rules; null when the manifest has none
  // Columns left out or hashed: the new run's files are made of the base's and the change
  // files, which both follow these rules, so the new run records them unchanged.
  ordered_json personal_data;
  std::string slot;
  Lsn consistent_point;
  std::vector<BaseTable> tables;

  // Whether every table is a Delta table (cdc init --table-format delta).
  bool delta() const {
    return !tables.empty() && std::all_of(tables.begin(), tables.end(),
                                          [](const BaseTable& table) { return table.delta; });
  }
};

// Reads one manifest member by member, naming the manifest and the member in every error.
class ManifestReader {
 public:
  explicit ManifestReader(const std::string& key) : key_(key) {}

  [[noreturn]] void malformed(std::string_view what) const {
    broken("manifest {} cannot be a base for materialize: {}", key_, what);
  }
  const ordered_json& member(const ordered_json& object, std::string_view name,
                             std::string_view path) const {
    auto found = object.find(name);
    if (found == object.end()) malformed(fmt::format("{} has no \"{}\"", path, name));
    return *found;
  }
  std::string text(const ordered_json& object, std::string_view name, std::string_view path) const {
    const ordered_json& value = member(object, name, path);
    if (!value.is_string()) malformed(fmt::format("{}.{} is not a string", path, name));
    return value.get<std::string>();
  }
  uint64_t count(const ordered_json& object, std::string_view name, std::string_view path) const {
    const ordered_json& value = member(object, name, path);
    if (!value.is_number_unsigned()) {
      malformed(fmt::format("{}.{} is not a non-negative integer", path, name));
    }
    return value.get<uint64_t>();
  }
  const ordered_json& array(const ordered_json& object, std::string_view name,
                            std::string_view path) const {
    const ordered_json& value = member(object, name, path);
    if (!value.is_array()) malformed(fmt::format("{}.{} is not an array", path, name));
    return value;
  }

 private:
  const std::string& key_;
};

BaseTable read_base_table(const ManifestReader& reader, const ordered_json& value,
                          const std::string& path) {
  if (!value.is_object()) reader.malformed(path + " is not an object");
  BaseTable table;
  table.schema = reader.text(value, "schema", path);
  table.name = reader.text(value, "name", path);
  table.kind = value.contains("kind") && value["kind"].is_string()
                   ? value["kind"].get<std::string>()
                   : std::string("table");
  const ordered_json& columns = reader.array(value, "columns", path);
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string column_path = fmt::format("{}.columns[{}]", path, i);
    if (!columns[i].is_object()) reader.malformed(column_path + " is not an object");
    BaseColumn column;
    column.name = reader.text(columns[i], "name", column_path);
    column.pg_type = reader.text(columns[i], "pg_type", column_path);
    column.plan_type = columns[i].contains("pg_base_type")
                           ? reader.text(columns[i], "pg_base_type", column_path)
                           : column.pg_type;
    column.nullable = !columns[i].contains("nullable") || columns[i]["nullable"] != false;
    column.described = columns[i];
    table.columns.push_back(std::move(column));
  }
  if (value.contains("excluded_columns")) table.excluded_columns = value["excluded_columns"];
  table.delta = value.contains("delta") && value["delta"].is_object();
  const ordered_json& key = reader.member(value, "key", path);
  if (!key.is_object()) reader.malformed(path + ".key is not an object");
  table.key_kind = reader.text(key, "kind", path + ".key");
  for (const ordered_json& name : reader.array(key, "columns", path + ".key")) {
    if (!name.is_string()) reader.malformed(path + ".key.columns holds a non-string");
    table.key_columns.push_back(name.get<std::string>());
  }
  const ordered_json& files = reader.array(value, "files", path);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string file_path = fmt::format("{}.files[{}]", path, i);
    if (!files[i].is_object()) reader.malformed(file_path + " is not an object");
    table.files.push_back(
        {reader.text(files[i], "key", file_path), reader.count(files[i], "rows", file_path),
         reader.count(files[i], "bytes", file_path), reader.text(files[i], "sha256", file_path)});
  }
  return table;
}

struct BaseCandidate {
  std::string run_id;
  std::string manifest_key;
  Lsn consistent_point;
  ordered_json document;
};

// The committed run with a cdc section whose consistent point is newest (ties: the larger run
// id): the latest state of the tables that a run holds, whether export or materialize wrote it.
BaseRun find_base(storage::Storage& storage) {
  std::optional<BaseCandidate> best;
  for (const std::string& key : storage.list(std::string(kRunsPrefix))) {
    if (!key.starts_with(kRunsPrefix) || !key.ends_with(kManifestSuffix)) continue;
    const std::string run_id =
        key.substr(kRunsPrefix.size(), key.size() - kRunsPrefix.size() - kManifestSuffix.size());
    if (!exporter::is_valid_run_id(run_id) || key != exporter::manifest_key(run_id)) continue;
    auto text = storage.read(key);
    if (!text) continue;  // removed since the listing: not committed now
    ordered_json document = ordered_json::parse(*text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
      log::warn("a manifest is not valid JSON; that run is not a base for materialize",
                {{"manifest", key}});
      continue;
    }
    if (!document.contains("cdc")) continue;
    const ManifestReader reader(key);
    const ordered_json& cdc = document["cdc"];
    if (!cdc.is_object()) reader.malformed("cdc is not an object");
    Lsn point;
    try {
      point = Lsn::parse(reader.text(cdc, "consistent_point", "cdc"));
    } catch (const Error& error) {
      if (error.kind() == ErrorKind::verification_failed) throw;
      reader.malformed(fmt::format("cdc.consistent_point is not an LSN: {}", error.what()));
    }
    if (!best || point > best->consistent_point ||
        (point == best->consistent_point && run_id > best->run_id)) {
      best = BaseCandidate{run_id, key, point, std::move(document)};
    }
  }
  if (!best) {
    fail(ErrorKind::usage,
         "{} holds no committed run with a cdc section: materialize starts from the export that "
         "`pgexport cdc init` makes; run it first, or name the destination it wrote to",
         storage.describe());
  }
  const ManifestReader reader(best->manifest_key);
  const ordered_json& document = best->document;
  BaseRun base;
  base.run_id = best->run_id;
  base.manifest_key = best->manifest_key;
  base.consistent_point = best->consistent_point;
  base.format = reader.text(document, "format", "the manifest");
  base.compression = reader.text(document, "compression", "the manifest");
  base.snapshot_at = reader.text(document, "snapshot_at", "the manifest");
  base.source = reader.member(document, "source", "the manifest");
  base.cdc = document["cdc"];
  if (document.contains("format_options")) base.format_options = document["format_options"];
  if (document.contains("personal_data")) base.personal_data = document["personal_data"];
  base.slot = reader.text(base.cdc, "slot", "cdc");
  // A DMS-layout base's files have no header and may start with DMS's timestamp column: the
  // merge reads neither, so it is refused rather than misread.
  if (document.contains("layout") && document["layout"].is_object() &&
      document["layout"].value("name", "") == "dms") {
    fail(ErrorKind::usage,
         "run {} is a DMS-layout full load, which materialize does not read yet; its changes "
         "are in the DMS change files beside it (docs/dms.md, \"Change capture\")",
         base.run_id);
  }
  const ordered_json& tables = reader.array(document, "tables", "the manifest");
  for (size_t i = 0; i < tables.size(); ++i) {
    base.tables.push_back(read_base_table(reader, tables[i], fmt::format("tables[{}]", i)));
  }
  return base;
}

// ---- the commit log -------------------------------------------------------------------------

// Every entry, in order, checked as CommitLog checks them, but with a damaged log reported as
// verification_failed: for materialize the log is input that does not match what was written.
// Failures of the storage itself keep their own kind.
std::vector<LogEntry> read_log(storage::Storage& storage) {
  std::vector<uint64_t> sequences;
  for (const std::string& key : storage.list(std::string(kLogPrefix))) {
    auto sequence = sequence_of_log_key(key);
    if (!sequence) {
      broken(
          "{} is not a commit log entry (expected {}<20-digit sequence>.json); only pgexport "
          "writes under {}: move the object elsewhere",
          key, kLogPrefix, kLogPrefix);
    }
    sequences.push_back(*sequence);
  }
  std::sort(sequences.begin(), sequences.end());
  std::vector<LogEntry> entries;
  for (size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i] != i + 1) {
      broken("the commit log has a gap: {} is missing but {} exists; restore the missing entry",
             log_entry_key(i + 1), log_entry_key(sequences[i]));
    }
    const std::string key = log_entry_key(sequences[i]);
    auto text = storage.read(key);
    if (!text) broken("commit log entry {} was listed but cannot be read any more", key);
    try {
      entries.push_back(parse_log_entry(*text, key));
    } catch (const Error& error) {
      // parse_log_entry() reads no storage: its storage_error is a malformed entry.
      if (error.kind() != ErrorKind::storage_error) throw;
      broken("{}", error.what());
    }
    if (entries.back().sequence != sequences[i]) {
      broken("commit log entry {} says it is sequence {}; restore the original", key,
             entries.back().sequence);
    }
  }
  return entries;
}

// ---- reading a listed file ----------------------------------------------------------------

// Rethrows the current exception; a file that cannot be decoded (data_error) becomes
// verification_failed naming it.
[[noreturn]] void rethrow_for_file(std::exception_ptr failure, std::string_view what,
                                   const std::string& key) {
  try {
    std::rethrow_exception(failure);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::data_error) throw;
    broken("{} {} cannot be read: {}", what, key, error.what());
  }
}

// Streams one listed file through its decompressor into `records` (a CsvRecordReader or
// JsonlObjectReader whose callbacks do the work) and checks its size, SHA-256 and row count
// (`rows_seen()` after the stream) against the listing.
template <typename Reader>
void read_listed_file(storage::Storage& storage, const ListedFile& file,
                      compress::StreamCodec codec, Reader& records,
                      const std::function<uint64_t()>& rows_seen, std::string_view what,
                      const std::string& listed_in) {
  auto decompressor = compress::make_stream_decompressor(codec, records);
  CheckedRead checked(*decompressor);
  if (!storage.read_into(file.key, checked)) {
    broken("{} {} is listed in {} but missing", what, file.key, listed_in);
  }
  if (checked.size() != file.bytes) {
    broken("{} {} has {} bytes, {} lists {}", what, file.key, checked.size(), listed_in,
           file.bytes);
  }
  if (const std::string sha = checked.sha256(); sha != file.sha256) {
    broken("{} {} has SHA-256 {}, {} lists {}", what, file.key, sha, listed_in, file.sha256);
  }
  if (checked.failure()) rethrow_for_file(checked.failure(), what, file.key);
  try {
    decompressor->finish();
    records.finish();
  } catch (...) {
    rethrow_for_file(std::current_exception(), what, file.key);
  }
  if (rows_seen() != file.rows) {
    broken("{} {} holds {} rows, {} lists {}", what, file.key, rows_seen(), listed_in, file.rows);
  }
}

// The Parquet counterpart of read_listed_file: size and SHA-256 are checked on a first pass,
// before anything is decoded (a file with the wrong bytes is reported as that); the second pass
// decodes it one row group at a time. `on_open` sees the file's column names first.
void read_listed_parquet(storage::Storage& storage, const ListedFile& file,
                         const std::function<void(const std::vector<std::string>&)>& on_open,
                         const format::parquet::ParquetTextReader::RowCallback& on_row,
                         const std::function<uint64_t()>& rows_seen, std::string_view what,
                         const std::string& listed_in) {
  auto stored = StoredParquetFile::scan(storage, file.key);
  if (!stored) broken("{} {} is listed in {} but missing", what, file.key, listed_in);
  if (stored->size() != file.bytes) {
    broken("{} {} has {} bytes, {} lists {}", what, file.key, stored->size(), listed_in,
           file.bytes);
  }
  if (stored->sha256() != file.sha256) {
    broken("{} {} has SHA-256 {}, {} lists {}", what, file.key, stored->sha256(), listed_in,
           file.sha256);
  }
  try {
    stored->read_rows(
        storage,
        [&](const format::parquet::ParquetTextReader& reader) { on_open(reader.column_names()); },
        on_row);
  } catch (...) {
    rethrow_for_file(std::current_exception(), what, file.key);
  }
  if (rows_seen() != file.rows) {
    broken("{} {} holds {} rows, {} lists {}", what, file.key, rows_seen(), listed_in, file.rows);
  }
}

// ---- columns of one source (a base table or a log entry's table record) ------------------

struct SourceLayout {
  std::vector<ColumnSpec> columns;
  std::vector<int> to_output;  // output position of each column; -1: dropped since
  std::unordered_map<std::string, size_t> by_name;
  std::vector<size_t> absent;  // output positions this source has no column for: added since
};

SourceLayout make_layout(std::vector<ColumnSpec> columns, const std::vector<ColumnSpec>& output) {
  SourceLayout layout;
  layout.columns = std::move(columns);
  for (size_t i = 0; i < layout.columns.size(); ++i) {
    layout.by_name.emplace(layout.columns[i].name, i);
    int position = -1;
    for (size_t j = 0; j < output.size(); ++j) {
      if (output[j].name == layout.columns[i].name) position = static_cast<int>(j);
    }
    layout.to_output.push_back(position);
  }
  for (size_t j = 0; j < output.size(); ++j) {
    if (std::find(layout.to_output.begin(), layout.to_output.end(), static_cast<int>(j)) ==
        layout.to_output.end()) {
      layout.absent.push_back(j);
    }
  }
  return layout;
}

// The value of a JSON Lines member as a field text: a missing member or (outside json/jsonb)
// a null is NULL.
FieldText jsonl_field(const ColumnSpec& column, std::string_view raw) {
  if (!column.null_is_missing_member && raw == "null") return std::nullopt;
  return std::string(raw);
}

// ---- writing the new run's files ------------------------------------------------------------

class TableFileWriter {
 public:
  // `parquet` is the output format when `format` is parquet (then `table` names the table).
  TableFileWriter(storage::Storage& storage, std::string key, compress::StreamCodec codec,
                  std::optional<int> level, FileFormat format,
                  const std::vector<ColumnSpec>& columns, const format::Format* parquet,
                  const pg::TableSchema& table)
      : format_(format), columns_(columns) {
    object_ = storage.create(key);
    counter_ = std::make_unique<CountingSink>(*object_);
    if (format_ == FileFormat::parquet) {
      // Values are PostgreSQL texts, as in CSV: converted to the binary COPY fields the
      // Parquet encoder reads, the full export's encoder writes them (pages compressed inside).
      pg::TableSchema schema{table.schema, table.name, {}};
      for (const ColumnSpec& column : columns_) schema.columns.push_back(column.column);
      text_rows_ = parquet->make_text_row_writer(schema);
      encoder_ = parquet->make_encoder(schema);
      encoder_->start(*counter_);
      return;
    }
    compressor_ = compress::make_stream_compressor(codec, level, *counter_);
    if (format_ == FileFormat::csv) {
      // The header exactly as the CSV encoder writes it.
      pg::TableSchema schema;
      for (const ColumnSpec& column : columns_)
        schema.columns.push_back({column.name, 0, false, {}, {}, std::nullopt});
      StringSink header;
      auto encoder = format::CsvFormat().make_encoder(schema);
      encoder->start(header);
      encoder->finish();
      buffer_ = header.data;
    } else {
      for (const ColumnSpec& column : columns_) {
        std::string key_text;
        jsonl::append_json_string(key_text, column.name);
        key_text += ':';
        member_keys_.push_back(std::move(key_text));
      }
    }
  }
  ~TableFileWriter() {
    if (object_) object_->abort();
  }

  void write(const Values& values) {
    ++rows_;
    if (format_ == FileFormat::parquet) {
      views_.assign(values.begin(), values.end());
      encoder_->write_row(text_rows_->build(views_));
      return;
    }
    if (format_ == FileFormat::csv) {
      for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) buffer_ += ',';
        if (values[i]) buffer_ += format::csv_quote(*values[i]);
      }
      buffer_ += '\n';
    } else {
      buffer_ += '{';
      bool first = true;
      for (size_t i = 0; i < values.size(); ++i) {
        if (!values[i] && columns_[i].null_is_missing_member) continue;
        if (!first) buffer_ += ',';
        first = false;
        buffer_ += member_keys_[i];
        buffer_ += values[i] ? *values[i] : std::string("null");
      }
      buffer_ += "}\n";
    }
    if (buffer_.size() >= kFlushBytes) flush();
  }

  exporter::FileResult commit() {
    if (encoder_) {
      encoder_->finish();
    } else {
      flush();
      compressor_->finish();
    }
    exporter::FileResult result{object_->commit(), rows_};
    if (encoder_) result.statistics = encoder_->file_statistics();  // Delta's per-file stats
    object_.reset();
    return result;
  }

 private:
  void flush() {
    if (buffer_.empty()) return;
    compressor_->write(buffer_);
    buffer_.clear();
  }

  FileFormat format_;
  const std::vector<ColumnSpec>& columns_;
  std::vector<std::string> member_keys_;
  std::unique_ptr<storage::ObjectWriter> object_;
  std::unique_ptr<CountingSink> counter_;
  std::unique_ptr<compress::StreamCompressor> compressor_;
  std::unique_ptr<format::TextRowWriter> text_rows_;  // parquet
  std::unique_ptr<format::Encoder> encoder_;          // parquet
  std::vector<std::optional<std::string_view>> views_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

// ---- folding one table's changes ----------------------------------------------------------

// A key's identity: the texts of its columns, each with its NULL flag and length, so no two
// different keys encode alike.
std::string encode_key(const Values& values, const std::vector<size_t>& positions) {
  std::string key;
  for (size_t position : positions) {
    const FieldText& value = values[position];
    if (!value) {
      key += '\0';
      continue;
    }
    key += '\1';
    const uint64_t length = value->size();
    key.append(reinterpret_cast<const char*>(&length), sizeof length);
    key += *value;
  }
  return key;
}

class ChangeFold {
 public:
  virtual ~ChangeFold() = default;
  virtual void insert(Values values) = 0;
  // `unchanged`: output positions whose values the change did not send. `old`: the old key
  // (key positions set) or, for full-row tables, the whole old row; nullopt when the change
  // carries none (the key did not change).
  virtual void update(Values values, std::vector<size_t> unchanged, std::optional<Values> old) = 0;
  virtual void remove(const Values& values) = 0;
  void truncate() {
    truncated_ = true;
    clear();
  }
  bool truncated() const { return truncated_; }
  // A base row (only when no truncate came): written unless a change replaced it.
  virtual void merge_base_row(const Values& values, TableFileWriter& writer) = 0;
  // The changed rows, after the base.
  virtual void write_remaining(TableFileWriter& writer) = 0;

 protected:
  virtual void clear() = 0;
  bool truncated_ = false;
};

// Tables with a primary key or replica identity index: key -> the row's final image.
class KeyedFold final : public ChangeFold {
 public:
  KeyedFold(std::string table, std::vector<size_t> key_positions)
      : table_(std::move(table)), key_positions_(std::move(key_positions)) {}

  void insert(Values values) override {
    const std::string key = encode_key(values, key_positions_);
    replace(key, Entry{false, std::move(values), {}, {}});
  }

  void update(Values values, std::vector<size_t> unchanged, std::optional<Values> old) override {
    const std::string new_key = encode_key(values, key_positions_);
    const std::string old_key = old ? encode_key(*old, key_positions_) : new_key;
    Entry next{false, std::move(values), std::move(unchanged), {}};
    if (!next.pending.empty()) {
      auto previous = entries_.find(old_key);
      if (previous != entries_.end()) {
        if (previous->second.deleted) missing_row();
        std::vector<size_t> still_pending;
        for (size_t position : next.pending) {
          const auto& earlier = previous->second.pending;
          if (std::find(earlier.begin(), earlier.end(), position) != earlier.end()) {
            still_pending.push_back(position);
          } else {
            next.values[position] = previous->second.values[position];
          }
        }
        next.pending = std::move(still_pending);
        if (!next.pending.empty()) next.fill_from = previous->second.fill_from;
      } else {
        if (truncated_) missing_row();
        next.fill_from = old_key;  // the row is still the base's
      }
    }
    if (old_key != new_key) replace(old_key, Entry{true, {}, {}, {}});
    replace(new_key, std::move(next));
  }

  void remove(const Values& values) override {
    replace(encode_key(values, key_positions_), Entry{true, {}, {}, {}});
  }

  void merge_base_row(const Values& values, TableFileWriter& writer) override {
    const std::string key = encode_key(values, key_positions_);
    if (auto waiting = fill_index_.find(key); waiting != fill_index_.end()) {
      Entry& entry = entries_.at(waiting->second);
      for (size_t position : entry.pending) entry.values[position] = values[position];
      entry.pending.clear();
      fill_index_.erase(waiting);
    }
    if (!entries_.contains(key)) writer.write(values);
  }

  void write_remaining(TableFileWriter& writer) override {
    for (const auto& [key, entry] : entries_) {
      if (entry.deleted) continue;
      if (!entry.pending.empty()) {
        broken(
            "table {}: an update left TOASTed columns unchanged, but the base run has no row "
            "with its old key to take them from; the base run and the log do not belong "
            "together",
            table_);
      }
      writer.write(entry.values);
    }
  }

 protected:
  void clear() override {
    entries_.clear();
    fill_index_.clear();
  }

 private:
  struct Entry {
    bool deleted = false;
    Values values;
    std::vector<size_t> pending;  // positions still to be taken from the base row `fill_from`
    std::string fill_from;
  };

  [[noreturn]] void missing_row() const {
    broken(
        "table {}: an update left TOASTed columns unchanged in a row that earlier changes "
        "deleted or truncated; the log does not describe one history",
        table_);
  }

  // Puts `entry` at `key`, keeping the index from base keys to the one entry waiting for them.
  void replace(const std::string& key, Entry entry) {
    auto found = entries_.find(key);
    if (found != entries_.end() && !found->second.pending.empty()) {
      auto waiting = fill_index_.find(found->second.fill_from);
      if (waiting != fill_index_.end() && waiting->second == key) fill_index_.erase(waiting);
    }
    if (!entry.pending.empty()) fill_index_[entry.fill_from] = key;
    entries_.insert_or_assign(key, std::move(entry));
  }

  std::string table_;
  std::vector<size_t> key_positions_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::string> fill_index_;  // base key -> entry key
};

// Tables under REPLICA IDENTITY FULL without a key: rows are a multiset, each distinct row
// with how many copies the changes added (or, below zero, removed from the base).
class FullRowFold final : public ChangeFold {
 public:
  FullRowFold(std::string table, size_t columns) : table_(std::move(table)) {
    for (size_t i = 0; i < columns; ++i) all_.push_back(i);
  }

  void insert(Values values) override { add(std::move(values), 1); }

  void update(Values values, std::vector<size_t> unchanged, std::optional<Values> old) override {
    if (!old) {
      broken("table {}: an update of a full-row table carries no old row in _old_key", table_);
    }
    for (size_t position : unchanged) values[position] = (*old)[position];
    add(std::move(*old), -1);
    add(std::move(values), 1);
  }

  void remove(const Values& values) override { add(values, -1); }

  void merge_base_row(const Values& values, TableFileWriter& writer) override {
    auto found = rows_.find(encode_key(values, all_));
    if (found != rows_.end() && found->second.copies < 0) {
      ++found->second.copies;  // one copy of this row was deleted
      return;
    }
    writer.write(values);
  }

  void write_remaining(TableFileWriter& writer) override {
    uint64_t unmatched = 0;
    for (const auto& [key, row] : rows_) {
      for (int64_t i = 0; i < row.copies; ++i) writer.write(row.values);
      if (row.copies < 0) unmatched += static_cast<uint64_t>(-row.copies);
    }
    if (unmatched > 0) {
      log::warn("deletes or updates named rows that neither the base run nor earlier changes hold",
                {{"table", table_}, log::field("rows", unmatched)});
    }
  }

 protected:
  void clear() override { rows_.clear(); }

 private:
  struct Counted {
    Values values;
    int64_t copies = 0;
  };
  void add(Values values, int64_t copies) {
    Counted& row = rows_[encode_key(values, all_)];
    if (row.values.empty()) row.values = std::move(values);
    row.copies += copies;
  }

  std::string table_;
  std::vector<size_t> all_;
  std::unordered_map<std::string, Counted> rows_;
};

// ---- one table ------------------------------------------------------------------------------

struct TableRecord {
  const LogEntry* entry;
  const LoggedTable* table;
};

struct TableJob {
  std::string schema;
  std::string name;
  std::string kind = "table";
  const BaseTable* base = nullptr;
  std::vector<TableRecord> records;  // in log order
};

struct RunContext {
  storage::Storage& source;
  storage::Storage& output;
  const BaseRun& base;
  FileFormat format;
  Lsn after;  // apply changes committed above this ...
  Lsn upto;   // ... and at or below this
  std::string run_id;
  std::string attempt;
  std::optional<int> compression_level;
  compress::StreamCodec output_codec;
  const format::Format* parquet = nullptr;  // the output's format when it is parquet
  // Each table's file goes into its Delta table's directory, to be committed as its next
  // version (export/delta_tables) before the manifest.
  bool delta = false;
  // Across tables: the newest commit applied and its time, for the run's snapshot_at.
  Lsn newest_applied;
  std::string newest_commit_time;
  uint64_t changes_applied = 0;
};

std::string display(const std::string& schema, const std::string& name) {
  return schema + "." + name;
}

class TableMaterializer {
 public:
  TableMaterializer(RunContext& context, const TableJob& job) : context_(context), job_(job) {
    table_name_ = display(job.schema, job.name);
    choose_columns();
    choose_key();
    if (full_row_) {
      fold_ = std::make_unique<FullRowFold>(table_name_, columns_.size());
    } else {
      fold_ = std::make_unique<KeyedFold>(table_name_, key_positions_);
    }
  }

  ordered_json run() {
    for (const TableRecord& record : job_.records) apply_record(record);
    const std::string extension = std::string(context_.format == FileFormat::csv     ? "csv"
                                              : context_.format == FileFormat::jsonl ? "jsonl"
                                                                                     : "parquet") +
                                  compress::stream_codec_suffix(context_.output_codec);
    TableFileWriter writer(
        context_.output,
        context_.delta ? exporter::delta_data_file_key(context_.run_id, context_.attempt,
                                                       job_.schema, job_.name, 0, 0, extension)
                       : exporter::data_file_key(context_.run_id, context_.attempt, job_.schema,
                                                 job_.name, 0, 0, extension),
        context_.output_codec, context_.compression_level, context_.format, columns_,
        context_.parquet, pg::TableSchema{job_.schema, job_.name, {}});
    if (job_.base && !fold_->truncated()) stream_base(writer);
    fold_->write_remaining(writer);
    file_ = writer.commit();
    return manifest_entry(file_);
  }

  // The file run() committed.
  const exporter::FileResult& file() const { return file_; }

  // The output's columns as the Parquet encoder planned them: what a Delta schema describes.
  pg::TableSchema output_schema() const {
    pg::TableSchema schema{job_.schema, job_.name, {}};
    for (const ColumnSpec& spec : columns_) schema.columns.push_back(spec.column);
    return schema;
  }

 private:
  // The newest schema version's columns (the last record's: versions only grow), else the
  // base's. A base column with the same name and type keeps its manifest description.
  void choose_columns() {
    if (job_.records.empty()) {
      for (const BaseColumn& column : job_.base->columns) {
        columns_.push_back(column_spec(column.name, column.pg_type, column.plan_type));
        described_.push_back(column.described);
        plan_parquet_column(&column);
      }
      return;
    }
    const LoggedTable& newest = *job_.records.back().table;
    for (const LoggedColumn& column : newest.columns) {
      const BaseColumn* same = base_column(column);
      columns_.push_back(
          column_spec(column.name, column.pg_type, same ? same->plan_type : column.pg_type));
      if (same) {
        described_.push_back(same->described);
        plan_parquet_column(same);
        continue;
      }
      if (auto missing = newest.missing_values.find(column.name);
          missing != newest.missing_values.end()) {
        columns_.back().missing = output_field(columns_.back(), missing->second);
      }
      ordered_json described = {{"name", column.name}, {"pg_type", column.pg_type}};
      // The log does not say whether the column is NOT NULL: older rows lack it anyway.
      described["nullable"] = true;
      plan_parquet_column(nullptr);
      described["output"] =
          context_.format == FileFormat::csv ? ordered_json({{"encoding", "pg_text"}})
          : context_.format == FileFormat::jsonl
              ? ordered_json(jsonl::describe_value(columns_.back().plan))
              : ordered_json(context_.parquet->describe_column(columns_.back().column));
      described_.push_back(std::move(described));
    }
  }

  // Parquet output: the column the encoder plans, rebuilt from its type's name (the log and the
  // manifest have no oids). A column of the base run must come out as its manifest describes
  // it, or the new run's files would not be typed as the base's.
  void plan_parquet_column(const BaseColumn* base) {
    if (context_.format != FileFormat::parquet) return;
    ColumnSpec& spec = columns_.back();
    const nlohmann::json described = base && base->described.contains("output")
                                         ? nlohmann::json(base->described["output"])
                                         : nlohmann::json();
    spec.column.name = spec.name;
    spec.column.attnum = static_cast<int>(columns_.size());
    spec.column.not_null = base && !base->nullable;
    spec.column.type = parquet_column_type(base ? base->plan_type : spec.pg_type, described);
    spec.column.type.name = spec.pg_type;  // the declared name (a domain's) for the file metadata
    if (described.is_object() && described.contains("fallback") &&
        described["fallback"].is_string()) {
      spec.column.text_fallback = described["fallback"].get<std::string>();  // as the base wrote it
    }
    if (base && !described.is_null() &&
        context_.parquet->describe_column(spec.column) != described) {
      fail(ErrorKind::usage,
           "table {}, column {} ({}): run {} wrote it as {}, which this pgexport cannot write "
           "from the type's name alone, so the run cannot be materialized in parquet; export "
           "the table again with `pgexport cdc init`",
           table_name_, spec.name, spec.pg_type, context_.base.run_id, described.dump());
    }
  }

  const BaseColumn* base_column(const LoggedColumn& column) const {
    if (!job_.base) return nullptr;
    for (const BaseColumn& candidate : job_.base->columns) {
      if (candidate.name == column.name && candidate.pg_type == column.pg_type) return &candidate;
    }
    return nullptr;
  }

  void choose_key() {
    if (job_.base && job_.base->key_kind == "none") refuse_keyless();
    if (job_.records.empty()) {
      key_kind_ = job_.base->key_kind;
      key_columns_ = job_.base->key_columns;
      full_row_ = key_kind_ == "full row";
      if (!full_row_ && key_kind_ != "primary key" && key_kind_ != "replica identity index") {
        broken("manifest {}: table {} has key kind \"{}\"", context_.base.manifest_key, table_name_,
               key_kind_);
      }
    } else {
      const LoggedTable& first = *job_.records.front().table;
      for (const TableRecord& record : job_.records) {
        // A full-row key is every column of its version: a new column list is no key change.
        const bool same_columns =
            first.key_kind == KeyKind::full_row || record.table->key_columns == first.key_columns;
        if (record.table->key_kind != first.key_kind || !same_columns) {
          fail(ErrorKind::data_error,
               "table {}: its key changed in commit log entry {} ({} ({}) before, {} ({}) then); "
               "materialize cannot follow a key change: export the table again with `pgexport "
               "cdc init`",
               table_name_, record.entry->sequence, pg::table_key_kind_name(first.key_kind),
               fmt::join(first.key_columns, ", "), pg::table_key_kind_name(record.table->key_kind),
               fmt::join(record.table->key_columns, ", "));
        }
      }
      key_kind_ = std::string(pg::table_key_kind_name(first.key_kind));
      full_row_ = first.key_kind == KeyKind::full_row;
      key_columns_ = full_row_ ? job_.records.back().table->key_columns : first.key_columns;
    }
    if (full_row_) {
      for (size_t i = 0; i < columns_.size(); ++i) key_positions_.push_back(i);
      return;
    }
    if (key_columns_.empty()) refuse_keyless();
    for (const std::string& name : key_columns_) {
      auto found = std::find_if(columns_.begin(), columns_.end(),
                                [&](const ColumnSpec& column) { return column.name == name; });
      if (found == columns_.end()) {
        fail(ErrorKind::data_error, "table {}: key column \"{}\" is not among its columns",
             table_name_, name);
      }
      key_positions_.push_back(static_cast<size_t>(found - columns_.begin()));
    }
  }

  [[noreturn]] void refuse_keyless() const {
    fail(ErrorKind::data_error,
         "table {} has no key (key kind \"none\": no primary key, replica identity index or "
         "REPLICA IDENTITY FULL), so its changes cannot be applied; give it one and export it "
         "again with `pgexport cdc init`, or leave it out of change data capture",
         table_name_);
  }

  // ---- applying one log entry's record of this table

  void apply_record(const TableRecord& record) {
    std::vector<ColumnSpec> record_columns;
    for (const LoggedColumn& column : record.table->columns) {
      const BaseColumn* same = base_column(column);
      record_columns.push_back(
          column_spec(column.name, column.pg_type, same ? same->plan_type : column.pg_type));
    }
    const SourceLayout layout = make_layout(std::move(record_columns), columns_);
    const std::string listed_in = log_entry_key(record.entry->sequence);
    const compress::StreamCodec codec = context_.format == FileFormat::parquet
                                            ? compress::StreamCodec::none
                                            : stream_codec(record.entry->compression, listed_in);
    for (const LoggedFile& logged : record.table->files) {
      const ListedFile file{logged.key, logged.rows, logged.bytes, logged.sha256};
      current_file_ = &file.key;
      uint64_t rows = 0;
      if (context_.format == FileFormat::csv) {
        bool header = true;
        CsvRecordReader reader([&](std::span<const FieldText> fields) {
          if (header) {
            check_change_header(fields, layout, file.key);
            header = false;
            return;
          }
          ++rows;
          apply_csv_change(fields, layout);
        });
        read_listed_file(
            context_.source, file, codec, reader, [&] { return rows; }, "change file", listed_in);
        if (header) broken("change file {} has no header line", file.key);
      } else if (context_.format == FileFormat::parquet) {
        // Parquet values read back as PostgreSQL's texts: a change row is then what a CSV
        // record is.
        read_listed_parquet(
            context_.source, file,
            [&](const std::vector<std::string>& names) {
              check_change_header(std::vector<FieldText>(names.begin(), names.end()), layout,
                                  file.key);
            },
            [&](std::span<const FieldText> fields) {
              ++rows;
              apply_csv_change(fields, layout);
            },
            [&] { return rows; }, "change file", listed_in);
      } else {
        JsonlObjectReader reader([&](std::span<const JsonMember> members) {
          ++rows;
          apply_jsonl_change(members, layout);
        });
        read_listed_file(
            context_.source, file, codec, reader, [&] { return rows; }, "change file", listed_in);
      }
    }
  }

  void check_change_header(std::span<const FieldText> fields, const SourceLayout& layout,
                           const std::string& key) const {
    std::vector<std::string> expected(std::begin(kMetadataColumns), std::end(kMetadataColumns));
    for (const ColumnSpec& column : layout.columns) expected.push_back(column.name);
    bool same = fields.size() == expected.size();
    for (size_t i = 0; same && i < fields.size(); ++i)
      same = fields[i] && *fields[i] == expected[i];
    if (!same) {
      broken(
          "change file {}: its header does not name the change table's columns ({}) that its "
          "log entry lists",
          key, fmt::join(expected, ","));
    }
  }

  // One change row, decoded: metadata, then the table's columns in the record's order.
  struct DecodedChange {
    std::string op;
    std::string commit_lsn;
    std::string commit_time;
    std::string seq;
    std::optional<std::vector<std::string>> unchanged;
    std::optional<std::string> old_key;  // JSON text
    Values values;                       // in the record's column order
  };

  void apply_csv_change(std::span<const FieldText> fields, const SourceLayout& layout) {
    constexpr size_t kMetadata = std::size(kMetadataColumns);
    if (fields.size() != kMetadata + layout.columns.size()) {
      bad_row(fmt::format("it has {} fields, the change table {}", fields.size(),
                          kMetadata + layout.columns.size()));
    }
    DecodedChange change;
    auto required = [&](size_t i) -> std::string {
      if (!fields[i]) bad_row(fmt::format("{} is NULL", kMetadataColumns[i]));
      return *fields[i];
    };
    change.op = required(0);
    change.commit_lsn = required(1);
    change.commit_time = required(2);
    change.seq = required(4);
    if (fields[5]) change.unchanged = parse_pg_text_array(*fields[5]);
    change.old_key = fields[6];
    change.values.assign(fields.begin() + kMetadata, fields.end());
    apply(change, layout);
  }

  void apply_jsonl_change(std::span<const JsonMember> members, const SourceLayout& layout) {
    DecodedChange change;
    change.values.assign(layout.columns.size(), std::nullopt);
    auto text = [&](const JsonMember& member) {
      auto value = json_string_text(member.raw);
      if (!value) bad_row(fmt::format("{} is not a JSON string", member.name));
      return *value;
    };
    for (const JsonMember& member : members) {
      if (member.name == "_op") {
        change.op = text(member);
      } else if (member.name == "_commit_lsn") {
        change.commit_lsn = text(member);
      } else if (member.name == "_commit_time") {
        change.commit_time = text(member);
      } else if (member.name == "_seq") {
        change.seq = std::string(member.raw);
      } else if (member.name == "_xid") {
        continue;
      } else if (member.name == "_unchanged") {
        if (member.raw == "null") continue;
        json names = json::parse(member.raw, nullptr, false);
        if (!names.is_array()) bad_row("_unchanged is not an array");
        change.unchanged.emplace();
        for (const json& name : names) {
          if (!name.is_string()) bad_row("_unchanged holds a non-string");
          change.unchanged->push_back(name.get<std::string>());
        }
      } else if (member.name == "_old_key") {
        if (member.raw != "null") change.old_key = std::string(member.raw);
      } else if (auto found = layout.by_name.find(member.name); found != layout.by_name.end()) {
        change.values[found->second] = jsonl_field(layout.columns[found->second], member.raw);
      } else {
        bad_row(fmt::format("it has a member \"{}\" that is no column of the change table",
                            member.name));
      }
    }
    if (change.op.empty() || change.commit_lsn.empty() || change.seq.empty()) {
      bad_row("it lacks _op, _commit_lsn or _seq");
    }
    apply(change, layout);
  }

  [[noreturn]] void bad_row(const std::string& what) const {
    broken("change file {}: a row is not a change row: {}", *current_file_, what);
  }

  void apply(const DecodedChange& change, const SourceLayout& layout) {
    Lsn lsn;
    try {
      lsn = Lsn::parse(change.commit_lsn);
    } catch (const Error&) {
      bad_row(fmt::format("_commit_lsn '{}' is not an LSN", change.commit_lsn));
    }
    uint64_t seq = 0;
    auto [end, error] =
        std::from_chars(change.seq.data(), change.seq.data() + change.seq.size(), seq);
    if (error != std::errc() || end != change.seq.data() + change.seq.size()) {
      bad_row(fmt::format("_seq '{}' is not a whole number", change.seq));
    }
    // Changes must come in commit order, each once: a row out of order means the files or the
    // entries were put together wrongly, and applying them would give another table.
    const std::pair<Lsn, uint64_t> position{lsn, seq};
    if (last_position_ && position <= *last_position_) {
      broken(
          "change file {}: change ({}, {}) comes after ({}, {}); changes must be in "
          "(_commit_lsn, _seq) order",
          *current_file_, lsn.to_string(), seq, last_position_->first.to_string(),
          last_position_->second);
    }
    last_position_ = position;
    if (lsn <= context_.after || lsn > context_.upto) return;

    ++context_.changes_applied;
    if (lsn > context_.newest_applied) {
      context_.newest_applied = lsn;
      context_.newest_commit_time = change.commit_time;
    }
    if (change.op == "T") {
      fold_->truncate();
      return;
    }
    Values values = to_output(change.values, layout);
    if (change.op == "I") {
      fold_->insert(std::move(values));
    } else if (change.op == "D") {
      fold_->remove(values);
    } else if (change.op == "U") {
      std::vector<size_t> unchanged;
      if (change.unchanged) {
        for (const std::string& name : *change.unchanged) {
          auto found = layout.by_name.find(name);
          if (found == layout.by_name.end()) {
            bad_row(fmt::format("_unchanged names \"{}\", which is no column", name));
          }
          if (int position = layout.to_output[found->second]; position >= 0) {
            unchanged.push_back(static_cast<size_t>(position));
          }
        }
      }
      std::optional<Values> old;
      if (change.old_key) old = old_values(*change.old_key, layout);
      fold_->update(std::move(values), std::move(unchanged), std::move(old));
    } else {
      bad_row(fmt::format("_op is '{}', not I, U, D or T", change.op));
    }
  }

  // A source's values at the output's positions. A column added after the source's rows were
  // written holds, for them, what PostgreSQL fills in: its constant default, else NULL.
  Values to_output(const Values& source, const SourceLayout& layout) const {
    Values values(columns_.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (layout.to_output[i] >= 0) values[static_cast<size_t>(layout.to_output[i])] = source[i];
    }
    for (size_t position : layout.absent) values[position] = columns_[position].missing;
    return values;
  }

  // PostgreSQL's text of a value of `column` as the output format's field text.
  FieldText output_field(const ColumnSpec& column, const std::string& pg_text) {
    if (context_.format != FileFormat::jsonl) return pg_text;  // CSV and Parquet hold texts
    std::string rendered;
    renderer_.render(column.plan, pg_text, rendered);
    return rendered;
  }

  // _old_key: the old values of the key columns (the whole old row for full-row tables), each
  // PostgreSQL's text; JSON Lines renders them as its encoder renders that column.
  Values old_values(const std::string& text, const SourceLayout& layout) {
    json object = json::parse(text, nullptr, false);
    if (!object.is_object()) bad_row("_old_key is not a JSON object");
    Values values(columns_.size());
    std::vector<bool> present(columns_.size(), false);
    for (size_t position : layout.absent) {
      values[position] = columns_[position].missing;
      present[position] = true;
    }
    for (const auto& [name, value] : object.items()) {
      auto found = layout.by_name.find(name);
      if (found == layout.by_name.end()) {
        bad_row(fmt::format("_old_key names \"{}\", which is no column", name));
      }
      const int position = layout.to_output[found->second];
      if (position < 0) continue;
      present[static_cast<size_t>(position)] = true;
      if (value.is_null()) continue;
      if (!value.is_string()) bad_row(fmt::format("_old_key.{} is not a string", name));
      const std::string pg_text = value.get<std::string>();
      // CSV and Parquet values are PostgreSQL's texts already; JSON Lines renders them.
      if (context_.format != FileFormat::jsonl) {
        values[static_cast<size_t>(position)] = pg_text;
      } else {
        std::string rendered;
        try {
          renderer_.render(layout.columns[found->second].plan, pg_text, rendered);
        } catch (const Error& error) {
          bad_row(fmt::format("_old_key.{}: {}", name, error.what()));
        }
        values[static_cast<size_t>(position)] = std::move(rendered);
      }
    }
    for (size_t position : key_positions_) {
      if (!present[position]) {
        bad_row(fmt::format("_old_key lacks key column \"{}\"", columns_[position].name));
      }
    }
    return values;
  }

  // ---- the base run's files of this table

  void stream_base(TableFileWriter& writer) {
    std::vector<ColumnSpec> base_columns;
    for (const BaseColumn& column : job_.base->columns) {
      base_columns.push_back(column_spec(column.name, column.pg_type, column.plan_type));
    }
    const SourceLayout layout = make_layout(std::move(base_columns), columns_);
    const compress::StreamCodec codec =
        context_.format == FileFormat::parquet
            ? compress::StreamCodec::none
            : stream_codec(context_.base.compression, context_.base.manifest_key);
    for (const ListedFile& file : job_.base->files) {
      uint64_t rows = 0;
      if (context_.format == FileFormat::parquet) {
        read_listed_parquet(
            context_.source, file,
            [&](const std::vector<std::string>& names) {
              bool same = names.size() == layout.columns.size();
              for (size_t i = 0; same && i < names.size(); ++i) {
                same = names[i] == layout.columns[i].name;
              }
              if (!same) {
                broken("data file {}: its columns are not the columns {} lists", file.key,
                       context_.base.manifest_key);
              }
            },
            [&](std::span<const FieldText> fields) {
              ++rows;
              fold_->merge_base_row(to_output(Values(fields.begin(), fields.end()), layout),
                                    writer);
            },
            [&] { return rows; }, "data file", context_.base.manifest_key);
        continue;
      }
      if (context_.format == FileFormat::csv) {
        bool header = true;
        CsvRecordReader reader([&](std::span<const FieldText> fields) {
          if (header) {
            header = false;
            bool same = fields.size() == layout.columns.size();
            for (size_t i = 0; same && i < fields.size(); ++i) {
              same = fields[i] && *fields[i] == layout.columns[i].name;
            }
            if (!same) {
              broken("data file {}: its header does not name the columns {} lists", file.key,
                     context_.base.manifest_key);
            }
            return;
          }
          ++rows;
          if (fields.size() != layout.columns.size()) {
            broken("data file {}: a row has {} fields, the table {} columns", file.key,
                   fields.size(), layout.columns.size());
          }
          fold_->merge_base_row(to_output(Values(fields.begin(), fields.end()), layout), writer);
        });
        read_listed_file(
            context_.source, file, codec, reader, [&] { return rows; }, "data file",
            context_.base.manifest_key);
      } else {
        JsonlObjectReader reader([&](std::span<const JsonMember> members) {
          ++rows;
          Values values(layout.columns.size());
          for (const JsonMember& member : members) {
            auto found = layout.by_name.find(member.name);
            if (found == layout.by_name.end()) {
              broken("data file {}: a row has a member \"{}\" that is no column of the table",
                     file.key, member.name);
            }
            values[found->second] = jsonl_field(layout.columns[found->second], member.raw);
          }
          fold_->merge_base_row(to_output(values, layout), writer);
        });
        read_listed_file(
            context_.source, file, codec, reader, [&] { return rows; }, "data file",
            context_.base.manifest_key);
      }
    }
  }

  ordered_json manifest_entry(const exporter::FileResult& file) const {
    ordered_json entry;
    entry["schema"] = job_.schema;
    entry["name"] = job_.name;
    entry["kind"] = job_.kind;
    entry["directory"] = context_.delta
                             ? exporter::delta_attempt_directory(context_.run_id, context_.attempt,
                                                                 job_.schema, job_.name)
                             : exporter::attempt_prefix(context_.run_id, context_.attempt) +
                                   exporter::table_directory(job_.schema, job_.name) + "/";
    entry["columns"] = described_;
    if (job_.base && !job_.base->excluded_columns.is_null()) {
      entry["excluded_columns"] = job_.base->excluded_columns;
    }
    entry["key"] = {{"kind", key_kind_}, {"columns", key_columns_}};
    entry["rows"] = file.rows;
    entry["bytes"] = file.object.size;
    entry["files"] = ordered_json::array({{{"key", file.object.key},
                                           {"rows", file.rows},
                                           {"bytes", file.object.size},
                                           {"sha256", file.object.sha256_hex}}});
    return entry;
  }

  RunContext& context_;
  const TableJob& job_;
  std::string table_name_;
  std::vector<ColumnSpec> columns_;
  std::vector<ordered_json> described_;
  std::string key_kind_;
  std::vector<std::string> key_columns_;
  bool full_row_ = false;
  std::vector<size_t> key_positions_;
  std::unique_ptr<ChangeFold> fold_;
  exporter::FileResult file_;
  jsonl::ValueRenderer renderer_;
  std::optional<std::pair<Lsn, uint64_t>> last_position_;
  const std::string* current_file_ = nullptr;
};

// "2026-12-01 10:00:59.81234+00" (a _commit_time) -> the manifest's "2026-12-01T10:00:59.812Z".
std::optional<std::string> manifest_time_of_commit(std::string text) {
  if (text.size() < 20 || !text.ends_with("+00")) return std::nullopt;
  text.resize(text.size() - 3);
  text[10] = 'T';
  auto time = parse_utc_timestamp(text + "Z");
  if (!time) return std::nullopt;
  return format_utc_timestamp(*time);
}

// What this attempt wrote is removed when the run cannot be committed; never throws, since
// the error that brought us here is the one to report.
void withdraw_attempt(storage::Storage& output, const std::string& prefix) {
  CleanupWindow window(kCleanupBudget);
  try {
    output.remove_prefix(prefix);
  } catch (const std::exception& error) {
    log::warn("cleanup incomplete; the run has no manifest, so readers ignore what is left",
              {{"prefix", prefix}, {"error", error.what()}});
  }
}

}  // namespace

MaterializeSummary materialize(storage::Storage& source, storage::Storage& output,
                               const MaterializeConfig& config) {
  const auto started = std::chrono::system_clock::now();
  if (!exporter::is_valid_run_id(config.run_id)) {
    fail(ErrorKind::usage, "--run-id '{}' is not a run id (letters, digits, '_', '-' and '.')",
         config.run_id);
  }
  const BaseRun base = find_base(source);
  if (base.format != "csv" && base.format != "jsonl" && base.format != "parquet") {
    broken("manifest {} says format \"{}\"", base.manifest_key, base.format);
  }
  if (config.format && *config.format != base.format) {
    fail(ErrorKind::usage,
         "converting between formats is not supported yet: run {} and its changes are {}; leave "
         "out --format or give --format {}",
         base.run_id, base.format, base.format);
  }

  // A Delta base's run is a Delta run too: the same files, listed by the manifest and by each
  // table's Delta log, so plain readers lose nothing. A plain run from a Delta base would
  // become the base of later `cdc run`s, which would then stop appending to the change
  // tables; a Delta run from a plain base would make them start in the middle of the log.
  const bool delta = config.table_format ? *config.table_format == "delta" : base.delta();
  if (delta != base.delta()) {
    fail(ErrorKind::usage,
         "run {} is {}, so its materialized run is too: leave out --table-format or give "
         "--table-format {}{}",
         base.run_id, base.delta() ? "a Delta run (cdc init --table-format delta)" : "a plain run",
         base.delta() ? "delta" : "none",
         base.delta() ? "; the manifest of the new run lists its files for plain readers"
                      : "; for Delta tables, start capture with `pgexport cdc init "
                        "--table-format delta`");
  }

  const std::vector<LogEntry> entries = read_log(source);
  Lsn newest_logged = base.consistent_point;
  for (const LogEntry& entry : entries)
    newest_logged = std::max(newest_logged, entry.last_commit_lsn);
  const Lsn upto = config.lsn.value_or(newest_logged);
  if (upto < base.consistent_point) {
    fail(ErrorKind::usage,
         "--lsn {} is below the consistent point {} of run {}, the newest run to start from: "
         "give an LSN from {} on",
         upto.to_string(), base.consistent_point.to_string(), base.run_id,
         base.consistent_point.to_string());
  }
  if (upto > newest_logged) {
    fail(ErrorKind::usage,
         "--lsn {} is beyond the newest logged commit {}: the log holds no changes after it yet "
         "(run `pgexport cdc run` first, or give an LSN up to {})",
         upto.to_string(), newest_logged.to_string(), newest_logged.to_string());
  }

  // The entries holding changes in (consistent point, upto], and the tables in order: the
  // base's, then those that only the log has (created after the base).
  std::vector<const LogEntry*> applied;
  for (const LogEntry& entry : entries) {
    if (entry.last_commit_lsn <= base.consistent_point || entry.first_commit_lsn > upto) continue;
    const std::string key = log_entry_key(entry.sequence);
    if (entry.slot != base.slot) {
      broken(
          "commit log entry {} holds changes of slot \"{}\", but run {} starts slot \"{}\"; "
          "the log and the run do not belong together",
          key, entry.slot, base.run_id, base.slot);
    }
    if (entry.format != base.format) {
      fail(ErrorKind::usage,
           "converting between formats is not supported yet: run {} is {} but commit log entry {} "
           "lists {} change files",
           base.run_id, base.format, key, entry.format);
    }
    applied.push_back(&entry);
  }
  std::vector<TableJob> jobs;
  for (const BaseTable& table : base.tables) {
    TableJob job{table.schema, table.name, table.kind, &table, {}};
    jobs.push_back(std::move(job));
  }
  for (const LogEntry* entry : applied) {
    for (const LoggedTable& logged : entry->tables) {
      auto job = std::find_if(jobs.begin(), jobs.end(), [&](const TableJob& candidate) {
        return candidate.schema == logged.schema && candidate.name == logged.name;
      });
      if (job == jobs.end()) {
        jobs.push_back(TableJob{logged.schema, logged.name, "table", nullptr, {}});
        job = jobs.end() - 1;
      }
      job->records.push_back({entry, &logged});
    }
  }

  output.check_writable();
  exporter::check_run_is_new(output, config.run_id);
  // Parquet: the base run's page codec and type rules, the export's row groups.
  std::unique_ptr<format::Format> parquet;
  if (base.format == "parquet") {
    parquet =
        make_parquet_format_like(base.compression, base.format_options, config.compression_level,
                                 format::parquet::FileWriterOptions{}.row_group_bytes,
                                 base.manifest_key, {{"pgexport.run_id", config.run_id}});
  }
  RunContext context{source,
                     output,
                     base,
                     base.format == "csv"     ? FileFormat::csv
                     : base.format == "jsonl" ? FileFormat::jsonl
                                              : FileFormat::parquet,
                     base.consistent_point,
                     upto,
                     config.run_id,
                     exporter::new_attempt_token(),
                     config.compression_level,
                     base.format == "parquet" ? compress::StreamCodec::none
                                              : stream_codec(base.compression, base.manifest_key),
                     parquet.get(),
                     delta,
                     base.consistent_point,
                     {},
                     0};
  const std::string prefix = exporter::attempt_prefix(config.run_id, context.attempt);

  MaterializeSummary summary;
  summary.base_run_id = base.run_id;
  summary.run_id = config.run_id;
  summary.manifest_key = exporter::manifest_key(config.run_id);
  summary.consistent_point = base.consistent_point;
  summary.lsn = upto;
  if (!applied.empty()) {
    summary.first_sequence = applied.front()->sequence;
    summary.last_sequence = applied.back()->sequence;
  }

  ordered_json tables = ordered_json::array();
  // With delta: each table's file, for its Delta commit, and the directories a failure removes
  // (commit_delta_tables takes a committed table's out: a live version references its file).
  std::vector<pg::CatalogTable> delta_tables;
  std::vector<exporter::TableResult> delta_results;
  std::vector<std::string> withdraw;
  std::string manifest_text;
  std::string snapshot_at = base.snapshot_at;
  std::string finished_at;
  try {
    for (const TableJob& job : jobs) {
      throw_if_stop_requested();
      TableMaterializer materializer(context, job);
      if (delta) {
        withdraw.push_back(exporter::delta_attempt_directory(config.run_id, context.attempt,
                                                             job.schema, job.name));
      }
      ordered_json entry = materializer.run();
      if (delta) {
        pg::CatalogTable table;
        table.schema = materializer.output_schema();
        delta_tables.push_back(std::move(table));
        delta_results.push_back({materializer.file().rows, {materializer.file()}, {}, {}});
      }
      summary.rows += entry["rows"].get<uint64_t>();
      summary.bytes += entry["bytes"].get<uint64_t>();
      summary.files += 1;
      tables.push_back(std::move(entry));
    }
    summary.tables = jobs.size();
    summary.changes_applied = context.changes_applied;
    if (auto time = manifest_time_of_commit(context.newest_commit_time);
        time && *time > snapshot_at) {
      snapshot_at = *time;
    }
    if (delta) {
      exporter::commit_delta_tables(output, *parquet,
                                    exporter::DeltaRun{config.run_id, context.attempt, snapshot_at},
                                    delta_tables, delta_results, withdraw);
      for (size_t i = 0; i < delta_results.size(); ++i) {
        tables[i]["delta"] = {{"table", delta_results[i].delta_table},
                              {"version", *delta_results[i].delta_version}};
      }
    }

    ordered_json manifest;
    manifest["manifest_version"] = exporter::kManifestVersion;
    manifest["tool"] = {{"name", "pgexport"}, {"version", PGEXPORT_VERSION}};
    manifest["run_id"] = config.run_id;
    manifest["attempt"] = context.attempt;
    manifest["started_at"] = format_utc_timestamp(started);
    // The time of the newest change applied (the base's snapshot time when none was): the
    // moment the run's tables are as of, which orders it among runs and moves latest.json.
    manifest["snapshot_at"] = snapshot_at;
    finished_at = format_utc_timestamp(std::chrono::system_clock::now());
    manifest["finished_at"] = finished_at;
    manifest["format"] = base.format;
    manifest["compression"] = base.compression;
    if (!base.format_options.is_null()) manifest["format_options"] = base.format_options;
    manifest["source"] = base.source;
    if (!base.personal_data.is_null()) manifest["personal_data"] = base.personal_data;
    manifest["tables"] = std::move(tables);
    ordered_json cdc = base.cdc;
    cdc["consistent_point"] = upto.to_string();
    manifest["cdc"] = std::move(cdc);
    ordered_json sequences = nullptr;
    if (!applied.empty()) {
      sequences = {{"first", *summary.first_sequence}, {"last", *summary.last_sequence}};
    }
    manifest["materialized_from"] = {{"run_id", base.run_id}, {"log_sequences", sequences}};
    manifest_text = manifest.dump(2) + "\n";
  } catch (...) {
    withdraw_attempt(output, prefix);
    for (const std::string& directory : withdraw) withdraw_attempt(output, directory);
    throw;
  }

  exporter::ManifestOutcome outcome;
  try {
    outcome = exporter::create_manifest(output, config.run_id, manifest_text);
  } catch (const exporter::CommitUncertain&) {
    throw;  // the run may be committed: its files stay
  } catch (...) {
    withdraw_attempt(output, prefix);
    throw;
  }
  if (outcome == exporter::ManifestOutcome::already_exists) {
    withdraw_attempt(output, prefix);
    fail(ErrorKind::run_exists,
         "another process committed run '{}' in {} first; this attempt removed its own files",
         config.run_id, output.describe());
  }
  if (config.move_latest_pointer) {
    summary.latest_moved =
        exporter::publish_latest_pointer(output, config.run_id, snapshot_at, finished_at);
  }
  return summary;
}

}  // namespace pgexport::cdc
