// A publisher turns what the commit log holds into another form of it in the destination (the
// AWS DMS change files of `--layout dms`, docs/dms.md "Change capture"). The log stays the
// commit point: a publisher only ever writes what logged entries hold, keyed by the entries
// alone, so it can be repeated after a crash and gives the same objects.
#pragma once

#include <optional>

#include "cdc/commit_log.hpp"

namespace pgexport::cdc {

class LogPublisher {
 public:
  virtual ~LogPublisher() = default;
  // Publishes every entry up to `newest` that it has not published yet. `cdc run` calls it at
  // start (repairing what a run that stopped after its last entry left undone) and after each
  // entry it appends. Throws when it cannot: the entries stay logged, and the next call (the
  // next run's first) publishes them.
  virtual void catch_up(CommitLog& log, const std::optional<LogEntry>& newest) = 0;
};

}  // namespace pgexport::cdc
