#include "pg/server_version.hpp"

#include "common/error.hpp"
#include "common/log.hpp"

namespace pgexport::pg {

namespace {
// From PostgreSQL 10 on, PQserverVersion() is major * 10000 + minor.
constexpr int kVersionNumberPerMajor = 10000;
constexpr int kTidRangeScanMajor = 14;
constexpr int kIdleSessionTimeoutMajor = 14;
}  // namespace

int major_version(int server_version_num) {
  return server_version_num / kVersionNumberPerMajor;
}

void check_supported_server(int server_version_num) {
  int major = major_version(server_version_num);
  if (major < kOldestSupportedMajor) {
    // Versions before 10 are numbered 90624 (9.6.24): name them the way their users do.
    std::string name = major >= 10 ? std::to_string(major)
                                   : fmt::format("{}.{}", server_version_num / 10000,
                                                 server_version_num / 100 % 100);
    fail(ErrorKind::usage, "PostgreSQL {} is not supported; pgexport supports {} to {}", name,
         kOldestSupportedMajor, kNewestTestedMajor);
  }
}

void warn_if_newer_than_tested(int server_version_num) {
  int major = major_version(server_version_num);
  if (major > kNewestTestedMajor) {
    log::warn("this PostgreSQL is newer than the versions pgexport is tested with",
              {log::field("server_major", major),
               {"tested", fmt::format("{} to {}", kOldestSupportedMajor, kNewestTestedMajor)}});
  }
}

bool supports_tid_range_scans(int server_version_num) {
  return major_version(server_version_num) >= kTidRangeScanMajor;
}

bool has_idle_session_timeout(int server_version_num) {
  return major_version(server_version_num) >= kIdleSessionTimeoutMajor;
}

}  // namespace pgexport::pg
