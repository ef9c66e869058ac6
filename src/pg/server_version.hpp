// Which PostgreSQL servers pgexport reads, and what differs between them.
#pragma once

namespace pgexport::pg {

// The oldest and newest major versions pgexport is tested against.
inline constexpr int kOldestSupportedMajor = 12;
inline constexpr int kNewestTestedMajor = 17;

// The major version of a PQserverVersion() number (160004 -> 16).
int major_version(int server_version_num);

// Throws usage for a server older than kOldestSupportedMajor ("PostgreSQL 11 is not supported;
// pgexport supports 12 to 17").
void check_supported_server(int server_version_num);

// Logs a warning for a server newer than kNewestTestedMajor (it is read like the newest).
void warn_if_newer_than_tested(int server_version_num);

// TID range scans (PostgreSQL 14) read only the blocks of a ctid range; before that a
// `WHERE ctid >= ... AND ctid < ...` query scans the whole table, so splitting a table into
// ranges would read it once per range.
bool supports_tid_range_scans(int server_version_num);

// idle_session_timeout exists from PostgreSQL 14 on; SET of an unknown setting is an error.
bool has_idle_session_timeout(int server_version_num);

}  // namespace pgexport::pg
