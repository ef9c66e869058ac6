// The personal data options (--exclude-columns, --hash-columns) as rules, and the key hashed
// columns are hashed with: the content of --hash-key-file, or PGEXPORT_HASH_KEY. The key is
// never an option value on the command line, where other users of the host could read it.
#pragma once

#include <string>

#include "cli/options.hpp"
#include "export/personal_data.hpp"

namespace pgexport::cli {

// Where the key can come from besides --hash-key-file: read directly, never echoed.
inline constexpr const char* kHashKeyVariable = "PGEXPORT_HASH_KEY";

// A key shorter than this is refused: an HMAC key is only as strong as it is long, and a
// short one could be found by trying every value against one known plaintext's hash.
inline constexpr size_t kMinimumHashKeyBytes = 16;

// The rules of --exclude-columns and --hash-columns; throws usage for a pattern that does not
// parse.
exporter::PersonalDataRules personal_data_rules(const Settings& settings);

// The hash key: the content of --hash-key-file (one trailing newline ignored), else the value
// of PGEXPORT_HASH_KEY, else "". Throws usage, naming the file or variable but never the key,
// when both are given, when the file cannot be used, or when the key is shorter than
// kMinimumHashKeyBytes. Warns when the file can be read by its group or by others.
std::string read_hash_key(const Settings& settings);

// The export's rules and key, checked together: --hash-columns without a key is a usage error.
struct PersonalDataSettings {
  exporter::PersonalDataRules rules;
  std::string key;
};
PersonalDataSettings personal_data_settings(const Settings& settings);

}  // namespace pgexport::cli
