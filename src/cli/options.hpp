// Every option of pgexport, declared once: name, type, default, environment variable, help.
// Command-line flags, PGEXPORT_* variables, the --config file and --help all come from this
// table, and so does validation of each value's type.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgexport::cli {

enum class OptionType {
  text,      // any string
  integer,   // a whole number within [minimum, maximum]
  size,      // bytes, with an optional unit: 512KiB, 128MiB, 2GiB, 5MB
  duration,  // 0, or a whole number with a unit: 500ms, 90s, 30m, 24h, 7d
  choice,    // one of `choices`
  flag,      // true/false; given without a value on the command line
  list,      // repeatable; comma-separated in the environment
};

struct OptionSpec {
  std::string_view name;  // long flag without dashes, also the --config key
  OptionType type;
  std::string_view default_value;  // "" = none
  std::string_view help;
  std::vector<std::string_view> choices = {};
  int64_t minimum = 0;
  int64_t maximum = INT64_MAX;
  bool secret = false;  // never echoed in errors or logs
};

// Options every command takes, declared once: where the destination is and how to reach it
// (a directory or s3://bucket/prefix with the S3 settings), and how to log.
const std::vector<OptionSpec>& destination_options();
const std::vector<OptionSpec>& logging_options();
// How every command that connects to PostgreSQL reaches it: --source and --password-file.
const std::vector<OptionSpec>& database_options();

// Columns an export leaves out or hashes, and the hash key's file: `export`, `lambda` and
// `cdc init`. `cdc run` takes only the key's file (the rules come from the base run).
const std::vector<OptionSpec>& personal_data_options();
const OptionSpec& hash_key_file_option();

// `command_options` followed by the shared groups above.
std::vector<OptionSpec> with_shared_options(std::vector<OptionSpec> command_options);
// The database options, then `command_options`, then the shared groups.
std::vector<OptionSpec> with_database_options(std::vector<OptionSpec> command_options);

// What every change-capture command needs to find its slot and publication.
const std::vector<OptionSpec>& slot_options();

// The options of each command, in --help order (the command's own, then the shared groups).
const std::vector<OptionSpec>& export_options();
const std::vector<OptionSpec>& ls_options();
// `lambda`: the export options (without --spool), plus how the deadline is planned.
const std::vector<OptionSpec>& lambda_options();
// Change data capture: `cdc init` takes every export option; the others the shared groups.
const std::vector<OptionSpec>& cdc_init_options();
const std::vector<OptionSpec>& cdc_run_options();
const std::vector<OptionSpec>& cdc_status_options();
const std::vector<OptionSpec>& cdc_drop_options();
const std::vector<OptionSpec>& verify_options();
const std::vector<OptionSpec>& cleanup_options();
const std::vector<OptionSpec>& materialize_options();
// The hidden `options` command, which prints the reference of all the others.
const std::vector<OptionSpec>& options_reference_options();

// "jobs" -> "PGEXPORT_JOBS".
std::string environment_name(std::string_view option_name);

// Values after parsing: the raw text of each option that has one (given or defaulted), plus
// typed accessors that know the table's rules. Accessors throw Error(usage) with a message that
// names the flag and its variable.
class Settings {
 public:
  std::optional<std::string> text(std::string_view name) const;
  std::string required_text(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  uint64_t size(std::string_view name) const;
  // A duration in whole seconds, rounded up (500ms is 1 s).
  std::chrono::seconds duration(std::string_view name) const;
  // A duration to the millisecond, for the options where less than a second means something.
  std::chrono::milliseconds precise_duration(std::string_view name) const;
  bool flag(std::string_view name) const;
  // Every item of a list option, from each occurrence split at commas (split_list_value).
  std::vector<std::string> list(std::string_view name) const;

  // Used by the binder.
  std::map<std::string, std::string, std::less<>> values;
  std::map<std::string, std::vector<std::string>, std::less<>> lists;
  std::map<std::string, bool, std::less<>> flags;
};

// Adds every option of `specs` to `command`, storing into `settings`.
void bind_options(CLI::App& command, const std::vector<OptionSpec>& specs, Settings& settings);

// Checks the type of every value after parsing (so that a bad PGEXPORT_JOBS fails before any
// work starts, with the option named).
void validate_options(const std::vector<OptionSpec>& specs, const Settings& settings);

// Parses "128MiB" and friends; nullopt when the text is not a size.
std::optional<uint64_t> parse_size(std::string_view text);
// A size in the largest binary unit that holds it exactly (1MiB, 5MiB, 1536KiB, 100), in the
// form parse_size reads back.
std::string size_text(uint64_t bytes);

// Parses "0", "500ms", "90s", "30m", "24h", "7d"; nullopt when the text is not a duration (no unit,
// another unit, a sign, a fraction, or more milliseconds than fit).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The items of one list option value: split at each comma outside double quotes, so that a
// quoted name may hold one ('public."a,b".*'); empty items are dropped.
std::vector<std::string> split_list_value(std::string_view value);

}  // namespace pgexport::cli
