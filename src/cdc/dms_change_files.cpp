#include "cdc/dms_change_files.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <exception>
#include <map>
#include <memory>

#include "cdc/change_format.hpp"
#include "cdc/change_rows.hpp"
#include "cdc/checked_read.hpp"
#include "cdc/layout.hpp"
#include "cdc/parquet_columns.hpp"
#include "cdc/run_format.hpp"
#include "cdc/stored_parquet.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "compress/stream_compressor.hpp"
#include "compress/stream_decompressor.hpp"
#include "export/dms_load.hpp"
#include "format/csv/csv_format.hpp"

namespace pgexport::cdc {

namespace {

// Where the table's columns start in a change row: after the metadata columns.
constexpr size_t kFirstColumn = std::size(kMetadataColumns);
constexpr size_t kOp = 0;
constexpr size_t kCommitTime = 2;
constexpr size_t kUnchanged = 5;
constexpr size_t kOldKey = 6;

constexpr int kProgressVersion = 1;

// A Parquet DMS change file writes a row group once it holds this many bytes, as change files
// do by default (cdc/change_format.hpp): one file is written at a time, so this is its memory.
constexpr uint64_t kParquetRowGroupBytes = 8ull << 20;

[[noreturn]] void broken(const std::string& key, std::string_view what) {
  fail(ErrorKind::verification_failed,
       "change file {} {}, so its DMS change file cannot be written; restore it (from the "
       "bucket's object versions or a backup), or run `pgexport cdc init` again",
       key, what);
}

compress::StreamCodec codec_of(const std::string& compression, uint64_t sequence) {
  if (compression == "none") return compress::StreamCodec::none;
  if (compression == "gzip") return compress::StreamCodec::gzip;
  fail(ErrorKind::usage,
       "commit log entry {} holds {} change files, which DMS change files (csv or csv.gz) "
       "cannot follow; the destination's change capture was not started with `cdc init "
       "--layout dms`",
       log_entry_key(sequence), compression);
}

std::tm utc_of_seconds(int64_t seconds) {
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  return parts;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

int64_t dms_name_ticks(SystemMicros time) {
  const int64_t micros = time.time_since_epoch().count();
  constexpr int64_t kMicrosPerTick = 1'000'000 / kDmsTicksPerSecond;
  // Rounded down, also before 1970, so a tick always holds the times it names.
  return micros >= 0 ? micros / kMicrosPerTick : -((-micros + kMicrosPerTick - 1) / kMicrosPerTick);
}

std::string dms_change_file_stem(int64_t ticks) {
  int64_t seconds = ticks / kDmsTicksPerSecond;
  int64_t fraction = ticks % kDmsTicksPerSecond;
  if (fraction < 0) {
    fraction += kDmsTicksPerSecond;
    --seconds;
  }
  const std::tm t = utc_of_seconds(seconds);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}{:04}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, fraction);
}

std::string dms_change_file_key(std::string_view schema, std::string_view table,
                                std::string_view stem, std::string_view extension) {
  return fmt::format("{}{}.{}", exporter::dms_table_folder(schema, table), stem, extension);
}

bool is_dms_change_file_key(std::string_view key) {
  const size_t table_end = key.rfind('/');
  if (table_end == std::string_view::npos) return false;
  const std::string_view folders = key.substr(0, table_end);
  const size_t schema_end = folders.find('/');
  // Exactly two non-empty folder segments: <schema>/<table>.
  if (schema_end == std::string_view::npos || schema_end == 0 || schema_end + 1 == folders.size() ||
      folders.find('/', schema_end + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view name = key.substr(table_end + 1);
  bool known_extension = false;
  for (std::string_view extension : {".csv", ".csv.gz", ".parquet"}) {
    if (name.size() > extension.size() && name.ends_with(extension)) {
      name.remove_suffix(extension.size());
      known_extension = true;
      break;
    }
  }
  return known_extension && name.size() == 19 && name[8] == '-' && all_digits(name.substr(0, 8)) &&
         all_digits(name.substr(9));
}

std::string serialize_dms_progress(const DmsPublishProgress& progress) {
  nlohmann::ordered_json json = {{"version", kProgressVersion},
                                 {"sequence", progress.sequence},
                                 {"last_name", dms_change_file_stem(progress.last_ticks)},
                                 {"last_ticks", progress.last_ticks}};
  return json.dump(2) + "\n";
}

DmsPublishProgress parse_dms_progress(std::string_view text, const std::string& key) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  const auto bad = [&](std::string_view what) {
    fail(ErrorKind::storage_error,
         "{} is not what pgexport writes there ({}); remove it: the next `cdc run` derives it "
         "again from the commit log",
         key, what);
  };
  if (json.is_discarded() || !json.is_object()) bad("not a JSON object");
  if (json.value("version", 0) != kProgressVersion) bad("unknown version");
  auto sequence = json.find("sequence");
  auto ticks = json.find("last_ticks");
  if (sequence == json.end() || !sequence->is_number_unsigned()) bad("no sequence");
  if (ticks == json.end() || !ticks->is_number_integer()) bad("no last_ticks");
  return {sequence->get<uint64_t>(), ticks->get<int64_t>()};
}

std::vector<int64_t> dms_entry_ticks(const LogEntry& entry, int64_t previous_ticks) {
  const int64_t first = std::max(dms_name_ticks(entry.last_commit_time), previous_ticks + 1);
  std::map<std::pair<std::string, std::string>, int64_t> seen;  // versions so far per table
  std::vector<int64_t> ticks;
  for (const LoggedTable& table : entry.tables) {
    ticks.push_back(first + seen[{table.schema, table.name}]++);
  }
  return ticks;
}

std::string dms_timestamp_of_commit_text(std::string_view text) {
  // "YYYY-MM-DD HH:MM:SS[.f{1,6}]+00", as cdc::pg_timestamptz_text() writes it.
  const auto bad = [&] {
    fail(ErrorKind::data_error,
         "a change row's _commit_time is not a UTC timestamp as pgexport writes it");
  };
  if (!text.ends_with("+00") || text.size() < 22) bad();
  std::string_view stamp = text.substr(0, text.size() - 3);
  std::string_view seconds = stamp.substr(0, 19);
  if (seconds[4] != '-' || seconds[7] != '-' || seconds[10] != ' ' || seconds[13] != ':' ||
      seconds[16] != ':' || !all_digits(seconds.substr(0, 4)) ||
      !all_digits(seconds.substr(17, 2))) {
    bad();
  }
  std::string fraction;
  if (stamp.size() > 19) {
    if (stamp[19] != '.') bad();
    fraction = std::string(stamp.substr(20));
    if (fraction.size() > 6 || !all_digits(fraction)) bad();
  }
  fraction.resize(6, '0');
  return fmt::format("{}.{}", seconds, fraction);
}

// ---- rows -----------------------------------------------------------------------------------

DmsRowMapper::DmsRowMapper(const LoggedTable& table, bool timestamp_column)
    : table_name_(table.schema + "." + table.name), timestamp_column_(timestamp_column) {
  for (const LoggedColumn& column : table.columns) columns_.push_back(column.name);
  if (table.key_kind == KeyKind::full_row) {
    for (size_t i = 0; i < columns_.size(); ++i) key_positions_.push_back(i);
  } else {
    for (const std::string& name : table.key_columns) {
      auto found = std::find(columns_.begin(), columns_.end(), name);
      if (found == columns_.end()) {
        fail(ErrorKind::data_error, "table {}: key column \"{}\" is not among its columns",
             table_name_, name);
      }
      key_positions_.push_back(static_cast<size_t>(found - columns_.begin()));
    }
  }
  old_.resize(columns_.size());
  out_.resize(width());
}

size_t DmsRowMapper::width() const {
  return columns_.size() + (timestamp_column_ ? 2 : 1);
}

std::vector<std::string> DmsRowMapper::change_columns() const {
  std::vector<std::string> names(std::begin(kMetadataColumns), std::end(kMetadataColumns));
  names.insert(names.end(), columns_.begin(), columns_.end());
  return names;
}

void DmsRowMapper::map(std::span<const FieldText> fields, const std::function<void(Row)>& emit) {
  if (fields.size() != kFirstColumn + columns_.size()) {
    fail(ErrorKind::data_error, "table {}: a change row has {} fields, its change table {}",
         table_name_, fields.size(), kFirstColumn + columns_.size());
  }
  if (!fields[kOp] || fields[kOp]->size() != 1 || !fields[kCommitTime]) {
    fail(ErrorKind::data_error, "table {}: a change row has no _op or _commit_time", table_name_);
  }
  const char op = fields[kOp]->front();
  const std::string timestamp =
      timestamp_column_ ? dms_timestamp_of_commit_text(*fields[kCommitTime]) : std::string();
  const size_t first = timestamp_column_ ? 2 : 1;
  const auto start = [&](std::string_view dms_op) {
    out_[0] = dms_op;
    if (timestamp_column_) out_[1] = timestamp;
  };
  const auto view = [](const FieldText& field) -> std::optional<std::string_view> {
    if (!field) return std::nullopt;
    return std::string_view(*field);
  };

  switch (op) {
    case 'I':
    case 'D':
      start(op == 'I' ? "I" : "D");
      for (size_t i = 0; i < columns_.size(); ++i) out_[first + i] = view(fields[kFirstColumn + i]);
      emit(out_);
      return;
    case 'T':
      start("T");
      for (size_t i = 0; i < columns_.size(); ++i) out_[first + i] = std::nullopt;
      emit(out_);
      return;
    case 'U':
      break;
    default:
      fail(ErrorKind::data_error, "table {}: a change row has _op '{}', not I, U, D or T",
           table_name_, op);
  }

  // An update: the old row it carries (the old key, or the whole old row under REPLICA
  // IDENTITY FULL), by column.
  std::vector<bool> has_old(columns_.size(), false);
  const bool carries_old = fields[kOldKey].has_value();
  if (carries_old) {
    const nlohmann::json old = nlohmann::json::parse(*fields[kOldKey], nullptr, false);
    if (old.is_discarded() || !old.is_object()) {
      fail(ErrorKind::data_error, "table {}: an update's _old_key is not a JSON object",
           table_name_);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      auto found = old.find(columns_[i]);
      if (found == old.end()) continue;
      has_old[i] = true;
      old_[i] = found->is_null() ? std::nullopt : std::optional(found->get<std::string>());
    }
  }
  // The new row, with each unchanged (unsent) value taken from the old row.
  std::vector<std::optional<std::string_view>> values(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) values[i] = view(fields[kFirstColumn + i]);
  if (fields[kUnchanged]) {
    for (const std::string& name : parse_pg_text_array(*fields[kUnchanged])) {
      auto found = std::find(columns_.begin(), columns_.end(), name);
      if (found == columns_.end()) {
        fail(ErrorKind::data_error, "table {}: _unchanged names \"{}\", not one of its columns",
             table_name_, name);
      }
      const size_t i = static_cast<size_t>(found - columns_.begin());
      if (!has_old[i]) {
        fail(ErrorKind::data_error,
             "table {}, column \"{}\": an update left this TOASTed value unchanged and the "
             "change stream does not carry it (the table's REPLICA IDENTITY is not FULL), so "
             "its DMS change file would have to write NULL for a value that is not NULL. Set "
             "REPLICA IDENTITY FULL on the table (`cdc init --layout dms` does that with "
             "--replica-identity-full); the changes are in pgexport's change files under "
             "changes/ and can be read with `pgexport materialize`",
             table_name_, name);
      }
      values[i] = old_[i] ? std::optional<std::string_view>(*old_[i]) : std::nullopt;
    }
  }
  bool key_changed = false;
  if (carries_old) {
    for (size_t position : key_positions_) {
      if (!has_old[position]) continue;
      const std::optional<std::string_view> old =
          old_[position] ? std::optional<std::string_view>(*old_[position]) : std::nullopt;
      if (old != values[position]) key_changed = true;
    }
  }
  if (key_changed) {
    // DMS would write a U that a reader applies to the new key only, leaving the old row
    // behind: the old row goes first, then the new one comes.
    start("D");
    for (size_t i = 0; i < columns_.size(); ++i) {
      out_[first + i] =
          has_old[i] && old_[i] ? std::optional<std::string_view>(*old_[i]) : std::nullopt;
    }
    emit(out_);
    start("I");
  } else {
    start("U");
  }
  for (size_t i = 0; i < columns_.size(); ++i) out_[first + i] = values[i];
  emit(out_);
}

// ---- publishing -----------------------------------------------------------------------------

DmsChangePublisher::DmsChangePublisher(storage::Storage& storage, const BaseRun& base)
    : storage_(storage), base_(base) {
  if (base.layout != "dms" || (base.format != "csv" && base.format != "parquet")) {
    fail(ErrorKind::usage,
         "base run {} is in the {} layout as {}; DMS change files follow a CSV or Parquet base "
         "run made with `cdc init --layout dms`",
         base.run_id, base.layout, base.format);
  }
}

void DmsChangePublisher::catch_up(CommitLog& log, const std::optional<LogEntry>& newest) {
  if (!newest) return;
  if (!progress_) {
    auto text = storage_.read(std::string(kDmsChangesProgressKey));
    progress_ = text ? parse_dms_progress(*text, std::string(kDmsChangesProgressKey))
                     : DmsPublishProgress{};
    saved_sequence_ = progress_->sequence;
  }
  if (newest->sequence <= progress_->sequence) return;
  const uint64_t from = progress_->sequence + 1;
  if (from < newest->sequence) {
    log::info("publishing DMS change files of logged entries",
              {log::field("first_sequence", from), log::field("last_sequence", newest->sequence)});
  }
  for (uint64_t sequence = from; sequence <= newest->sequence; ++sequence) {
    publish(sequence == newest->sequence ? *newest : log.entry(sequence));
  }
  // Position-only entries at the end moved the sequence without a file.
  if (saved_sequence_ != progress_->sequence) save_progress();
}

void DmsChangePublisher::publish(const LogEntry& entry) {
  if (entry.position_only()) {
    progress_->sequence = entry.sequence;
    return;
  }
  const std::vector<int64_t> ticks = dms_entry_ticks(entry, progress_->last_ticks);
  for (size_t i = 0; i < entry.tables.size(); ++i) {
    publish_table(entry, entry.tables[i], ticks[i]);
  }
  progress_->sequence = entry.sequence;
  progress_->last_ticks = *std::max_element(ticks.begin(), ticks.end());
  // Saved per entry, so a long catch-up that fails half way does not start over.
  save_progress();
}

void DmsChangePublisher::publish_table(const LogEntry& entry, const LoggedTable& table,
                                       int64_t ticks) {
  if (table.files.empty()) return;
  const bool parquet = base_.format == "parquet";
  // Parquet compresses its pages (the entry's compression is their codec); CSV whole files.
  const compress::StreamCodec codec =
      parquet ? compress::StreamCodec::none : codec_of(entry.compression, entry.sequence);
  const std::string key = dms_change_file_key(
      table.schema, table.name, dms_change_file_stem(ticks),
      parquet ? std::string("parquet") : "csv" + compress::stream_codec_suffix(codec));
  // Published before (the process stopped after writing it and before its progress was
  // saved): the same key holds the same rows, since both come from the entry alone.
  if (storage_.stat(key)) {
    log::debug("DMS change file exists already", {{"object", key}});
    return;
  }
  DmsRowMapper mapper(table, base_.dms_timestamp_column.has_value());
  const pg::TableSchema shape = dms_file_shape(table);
  std::unique_ptr<format::Format> output_format;
  if (parquet) {
    output_format = make_parquet_format_like(base_.compression, base_.format_options, std::nullopt,
                                             kParquetRowGroupBytes, base_.manifest_key,
                                             {{"pgexport.base_run_id", base_.run_id}});
  } else {
    output_format = std::make_unique<format::CsvFormat>(format::CsvDialect::dms());
  }
  auto object = storage_.create(key);
  std::unique_ptr<compress::StreamCompressor> compressor;
  ByteSink* sink = object.get();
  if (!parquet) {
    compressor = compress::make_stream_compressor(codec, std::nullopt, *object);
    sink = compressor.get();
  }
  auto encoder = output_format->make_encoder(shape);
  auto row_writer = output_format->make_text_row_writer(shape);
  encoder->start(*sink);
  const std::vector<std::string> header = mapper.change_columns();
  const auto is_header = [&](std::span<const FieldText> fields) {
    return fields.size() == header.size() &&
           std::equal(header.begin(), header.end(), fields.begin(),
                      [](const std::string& name, const FieldText& field) {
                        return field && *field == name;
                      });
  };
  uint64_t written = 0;
  for (const LoggedFile& file : table.files) {
    uint64_t rows = 0;
    const auto on_row = [&](std::span<const FieldText> fields) {
      ++rows;
      mapper.map(fields, [&](DmsRowMapper::Row row) {
        encoder->write_row(row_writer->build(row));
        ++written;
      });
    };
    if (parquet) {
      read_parquet_change_file(entry, file, is_header, on_row);
    } else {
      read_csv_change_file(entry, file, codec, is_header, on_row);
    }
    if (rows != file.rows) {
      broken(file.key, fmt::format("holds {} rows, {} lists {}", rows,
                                   log_entry_key(entry.sequence), file.rows));
    }
  }
  encoder->finish();
  if (compressor) compressor->finish();
  const storage::ObjectInfo info = object->commit();
  ++files_written_;
  log::debug("DMS change file written", {{"object", info.key},
                                         log::field("rows", written),
                                         log::field("bytes", info.size),
                                         log::field("sequence", entry.sequence)});
}

pg::TableSchema DmsChangePublisher::dms_file_shape(const LoggedTable& table) const {
  pg::TableSchema shape;
  shape.schema = table.schema;
  shape.name = table.name;
  shape.columns.push_back(exporter::dms_text_column("Op"));
  if (base_.dms_timestamp_column) {
    shape.columns.push_back(exporter::dms_text_column(*base_.dms_timestamp_column));
  }
  const BaseTable* base_table = base_.find(table.schema, table.name);
  for (const LoggedColumn& logged : table.columns) {
    pg::Column column;
    column.name = logged.name;
    column.attnum = static_cast<int>(shape.columns.size() + 1);
    // Parquet types each column as the base run's files do (its manifest's description);
    // CSV writes texts, whatever the type.
    nlohmann::json described;
    if (base_table) {
      for (size_t i = 0; i < base_table->columns.size(); ++i) {
        if (base_table->columns[i] == logged) described = base_table->column_outputs[i];
      }
    }
    column.type = parquet_column_type(logged.pg_type, described);
    shape.columns.push_back(std::move(column));
  }
  if (base_table) apply_base_fallbacks(*base_table, shape);
  return shape;
}

void DmsChangePublisher::read_csv_change_file(
    const LogEntry& entry, const LoggedFile& file, compress::StreamCodec codec,
    const std::function<bool(std::span<const FieldText>)>& is_header,
    const std::function<void(std::span<const FieldText>)>& on_row) {
  bool at_header = true;
  CsvRecordReader reader([&](std::span<const FieldText> fields) {
    if (at_header) {
      at_header = false;
      if (!is_header(fields)) broken(file.key, "does not start with its change table's header");
      return;
    }
    on_row(fields);
  });
  auto decompressor = compress::make_stream_decompressor(codec, reader);
  CheckedRead checked(*decompressor);
  if (!storage_.read_into(file.key, checked)) {
    broken(file.key, fmt::format("is listed in {} but missing", log_entry_key(entry.sequence)));
  }
  if (checked.size() != file.bytes || checked.sha256() != file.sha256) {
    broken(file.key, fmt::format("does not have the size and SHA-256 that {} lists",
                                 log_entry_key(entry.sequence)));
  }
  if (checked.failure()) std::rethrow_exception(checked.failure());
  decompressor->finish();
  reader.finish();
  if (at_header) broken(file.key, "has no header line");
}

void DmsChangePublisher::read_parquet_change_file(
    const LogEntry& entry, const LoggedFile& file,
    const std::function<bool(std::span<const FieldText>)>& is_header,
    const std::function<void(std::span<const FieldText>)>& on_row) {
  auto stored = StoredParquetFile::scan(storage_, file.key);
  if (!stored) {
    broken(file.key, fmt::format("is listed in {} but missing", log_entry_key(entry.sequence)));
  }
  if (stored->size() != file.bytes || stored->sha256() != file.sha256) {
    broken(file.key, fmt::format("does not have the size and SHA-256 that {} lists",
                                 log_entry_key(entry.sequence)));
  }
  stored->read_rows(
      storage_,
      [&](const format::parquet::ParquetTextReader& reader) {
        const std::vector<FieldText> names(reader.column_names().begin(),
                                           reader.column_names().end());
        if (!is_header(names)) broken(file.key, "does not have its change table's columns");
      },
      [&](format::parquet::ParquetTextReader::Row row) { on_row(row); });
}

void DmsChangePublisher::save_progress() {
  auto object = storage_.create(std::string(kDmsChangesProgressKey));
  object->write(serialize_dms_progress(*progress_));
  object->commit();
  saved_sequence_ = progress_->sequence;
}

}  // namespace pgexport::cdc
