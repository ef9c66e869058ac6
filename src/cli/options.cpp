#include "cli/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>

#include "common/error.hpp"

namespace pgexport::cli {

namespace {

std::string describe_source(std::string_view name) {
  return fmt::format("--{} (or {})", name, environment_name(name));
}

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

const std::vector<OptionSpec>& destination_options() {
  static const std::vector<OptionSpec> specs = {
      {"destination", OptionType::text, "",
       "the export destination: a directory, or s3://bucket/prefix"},
      {"s3-endpoint", OptionType::text, "",
       "S3 endpoint URL for S3-compatible servers (also AWS_ENDPOINT_URL)"},
      {"s3-region", OptionType::text, "", "bucket region (default: AWS_REGION / profile)"},
      {"s3-path-style", OptionType::flag, "false", "address buckets as https://host/bucket/key"},
      {"s3-fips", OptionType::flag, "false", "use FIPS 140 endpoints (s3-fips.<region>...)"},
      {"sse", OptionType::choice, "", "server-side encryption", {"AES256", "aws:kms"}},
      {"sse-kms-key-id", OptionType::text, "", "KMS key id or ARN for --sse aws:kms"},
      {"acl",
       OptionType::choice,
       "",
       "canned ACL for every object",
       {"bucket-owner-full-control", "private"}},
      {"expected-bucket-owner", OptionType::text, "",
       "AWS account id that must own the bucket (sent with every request)"},
      {"storage-class", OptionType::text, "", "S3 storage class, e.g. STANDARD_IA"},
      {"assume-role", OptionType::text, "", "IAM role ARN to assume for the bucket"},
      {"assume-role-external-id",
       OptionType::text,
       "",
       "external id for --assume-role",
       {},
       0,
       INT64_MAX,
       true},
      {"ca-bundle", OptionType::text, "", "CA certificates file for TLS to S3"},
      {"s3-unsigned-payload", OptionType::flag, "false",
       "send data as UNSIGNED-PAYLOAD over plain http:// endpoints too (over TLS it always may) "
       "where the store verifies CRC32C checksums: one SHA-256 pass less, but the signature no "
       "longer covers the bytes"},
      // At least 5MiB: S3 refuses a multipart upload whose parts (but the last) are smaller.
      {"part-size",
       OptionType::size,
       "8MiB",
       "first multipart part size; grows so 10,000 parts always suffice",
       {},
       5 << 20},
  };
  return specs;
}

const std::vector<OptionSpec>& logging_options() {
  static const std::vector<OptionSpec> specs = {
      {"log-format",
       OptionType::choice,
       "auto",
       "log lines on stderr: readable text, or JSON lines for CloudWatch Logs Insights; auto: "
       "text when stderr is a terminal, json otherwise",
       {"auto", "text", "json"}},
      {"log-level",
       OptionType::choice,
       "info",
       "least severe level logged",
       {"debug", "info", "warn", "error"}},
  };
  return specs;
}

const std::vector<OptionSpec>& database_options() {
  static const std::vector<OptionSpec> specs = {
      {"source",
       OptionType::text,
       "",
       "PostgreSQL connection string or URI; empty uses libpq's PG* environment variables; "
       "without an sslmode (here or in PGSSLMODE) TCP sessions use sslmode=verify-full",
       {},
       0,
       INT64_MAX,
       true},
      {"password-file", OptionType::text, "",
       "file holding the database password (a mounted secret), read once at start; one "
       "trailing newline is ignored. Used instead of PGPASSWORD and ~/.pgpass; --source must "
       "then hold no password"},
      {"rds-iam", OptionType::flag, "false",
       "log in to RDS with an IAM token instead of a password: a fresh token (valid 15 "
       "minutes) for every session, signed with the AWS credentials chain (the ECS task role); "
       "host, port and user come from --source or PGHOST/PGPORT/PGUSER; needs sslmode require "
       "or stricter (the default becomes require, or verify-full with sslrootcert); not with "
       "--password-file or a password in --source"},
      {"rds-region", OptionType::text, "",
       "region the --rds-iam token is signed for (default: from the RDS host name, else "
       "AWS_REGION / profile)"},
  };
  return specs;
}

const OptionSpec& hash_key_file_option() {
  static const OptionSpec spec = {
      "hash-key-file", OptionType::text, "",
      "file holding the key of --hash-columns (a mounted secret), read once at start; one "
      "trailing newline is ignored; at least 16 bytes. Instead of PGEXPORT_HASH_KEY"};
  return spec;
}

const std::vector<OptionSpec>& personal_data_options() {
  static const std::vector<OptionSpec> specs = {
      {"exclude-columns", OptionType::list, "",
       "leave out columns matching these schema.table.column globs: they are never read from "
       "the database"},
      {"hash-columns", OptionType::list, "",
       "replace the values of columns matching these schema.table.column globs by the "
       "lowercase hex HMAC-SHA-256 of their text (col::text) under the hash key; NULL stays "
       "NULL, and the same value gives the same hash in every run"},
      hash_key_file_option(),
  };
  return specs;
}

std::vector<OptionSpec> with_shared_options(std::vector<OptionSpec> command_options) {
  for (const auto* group : {&destination_options(), &logging_options()}) {
    command_options.insert(command_options.end(), group->begin(), group->end());
  }
  return command_options;
}

std::vector<OptionSpec> with_database_options(std::vector<OptionSpec> command_options) {
  command_options.insert(command_options.begin(), database_options().begin(),
                         database_options().end());
  return with_shared_options(std::move(command_options));
}

const std::vector<OptionSpec>& export_options() {
  // Defaults are chosen for an ECS task exporting a production database: see "Defaults" in
  // docs/operations.md for the reasoning behind each.
  static const std::vector<OptionSpec> specs = with_database_options({
      {"format", OptionType::choice, "csv", "dataset format", {"csv", "jsonl", "parquet"}},
      {"table-format",
       OptionType::choice,
       "none",
       "none: plain runs under runs/; delta: also make each table a Delta table under "
       "tables/<schema>.<table>/ with one new version per run (needs --format parquet and the "
       "portable profile; docs/delta.md)",
       {"none", "delta"}},
      {"compression",
       OptionType::choice,
       "",
       "compression: of whole files for csv/jsonl, of pages for parquet (snappy: parquet only); "
       "default zstd, and with --layout dms none for csv (DMS's CompressionType NONE)",
       {"zstd", "gzip", "snappy", "none"}},
      {"layout",
       OptionType::choice,
       "runs",
       "where data files go: runs (under runs/<run-id>/, hidden until the manifest commits "
       "them) or dms (<schema>/<table>/LOAD00000001.csv, as an AWS DMS S3 target writes them: "
       "docs/dms.md)",
       {"runs", "dms"}},
      {"dms-timestamp-column", OptionType::text, "",
       "with --layout dms: add a first column of this name holding the snapshot's time (in "
       "cdc change files, after Op, the commit time), yyyy-MM-dd HH:mm:ss.SSSSSS in UTC "
       "(DMS's TimestampColumnName)"},
      {"compression-level",
       OptionType::integer,
       "",
       "codec level; default is the codec's fast setting (zstd 1, gzip 1); gzip 1-3 use ISA-L's "
       "igzip, 0 and 4-9 zlib",
       {},
       -7,
       22},
      {"jobs",
       OptionType::integer,
       "2",
       "parallel database connections reading the snapshot",
       {},
       1,
       64},
      {"include", OptionType::list, "",
       "only tables matching these schema.table globs (repeatable; comma-separated in env)"},
      {"exclude", OptionType::list, "", "skip tables matching these schema.table globs"},
      personal_data_options()[0],
      personal_data_options()[1],
      personal_data_options()[2],
      {"run-id", OptionType::text, "",
       "name of this run under runs/; default: the UTC start time, e.g. 20261124T203543Z"},
      // At least one 8KiB page: ranges are made of whole pages.
      {"chunk-size",
       OptionType::size,
       "256MiB",
       "the largest ctid range one task reads: larger tables are split into ranges the workers "
       "share; with several jobs the ranges shrink to about a quarter of one job's share of the "
       "data (at least 32MiB) so the jobs finish together",
       {},
       8 << 10},
      {"max-file-size", OptionType::size, "0",
       "start a new file once one reaches this size (0: one file per table chunk)"},
      {"row-group-size",
       OptionType::integer,
       "1000000",
       "parquet: rows per row group at most",
       {},
       1,
       INT64_MAX},
      {"row-group-bytes", OptionType::size, "",
       "parquet: bytes per row group at most; default: the jobs' equal parts of half of "
       "--memory-limit, at most 64MiB; a row group closes early when that half has no room"},
      {"parquet-profile",
       OptionType::choice,
       "portable",
       "parquet: the readers the files are for; portable: every engine (Spark, Trino/Athena, "
       "Redshift Spectrum, Snowflake), uuid and time as text; exact: UUID, TIME, ENUM and JSON "
       "types, for DuckDB, Arrow and pandas",
       {"portable", "exact"}},
      {"parquet-numeric-as-text", OptionType::flag, "false",
       "parquet: write numeric(p,s) as exact text, for columns that hold NaN"},
      {"parquet-arrays-as-text", OptionType::flag, "false",
       "parquet: write arrays as PostgreSQL text, for multi-dimensional arrays or lower bounds"},
      {"parquet-timestamps-as-text", OptionType::flag, "false",
       "parquet: write timestamps as text, for values beyond the year 294246"},
      {"strict-types", OptionType::flag, "false",
       "parquet: end the export (exit 12) at a value its column's type cannot hold exactly "
       "(numeric NaN, a timestamp past 294247, a 2-D array) instead of writing that column of "
       "that table as PostgreSQL text"},
      {"memory-limit", OptionType::size, "512MiB",
       "upper bound for the buffers of all workers together: compression contexts, parquet "
       "pages and row groups (half of it for parquet), and upload parts (the rest)"},
      {"lock-timeout",
       OptionType::integer,
       "60",
       "seconds to wait for ACCESS SHARE locks on the tables before giving up",
       {},
       1,
       86400},
      {"spool", OptionType::text, "",
       "spool directory (an EFS mount): write files there first, then upload; resumable"},
      // 25 s: ECS's default stopTimeout is 30 s between SIGTERM and SIGKILL.
      {"cleanup-timeout", OptionType::duration, "25s",
       "after a failure or SIGTERM, how long removing the run's partial objects may take"},
      // 30 s: a long run shows it is alive within half a minute, and a day-long export writes
      // under 3,000 progress lines.
      {"progress-interval", OptionType::duration, "30s",
       "without a terminal (or with --log-format json), log a \"progress\" event this often "
       "(0: none); on a terminal with text logs a live display is drawn instead"},
      {"metrics",
       OptionType::choice,
       "none",
       "with emf, also write CloudWatch Embedded Metric Format lines on stderr (rows, bytes, "
       "seconds) after each table and for the run",
       {"none", "emf"}},
  });
  return specs;
}

const std::vector<OptionSpec>& lambda_options() {
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> specs;
    // No spool: a Lambda function has no lasting disk to resume from (/tmp is gone with the
    // execution environment), and a resumed upload would outlive the invocation anyway.
    std::copy_if(export_options().begin(), export_options().end(), std::back_inserter(specs),
                 [](const OptionSpec& spec) { return spec.name != "spool"; });
    specs.insert(
        specs.end(),
        {// 50 MB/s: a third of what one job reached to S3 in bench/results.md (145-150 MB/s
         // for csv and parquet, 73 for jsonl+gzip), for a function with less CPU and a database
         // across the network.
         {"lambda-rate", OptionType::size, "50MB",
          "lambda: bytes per second one job is assumed to export, to estimate from the "
          "catalog's table sizes whether an export fits before the invocation's deadline"},
         // 10 s: the answer must reach the Runtime API before Lambda freezes the environment
         // at the deadline; the pool notices a stop within 100 ms, a cleanup request ends at
         // the cleanup deadline, and the rest is room for a loaded function.
         {"lambda-margin", OptionType::duration, "10s",
          "lambda: time kept free before the deadline besides --cleanup-timeout; the export "
          "is stopped at deadline - cleanup timeout - margin"}});
    return specs;
  }();
  return specs;
}

const std::vector<OptionSpec>& slot_options() {
  static const std::vector<OptionSpec> specs = {
      {"slot", OptionType::text, "pgexport",
       "logical replication slot (pgoutput) that holds the changes not yet shipped"},
  };
  return specs;
}

namespace {

std::vector<OptionSpec> with_slot_options(std::vector<OptionSpec> command_options) {
  command_options.insert(command_options.begin(), slot_options().begin(), slot_options().end());
  return command_options;
}

// cdc run and cdc status take the publication from the base run's manifest (what cdc init
// created), so only the commands that create or drop one name it.
std::vector<OptionSpec> with_slot_and_publication_options(std::vector<OptionSpec> command_options) {
  command_options.insert(command_options.begin(), {"publication", OptionType::text, "pgexport",
                                                   "publication naming the captured tables"});
  return with_slot_options(std::move(command_options));
}

}  // namespace

const std::vector<OptionSpec>& cdc_init_options() {
  static const std::vector<OptionSpec> specs = [] {
    auto specs = with_slot_and_publication_options(export_options());
    specs.push_back({"replica-identity-full", OptionType::flag, "false",
                     "set REPLICA IDENTITY FULL on captured tables that have no usable replica "
                     "identity, and with --layout dms on those whose TOASTed values an update "
                     "could leave unsent (otherwise cdc init refuses them)"});
    return specs;
  }();
  return specs;
}

const std::vector<OptionSpec>& cdc_run_options() {
  static const std::vector<OptionSpec> specs = with_slot_options(with_database_options({
      {"until-caught-up", OptionType::flag, "false",
       "ship the changes up to the server's WAL position at start, then exit (scheduled tasks)"},
      {"follow", OptionType::flag, "false",
       "run as a service until SIGTERM, then finish the open batch cleanly"},
      // 60 s: a warehouse that loads every few minutes sees changes within one load.
      {"batch-interval", OptionType::duration, "60s",
       "close a batch (at a transaction boundary) after this long"},
      {"batch-size", OptionType::size, "64MiB",
       "close a batch (at a transaction boundary) once its files hold this much"},
      {"max-duration", OptionType::duration, "0",
       "stop (cleanly, after a batch) after this long; 0: no limit"},
      {"max-retained-wal", OptionType::size, "0",
       "warn when the slot retains more WAL than this, fail past twice it; 0: no limit"},
      {"heartbeat", OptionType::duration, "0",
       "with --follow, emit a logical message this often so an idle database still advances "
       "the slot; 0: off"},
      {"memory-limit", OptionType::size, "512MiB",
       "upper bound for the buffers of all change files together"},
      hash_key_file_option(),
      // 25 s: ECS's default stopTimeout is 30 s between SIGTERM and SIGKILL.
      {"cleanup-timeout", OptionType::duration, "25s",
       "after SIGTERM in --follow, how long finishing the open batch may take; after a "
       "failure, how long removing its files may take"},
  }));
  return specs;
}

const std::vector<OptionSpec>& cdc_status_options() {
  static const std::vector<OptionSpec> specs = with_slot_options(with_database_options({
      {"json", OptionType::flag, "false", "print the status as one JSON document on stdout"},
  }));
  return specs;
}

const std::vector<OptionSpec>& cdc_drop_options() {
  // No destination: dropping touches only the database.
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> specs = database_options();
    specs.insert(specs.end(), logging_options().begin(), logging_options().end());
    return with_slot_and_publication_options(std::move(specs));
  }();
  return specs;
}

const std::vector<OptionSpec>& ls_options() {
  static const std::vector<OptionSpec> specs = with_shared_options({
      {"json", OptionType::flag, "false", "print the runs as one JSON document on stdout"},
  });
  return specs;
}

const std::vector<OptionSpec>& verify_options() {
  static const std::vector<OptionSpec> specs = with_shared_options({
      {"run-id", OptionType::text, "", "the run to verify; default: the run latest.json names"},
  });
  return specs;
}

const std::vector<OptionSpec>& cleanup_options() {
  static const std::vector<OptionSpec> specs = with_shared_options({
      {"grace", OptionType::duration, "24h",
       "leave anything younger than this alone: an export may still be writing it"},
      {"keep-last",
       OptionType::integer,
       "",
       "keep the N newest committed runs (with --keep-days: kept if either keeps it)",
       {},
       0,
       INT64_MAX},
      // At most a century, so that "now minus N days" stays far inside the clock's range.
      {"keep-days",
       OptionType::integer,
       "",
       "keep committed runs finished within the last N days",
       {},
       0,
       36500},
      {"dry-run", OptionType::flag, "false", "print what would be done and change nothing"},
  });
  return specs;
}

const std::vector<OptionSpec>& materialize_options() {
  static const std::vector<OptionSpec> specs = with_shared_options({
      {"output", OptionType::text, "",
       "where the materialized run goes: a directory, or s3://bucket/prefix (the S3 options "
       "apply to both)"},
      {"lsn", OptionType::text, "",
       "apply changes committed at or below this LSN (e.g. 0/16B3748); default: the newest "
       "logged commit"},
      {"format",
       OptionType::choice,
       "",
       "the run's format; default: the base run's (converting is not supported yet)",
       {"csv", "jsonl", "parquet"}},
      {"table-format",
       OptionType::choice,
       "",
       "delta: also commit each table as the next version of its Delta table; default: the "
       "base run's (another one is refused; docs/delta.md)",
       {"none", "delta"}},
      {"run-id", OptionType::text, "",
       "name of the new run under runs/; default: the UTC start time, e.g. 20261124T203543Z"},
  });
  return specs;
}

const std::vector<OptionSpec>& options_reference_options() {
  static const std::vector<OptionSpec> specs = {
      {"markdown", OptionType::flag, "false",
       "print every command's options as Markdown (docs/configuration.md)"},
  };
  return specs;
}

std::string environment_name(std::string_view option_name) {
  std::string name = "PGEXPORT_";
  for (char c : option_name) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string size_text(uint64_t bytes) {
  constexpr std::array<std::string_view, 3> kUnits{"GiB", "MiB", "KiB"};
  for (size_t i = 0; i < kUnits.size(); ++i) {
    const uint64_t unit = uint64_t{1} << (10 * (kUnits.size() - i));
    if (bytes >= unit && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, kUnits[i]);
  }
  return fmt::format("{}", bytes);
}

std::optional<uint64_t> parse_size(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return std::nullopt;
  uint64_t number = 0;
  std::from_chars(text.data(), text.data() + digits, number);
  std::string unit(text.substr(digits));
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::pair<std::string_view, uint64_t> kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1ull << 10},
      {"kib", 1ull << 10},
      {"kb", 1000},
      {"m", 1ull << 20},
      {"mib", 1ull << 20},
      {"mb", 1000ull * 1000},
      {"g", 1ull << 30},
      {"gib", 1ull << 30},
      {"gb", 1000ull * 1000 * 1000},
      {"t", 1ull << 40},
      {"tib", 1ull << 40},
      {"tb", 1000ull * 1000 * 1000 * 1000}};
  for (const auto& [name, multiplier] : kUnits) {
    if (unit == name) {
      if (number > UINT64_MAX / multiplier) return std::nullopt;
      return number * multiplier;
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.size() < 2) return std::nullopt;
  int64_t milliseconds_per_unit = 0;
  std::string_view digits = text.substr(0, text.size() - 1);
  if (text.ends_with("ms")) {
    milliseconds_per_unit = 1;
    digits = text.substr(0, text.size() - 2);
  } else {
    switch (text.back()) {
      case 's':
        milliseconds_per_unit = 1000;
        break;
      case 'm':
        milliseconds_per_unit = 60 * 1000;
        break;
      case 'h':
        milliseconds_per_unit = 3600 * 1000;
        break;
      case 'd':
        milliseconds_per_unit = 86400 * 1000;
        break;
      default:
        return std::nullopt;
    }
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  auto number = parse_integer(digits);
  if (!number || *number > INT64_MAX / milliseconds_per_unit) return std::nullopt;
  return std::chrono::milliseconds(*number * milliseconds_per_unit);
}

std::optional<std::string> Settings::text(std::string_view name) const {
  auto found = values.find(name);
  if (found == values.end() || found->second.empty()) return std::nullopt;
  return found->second;
}

std::string Settings::required_text(std::string_view name) const {
  auto value = text(name);
  if (!value) fail(ErrorKind::usage, "{} is required", describe_source(name));
  return *value;
}

int64_t Settings::integer(std::string_view name) const {
  auto value = text(name);
  auto number = value ? parse_integer(*value) : std::nullopt;
  if (!number) fail(ErrorKind::usage, "{} must be a whole number", describe_source(name));
  return *number;
}

uint64_t Settings::size(std::string_view name) const {
  auto value = text(name);
  auto bytes = value ? parse_size(*value) : std::nullopt;
  if (!bytes) {
    fail(ErrorKind::usage, "{} must be a size such as 512KiB, 128MiB or 2GiB",
         describe_source(name));
  }
  return *bytes;
}

std::chrono::milliseconds Settings::precise_duration(std::string_view name) const {
  auto value = text(name);
  auto duration = value ? parse_duration(*value) : std::nullopt;
  if (!duration) {
    fail(ErrorKind::usage, "--{}: '{}' is not a duration; use e.g. 500ms, 90s, 30m, 24h, 7d", name,
         value.value_or(""));
  }
  return *duration;
}

std::chrono::seconds Settings::duration(std::string_view name) const {
  // Up, not down: a timeout, grace period or interval given in milliseconds never becomes 0.
  return std::chrono::ceil<std::chrono::seconds>(precise_duration(name));
}

bool Settings::flag(std::string_view name) const {
  auto found = flags.find(name);
  return found != flags.end() && found->second;
}

std::vector<std::string> split_list_value(std::string_view value) {
  std::vector<std::string> items;
  std::string item;
  bool quoted = false;
  for (char c : value) {
    // A doubled quote inside quotes ("a""b") toggles twice, so it needs no case of its own.
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      if (!item.empty()) items.push_back(std::move(item));
      item.clear();
      continue;
    }
    item += c;
  }
  if (!item.empty()) items.push_back(std::move(item));
  return items;
}

std::vector<std::string> Settings::list(std::string_view name) const {
  auto found = lists.find(name);
  if (found == lists.end()) return {};
  std::vector<std::string> items;
  for (const auto& given : found->second) {
    for (auto& item : split_list_value(given)) items.push_back(std::move(item));
  }
  return items;
}

void bind_options(CLI::App& command, const std::vector<OptionSpec>& specs, Settings& settings) {
  for (const auto& spec : specs) {
    std::string flag = "--" + std::string(spec.name);
    std::string help(spec.help);
    if (!spec.choices.empty()) {
      help += fmt::format(" ({})", fmt::join(spec.choices, "|"));
    }
    if (spec.type == OptionType::duration) {
      help += " (0, or a whole number with a unit ms, s, m, h or d: 500ms, 90s, 30m, 24h, 7d)";
    }
    CLI::Option* option = nullptr;
    switch (spec.type) {
      case OptionType::flag:
        settings.flags[std::string(spec.name)] = spec.default_value == "true";
        option = command.add_flag(flag, settings.flags[std::string(spec.name)], help);
        break;
      case OptionType::list:
        // Split by Settings::list, not by CLI11: a comma inside a double-quoted name
        // ('public."a,b".*') is part of the name.
        option = command.add_option(flag, settings.lists[std::string(spec.name)], help)
                     ->type_name("GLOB");
        break;
      default:
        settings.values[std::string(spec.name)] = std::string(spec.default_value);
        option = command.add_option(flag, settings.values[std::string(spec.name)], help);
        option->type_name(spec.type == OptionType::integer    ? "INT"
                          : spec.type == OptionType::size     ? "SIZE"
                          : spec.type == OptionType::duration ? "DURATION"
                          : spec.type == OptionType::choice   ? "CHOICE"
                                                              : "TEXT");
        if (!spec.default_value.empty()) option->default_str(std::string(spec.default_value));
        break;
    }
    option->envname(environment_name(spec.name));
  }
}

void validate_options(const std::vector<OptionSpec>& specs, const Settings& settings) {
  for (const auto& spec : specs) {
    auto value = settings.text(spec.name);
    if (!value) continue;
    switch (spec.type) {
      case OptionType::integer: {
        int64_t number = settings.integer(spec.name);
        if (number < spec.minimum || number > spec.maximum) {
          fail(ErrorKind::usage, "{} must be between {} and {}, not {}", describe_source(spec.name),
               spec.minimum, spec.maximum, number);
        }
        break;
      }
      case OptionType::size: {
        uint64_t bytes = settings.size(spec.name);
        if (spec.minimum > 0 && bytes < static_cast<uint64_t>(spec.minimum)) {
          fail(ErrorKind::usage, "{} must be at least {}, not '{}'", describe_source(spec.name),
               size_text(static_cast<uint64_t>(spec.minimum)), *value);
        }
        break;
      }
      case OptionType::duration:
        settings.duration(spec.name);
        break;
      case OptionType::choice:
        if (std::find(spec.choices.begin(), spec.choices.end(), *value) == spec.choices.end()) {
          fail(ErrorKind::usage, "{} must be one of {}, not '{}'", describe_source(spec.name),
               fmt::join(spec.choices, ", "), spec.secret ? "(hidden)" : *value);
        }
        break;
      default:
        break;
    }
  }
}

}  // namespace pgexport::cli
