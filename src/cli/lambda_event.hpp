// An invocation's event as export options: `pgexport lambda` takes a JSON object whose keys
// are option names ("include", "run-id"; "run_id" is read as "run-id") and whose values are
// strings, whole numbers, booleans (flags) or arrays of strings (list options). What the event
// does not name keeps its value from the command line, PGEXPORT_* or the default, as for
// `pgexport export`.
#pragma once

#include <string_view>
#include <vector>

#include "cli/options.hpp"

namespace pgexport::cli {

// `defaults` overlaid with the event's values, each checked by the options table's rules.
// Throws usage naming the key for a key that is no option of `specs`, a key given twice, or a
// value of the wrong type or out of range; the value of a secret option is never quoted.
// An empty or "null" event changes nothing.
Settings settings_from_event(std::string_view event, const std::vector<OptionSpec>& specs,
                             Settings defaults);

}  // namespace pgexport::cli
