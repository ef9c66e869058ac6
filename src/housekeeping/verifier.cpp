#include "housekeeping/verifier.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <numeric>
#include <set>
#include <sstream>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "compress/stream_decompressor.hpp"
#include "export/layout.hpp"
#include "format/parquet/footer_reader.hpp"
#include "housekeeping/record_counters.hpp"
#include "table/delta/delta_actions.hpp"

namespace pgexport::housekeeping {

namespace {

namespace parquet = format::parquet;

// How the rows of a run's files are counted, from the manifest's format and compression.
struct RowCounting {
  enum class Kind { csv, jsonl, parquet, unknown } kind = Kind::unknown;
  compress::StreamCodec codec = compress::StreamCodec::none;
  bool csv_header = true;
};

RowCounting row_counting_for(const Manifest& manifest) {
  RowCounting counting;
  counting.csv_header = manifest.csv_header;
  if (manifest.format == "parquet") {
    counting.kind = RowCounting::Kind::parquet;  // compressed page by page, inside the file
    return counting;
  }
  if (manifest.compression == "zstd") {
    counting.codec = compress::StreamCodec::zstd;
  } else if (manifest.compression == "gzip") {
    counting.codec = compress::StreamCodec::gzip;
  } else if (manifest.compression != "none") {
    return counting;
  }
  if (manifest.format == "csv") counting.kind = RowCounting::Kind::csv;
  if (manifest.format == "jsonl") counting.kind = RowCounting::Kind::jsonl;
  return counting;
}

// What one object turned out to be, read once.
struct ObjectFindings {
  uint64_t size = 0;
  std::string sha256_hex;
  std::optional<uint64_t> rows;  // absent when they could not be counted
  std::string unreadable;        // why the rows could not be counted
};

// Hashes and counts the bytes of one object as they stream past. A decoding failure is kept
// as a finding, not thrown, so that it never looks like a failure of the storage below.
class ObjectCheck final : public ByteSink {
 public:
  explicit ObjectCheck(RowCounting counting)
      : counting_(counting), tail_(kMaxParquetFooterBytes + parquet::kFooterTrailerBytes) {
    switch (counting_.kind) {
      case RowCounting::Kind::csv:
        decoder_ = compress::make_stream_decompressor(counting_.codec, csv_);
        break;
      case RowCounting::Kind::jsonl:
        decoder_ = compress::make_stream_decompressor(counting_.codec, lines_);
        break;
      default:
        break;
    }
  }

  void write(std::string_view bytes) override {
    hash_.update(bytes);
    size_ += bytes.size();
    if (!unreadable_.empty()) return;
    try {
      if (decoder_) decoder_->write(bytes);
      if (counting_.kind == RowCounting::Kind::parquet) tail_.write(bytes);
    } catch (const Error& error) {
      unreadable_ = error.what();
    }
  }

  ObjectFindings finish() {
    ObjectFindings findings;
    findings.size = size_;
    findings.sha256_hex = hex_encode(hash_.finish());
    if (unreadable_.empty()) {
      try {
        findings.rows = count_rows();
      } catch (const Error& error) {
        unreadable_ = error.what();
      }
    }
    findings.unreadable = unreadable_;
    return findings;
  }

 private:
  std::optional<uint64_t> count_rows() {
    switch (counting_.kind) {
      case RowCounting::Kind::csv: {
        decoder_->finish();
        if (csv_.inside_quotes()) fail(ErrorKind::data_error, "csv: it ends inside a quoted field");
        if (!counting_.csv_header) return csv_.records();
        // Every file starts with the header line.
        if (csv_.records() == 0) fail(ErrorKind::data_error, "csv: it has no header line");
        return csv_.records() - 1;
      }
      case RowCounting::Kind::jsonl:
        decoder_->finish();
        return lines_.lines();
      case RowCounting::Kind::parquet:
        return parquet_rows();
      case RowCounting::Kind::unknown:
        break;
    }
    return std::nullopt;
  }

  uint64_t parquet_rows() {
    if (tail_.head() != "PAR1") fail(ErrorKind::data_error, "parquet: it does not start with PAR1");
    std::string_view tail = tail_.tail();
    uint32_t length = parquet::footer_length(tail);
    if (length > kMaxParquetFooterBytes) {
      fail(ErrorKind::data_error, "parquet: its footer ({} bytes) is larger than verify reads ({})",
           length, kMaxParquetFooterBytes);
    }
    // The magic at the start, then the footer: a footer longer than that cannot be.
    if (uint64_t{length} + parquet::kFooterTrailerBytes + 4 > tail_.total()) {
      fail(ErrorKind::data_error, "parquet: the footer length {} exceeds the file", length);
    }
    auto counts = parquet::read_row_counts_from_tail(tail);
    int64_t in_groups =
        std::accumulate(counts.row_group_rows.begin(), counts.row_group_rows.end(), int64_t{0});
    if (counts.num_rows < 0 || in_groups != counts.num_rows) {
      fail(ErrorKind::data_error, "parquet: num_rows is {} but its row groups hold {}",
           counts.num_rows, in_groups);
    }
    return static_cast<uint64_t>(counts.num_rows);
  }

  RowCounting counting_;
  Sha256 hash_;
  uint64_t size_ = 0;
  CsvRecordCounter csv_;
  LineCounter lines_;
  TailKeeper tail_;
  std::unique_ptr<compress::StreamDecompressor> decoder_;
  std::string unreadable_;
};

std::string describe_counting(const Manifest& manifest) {
  return manifest.format == "parquet"
             ? "parquet"
             : fmt::format("{} ({})", manifest.format, manifest.compression);
}

}  // namespace

LatestPointer run_named_by_latest(storage::Storage& storage) {
  auto latest = read_latest(storage);
  if (!latest.present) {
    fail(ErrorKind::verification_failed,
         "{} has no {}: no run is committed there yet (name one with --run-id)", storage.describe(),
         exporter::kLatestKey);
  }
  if (!latest.pointer) {
    fail(ErrorKind::verification_failed, "{}/{}: {} (name the run to verify with --run-id)",
         storage.describe(), exporter::kLatestKey, latest.problem);
  }
  return *latest.pointer;
}

namespace {

// The Delta version a manifest records for a table must exist, name the run, and add exactly
// the files the manifest lists.
template <typename Problem>
void check_delta_version(storage::Storage& storage, const std::string& run_id,
                         const ManifestTable& table, Problem&& problem) {
  const std::string key = table::delta::log_entry_key(table.delta_table, *table.delta_version);
  auto text = storage.read(key);
  if (!text) {
    problem(key, fmt::format("is missing: the manifest says run {} committed Delta version {} of "
                             "{}.{}",
                             run_id, *table.delta_version, table.schema, table.name));
    return;
  }
  std::set<std::string> added;
  std::string named_run;
  try {
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      auto action = nlohmann::json::parse(line);
      if (auto add = action.find("add"); add != action.end()) {
        added.insert(add->at("path").get<std::string>());
      } else if (auto info = action.find("commitInfo"); info != action.end()) {
        named_run = info->value("pgexport", nlohmann::json::object()).value("runId", "");
      }
    }
  } catch (const nlohmann::json::exception& error) {
    problem(key, fmt::format("is not a Delta log entry: {}", error.what()));
    return;
  }
  std::set<std::string> listed;
  for (const auto& file : table.files) {
    if (!file.key.starts_with(table.delta_table)) {
      problem(file.key, fmt::format("lies outside its Delta table {}", table.delta_table));
      continue;
    }
    listed.insert(table::delta::escape_path(file.key.substr(table.delta_table.size())));
  }
  if (named_run != run_id) {
    problem(key, fmt::format("was committed by run '{}', not '{}'", named_run, run_id));
  }
  if (added != listed) {
    problem(key, fmt::format("adds {} files, the manifest lists {}, and they differ", added.size(),
                             listed.size()));
  }
}

}  // namespace

VerifyReport verify_run(storage::Storage& storage, const std::string& run_id,
                        std::optional<std::string> manifest_key) {
  VerifyReport report;
  report.run_id = run_id;
  report.manifest_key = manifest_key.value_or(exporter::manifest_key(run_id));
  auto problem = [&](const std::string& object, std::string what) {
    report.problems.push_back({object, std::move(what)});
  };

  if (!exporter::is_valid_run_id(run_id)) {
    problem(report.manifest_key, fmt::format("'{}' is not a run id", run_id));
    return report;
  }
  if (report.manifest_key != exporter::manifest_key(run_id)) {
    problem(std::string(exporter::kLatestKey),
            fmt::format("names manifest {} for run {}, whose manifest is {}", report.manifest_key,
                        run_id, exporter::manifest_key(run_id)));
  }
  auto bytes = storage.read(report.manifest_key);
  if (!bytes) {
    problem(report.manifest_key, "is missing: the run is not committed, or was removed");
    return report;
  }
  auto parsed = parse_manifest(*bytes);
  if (!parsed.manifest) {
    problem(report.manifest_key, "is not a valid manifest: " + parsed.problem);
    return report;
  }
  const Manifest& manifest = *parsed.manifest;
  if (manifest.run_id != run_id) {
    problem(report.manifest_key,
            fmt::format("names run '{}', but lies under run '{}'", manifest.run_id, run_id));
  }
  RowCounting counting = row_counting_for(manifest);
  if (counting.kind == RowCounting::Kind::unknown) {
    problem(report.manifest_key,
            fmt::format("format {} is not one this pgexport can count rows of; sizes and SHA-256 "
                        "are still checked",
                        describe_counting(manifest)));
  }

  for (const auto& table : manifest.tables) {
    uint64_t listed_rows = 0;
    for (const auto& file : table.files) {
      listed_rows += file.rows;
      ObjectCheck check(counting);
      ++report.objects_checked;
      if (!storage.read_into(file.key, check)) {
        problem(file.key, fmt::format("is missing (the manifest lists {} bytes, {} rows)",
                                      file.bytes, file.rows));
        continue;
      }
      ObjectFindings found = check.finish();
      report.bytes += found.size;
      std::vector<std::string> differences;
      if (found.size != file.bytes) {
        differences.push_back(
            fmt::format("size is {} bytes, the manifest says {}", found.size, file.bytes));
      }
      if (found.sha256_hex != file.sha256_hex) {
        differences.push_back(
            fmt::format("SHA-256 is {}, the manifest says {}", found.sha256_hex, file.sha256_hex));
      }
      if (found.rows) {
        report.rows += *found.rows;
        if (*found.rows != file.rows) {
          differences.push_back(
              fmt::format("holds {} rows, the manifest says {}", *found.rows, file.rows));
        }
      } else if (!found.unreadable.empty()) {
        differences.push_back(
            fmt::format("cannot be read as {}: {}", describe_counting(manifest), found.unreadable));
      }
      if (!differences.empty()) problem(file.key, fmt::format("{}", fmt::join(differences, "; ")));
    }
    if (table.delta_version) check_delta_version(storage, manifest.run_id, table, problem);
    if (listed_rows != table.rows) {
      problem(report.manifest_key, fmt::format("table {}.{} has {} rows, but its files list {}",
                                               table.schema, table.name, table.rows, listed_rows));
    }
  }
  return report;
}

}  // namespace pgexport::housekeeping
